package pd

import "fmt"

// RegionEpoch is a region's version pair. Version grows with splits and
// merges, ConfVer with membership changes.
type RegionEpoch struct {
	ConfVer uint64 `json:"conf_ver,omitempty"`
	Version uint64 `json:"version,omitempty"`
}

// PeerRole is a peer's raft role (metapb.PeerRole). JSON: an integer, omitted
// when 0 (Voter).
type PeerRole int32

// Peer roles, as numbered by PD.
const (
	RoleVoter         PeerRole = 0
	RoleLearner       PeerRole = 1
	RoleIncomingVoter PeerRole = 2
	RoleDemotingVoter PeerRole = 3
)

func (r PeerRole) String() string {
	switch r {
	case RoleVoter:
		return "Voter"
	case RoleLearner:
		return "Learner"
	case RoleIncomingVoter:
		return "IncomingVoter"
	case RoleDemotingVoter:
		return "DemotingVoter"
	}
	return fmt.Sprintf("PeerRole(%d)", int32(r))
}

// RegionPeer is one replica of a region. Voters carry neither "role" nor
// "is_learner".
type RegionPeer struct {
	RoleName  string   `json:"role_name"`
	IsLearner bool     `json:"is_learner,omitempty"`
	ID        PeerID   `json:"id,omitempty"`
	StoreID   StoreID  `json:"store_id,omitempty"`
	Role      PeerRole `json:"role,omitempty"`
	IsWitness bool     `json:"is_witness,omitempty"`
}

// DownPeer is a peer the leader reports as unreachable.
type DownPeer struct {
	Peer        RegionPeer `json:"peer"`
	DownSeconds uint64     `json:"down_seconds,omitempty"`
}

// ReplicationStatus is a region's DR replication state (only in DR setups).
type ReplicationStatus struct {
	State   string `json:"state"`
	StateID uint64 `json:"state_id"`
}

// RegionInfo is one region. StartKey and EndKey are upper-case hex of the
// encoded key, "" for the unbounded ends. ApproximateSize is MiB. The
// written_*/read_* counters are the last heartbeat's, not rates.
type RegionInfo struct {
	ID                        RegionID           `json:"id"`
	StartKey                  string             `json:"start_key"`
	EndKey                    string             `json:"end_key"`
	Epoch                     RegionEpoch        `json:"epoch"`
	Peers                     []RegionPeer       `json:"peers,omitempty"`
	Leader                    RegionPeer         `json:"leader"`
	DownPeers                 []DownPeer         `json:"down_peers,omitempty"`
	PendingPeers              []RegionPeer       `json:"pending_peers,omitempty"`
	CPUUsage                  uint64             `json:"cpu_usage"`
	WrittenBytes              uint64             `json:"written_bytes"`
	ReadBytes                 uint64             `json:"read_bytes"`
	WrittenKeys               uint64             `json:"written_keys"`
	ReadKeys                  uint64             `json:"read_keys"`
	ApproximateSize           int64              `json:"approximate_size"`
	ApproximateKeys           int64              `json:"approximate_keys"`
	ApproximateKvSize         int64              `json:"approximate_kv_size"`
	ApproximateColumnarKvSize int64              `json:"approximate_columnar_kv_size"`
	Buckets                   []string           `json:"buckets,omitempty"`
	BucketVersion             uint64             `json:"bucket_version,omitempty"`
	ReplicationStatus         *ReplicationStatus `json:"replication_status,omitempty"`
}

// PeerOnStore returns the region's peer on the store, if any.
func (r *RegionInfo) PeerOnStore(id StoreID) (RegionPeer, bool) {
	for _, p := range r.Peers {
		if p.StoreID == id {
			return p, true
		}
	}
	return RegionPeer{}, false
}

// RegionsInfo is a region list. Regions is nil for GET /regions/count, which
// answers "regions": null.
type RegionsInfo struct {
	Count   int          `json:"count"`
	Regions []RegionInfo `json:"regions"`
}

// RegionStats is GET /stats/region: totals over a key range (the whole
// cluster by default). Map keys are store IDs. Sizes are MiB.
type RegionStats struct {
	Count                   int                `json:"count"`
	EmptyCount              int                `json:"empty_count"`
	StorageSize             int64              `json:"storage_size"`
	UserStorageSize         int64              `json:"user_storage_size"`
	UserColumnarStorageSize int64              `json:"user_columnar_storage_size"`
	StorageKeys             int64              `json:"storage_keys"`
	StoreLeaderCount        map[StoreID]int    `json:"store_leader_count"`
	StorePeerCount          map[StoreID]int    `json:"store_peer_count"`
	StoreLeaderSize         map[StoreID]int64  `json:"store_leader_size"`
	StoreLeaderKeys         map[StoreID]int64  `json:"store_leader_keys"`
	StorePeerSize           map[StoreID]int64  `json:"store_peer_size"`
	StorePeerKeys           map[StoreID]int64  `json:"store_peer_keys,omitempty"`
	StoreWriteBytes         map[StoreID]uint64 `json:"store_write_bytes,omitempty"`
	StoreWriteKeys          map[StoreID]uint64 `json:"store_write_keys,omitempty"`
	StoreWriteQuery         map[StoreID]uint64 `json:"store_write_query,omitempty"`
	StoreLeaderReadBytes    map[StoreID]uint64 `json:"store_leader_read_bytes,omitempty"`
	StoreLeaderReadKeys     map[StoreID]uint64 `json:"store_leader_read_keys,omitempty"`
	StoreLeaderReadQuery    map[StoreID]uint64 `json:"store_leader_read_query,omitempty"`
	StorePeerReadBytes      map[StoreID]uint64 `json:"store_peer_read_bytes,omitempty"`
	StorePeerReadKeys       map[StoreID]uint64 `json:"store_peer_read_keys,omitempty"`
	StorePeerReadQuery      map[StoreID]uint64 `json:"store_peer_read_query,omitempty"`
	StoreEngine             map[StoreID]string `json:"store_engine,omitempty"`
}
