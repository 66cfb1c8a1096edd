package pd

import "time"

// Cluster is GET /cluster. It answers before the cluster is bootstrapped.
// The ID exceeds 2^53.
type Cluster struct {
	ID           uint64 `json:"id"`
	MaxPeerCount uint32 `json:"max_peer_count,omitempty"`
}

// ClusterStatus is GET /cluster/status. Before bootstrap IsInitialized is
// false and RaftBootstrapTime is the zero time.
type ClusterStatus struct {
	RaftBootstrapTime time.Time `json:"raft_bootstrap_time,omitzero"`
	IsInitialized     bool      `json:"is_initialized"`
	ReplicationStatus string    `json:"replication_status"`
}

// MemberHealth is one entry of GET /health: the health of a PD member (not
// of any store).
type MemberHealth struct {
	Name       string   `json:"name"`
	MemberID   uint64   `json:"member_id"`
	ClientURLs []string `json:"client_urls"`
	Health     bool     `json:"health"`
}

// Member is a PD member (pdpb.Member). GET /leader returns the same shape
// with only the name, ID and URLs filled.
type Member struct {
	Name           string   `json:"name"`
	MemberID       uint64   `json:"member_id"`
	PeerURLs       []string `json:"peer_urls,omitempty"`
	ClientURLs     []string `json:"client_urls,omitempty"`
	LeaderPriority int32    `json:"leader_priority,omitempty"`
	DeployPath     string   `json:"deploy_path,omitempty"`
	BinaryVersion  string   `json:"binary_version,omitempty"`
	GitHash        string   `json:"git_hash,omitempty"`
	DCLocation     string   `json:"dc_location,omitempty"`
}

// ResponseHeader is the header of PD's protobuf-shaped answers.
type ResponseHeader struct {
	ClusterID uint64 `json:"cluster_id"`
}

// Members is GET /members.
type Members struct {
	Header     ResponseHeader `json:"header"`
	Members    []Member       `json:"members"`
	Leader     *Member        `json:"leader,omitempty"`
	EtcdLeader *Member        `json:"etcd_leader,omitempty"`
}

// Version is GET /version. Only Version is filled by PD.
type Version struct {
	Version   string `json:"version"`
	BuildTime string `json:"build_time"`
	Hash      string `json:"hash"`
	Branch    string `json:"branch"`
}
