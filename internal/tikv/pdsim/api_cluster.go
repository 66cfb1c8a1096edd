package pdsim

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// pdVersion is the PD version pdsim claims to be (the one the captures came from).
const pdVersion = "v9.0.0-beta.2.pre-483-ga186e0cc61"

type memberJSON struct {
	Name          string   `json:"name"`
	MemberID      uint64   `json:"member_id"`
	PeerURLs      []string `json:"peer_urls"`
	ClientURLs    []string `json:"client_urls"`
	DeployPath    string   `json:"deploy_path,omitempty"`
	BinaryVersion string   `json:"binary_version,omitempty"`
	GitHash       string   `json:"git_hash,omitempty"`
}

// member is PD member i (0-based): pd1, pd2, pd3 (see fault_leader.go).
func (s *Server) member(i int, full bool) memberJSON {
	m := memberJSON{Name: fmt.Sprintf("pd%d", i+1), MemberID: s.c.memberID + uint64(i), PeerURLs: []string{s.peerURL()}, ClientURLs: []string{s.listenURL}}
	if full {
		m.DeployPath, m.BinaryVersion, m.GitHash = "/pdsim", pdVersion, "0000000000000000000000000000000000000000"
	}
	return m
}

func (s *Server) peerURL() string {
	return strings.TrimSuffix(s.listenURL, ":2379") + ":2380"
}

func (s *Server) clusterRoutes() {
	s.handle("GET", "/pd/api/v1/cluster", s.getCluster)
	s.handle("GET", "/pd/api/v1/cluster/status", s.getClusterStatus)
	s.handle("GET", "/pd/api/v1/health", s.getHealth)
	s.handle("GET", "/pd/health", s.getHealth)
	s.handle("GET", "/pd/api/v1/ping", ping)
	s.handle("GET", "/pd/ping", ping)
	s.handle("GET", "/health", s.etcdHealth)
	s.handle("GET", "/pd/api/v1/members", s.getMembers)
	s.handle("GET", "/pd/api/v1/leader", func(w http.ResponseWriter, r *http.Request) {
		_, leader := s.c.pdView()
		writeJSON(w, 200, s.member(leader, false))
	})
	s.handle("GET", "/pd/api/v1/version", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]string{"version": pdVersion, "build_time": "", "hash": "", "branch": ""})
	})
	s.handle("GET", "/pd/api/v1/status", s.getStatus)
	s.handle("GET", "/pd/api/v1/min-resolved-ts", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"is_real_time": true, "min_resolved_ts": 0, "persist_interval": "1s", "stores_min_resolved_ts": nil})
	})
	s.handle("GET", "/pd/api/v1/gc/safepoint", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{
			"service_gc_safe_points": []map[string]any{{"service_id": "gc_worker", "expired_at": int64(math.MaxInt64), "safe_point": 0}},
			"gc_safe_point":          0,
		})
	})
	s.handle("GET", "/pd/api/v1/replication_mode/status", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"mode": "majority", "dr-auto-sync": map[string]any{"label_key": "", "state": "", "acid_consistent": false}})
	})
	for _, marker := range []string{"snapshot-recovering", "pitr-restore-mode"} {
		s.handle("GET", "/pd/api/v1/admin/cluster/markers/"+marker, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, map[string]bool{"marked": false})
		})
	}
	s.handle("GET", "/pd/api/v1/service-middleware/config", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{
			"audit":           map[string]string{"enable-audit": "true"},
			"rate-limit":      map[string]any{"enable-rate-limit": "true", "limiter-config": map[string]any{}},
			"grpc-rate-limit": map[string]any{"enable-grpc-rate-limit": "true", "grpc-limiter-config": map[string]any{}},
		})
	})
}

func ping(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(200)
}

// etcdHealth is the bare /health that PD's embedded etcd answers.
func (s *Server) etcdHealth(w http.ResponseWriter, r *http.Request) {
	body := `{"health":"true","reason":""}`
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(200)
	io.WriteString(w, body)
}

func (s *Server) getCluster(w http.ResponseWriter, r *http.Request) {
	s.read(func(c *Cluster) {
		writeJSON(w, 200, map[string]uint64{"id": c.clusterID, "max_peer_count": c.replicate.MaxReplicas})
	})
}

func (s *Server) getClusterStatus(w http.ResponseWriter, r *http.Request) {
	s.read(func(c *Cluster) {
		boot := time.Time{}
		if c.bootstrapped {
			boot = c.bootTime
		}
		writeJSON(w, 200, map[string]any{
			"raft_bootstrap_time": boot.UTC().Format(time.RFC3339Nano),
			"is_initialized":      c.bootstrapped,
			"replication_status":  "",
		})
	})
}

type healthJSON struct {
	Name       string   `json:"name"`
	MemberID   uint64   `json:"member_id"`
	ClientURLs []string `json:"client_urls"`
	Health     bool     `json:"health"`
}

// getHealth is about PD members, not stores: it stays healthy whatever the
// stores do.
func (s *Server) getHealth(w http.ResponseWriter, r *http.Request) {
	n, _ := s.c.pdView()
	out := make([]healthJSON, n)
	for i := range out {
		m := s.member(i, false)
		out[i] = healthJSON{Name: m.Name, MemberID: m.MemberID, ClientURLs: m.ClientURLs, Health: true}
	}
	writeJSON(w, 200, out)
}

func (s *Server) getMembers(w http.ResponseWriter, r *http.Request) {
	n, leader := s.c.pdView()
	members := make([]memberJSON, n)
	for i := range members {
		members[i] = s.member(i, true)
	}
	writeJSON(w, 200, map[string]any{
		"header":      map[string]uint64{"cluster_id": s.c.clusterID},
		"members":     members,
		"leader":      members[leader],
		"etcd_leader": members[leader],
	})
}

func (s *Server) getStatus(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, 200, map[string]any{
		"build_ts": "2026-11-24 09:04:50", "version": pdVersion,
		"git_hash": "0000000000000000000000000000000000000000", "start_timestamp": s.c.startTime.Unix(),
		"kernel_type": "Classic",
	})
}

func regionIDFrom(w http.ResponseWriter, v string) (RegionID, bool) {
	id, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		writeJSON(w, 400, err.Error())
		return 0, false
	}
	return RegionID(id), true
}
