package pdsim

import (
	"encoding/json"
	"net/http"
	"time"
)

type ruleJSON struct {
	GroupID   string `json:"group_id"`
	ID        string `json:"id"`
	StartKey  string `json:"start_key"`
	EndKey    string `json:"end_key"`
	Role      string `json:"role"`
	IsWitness bool   `json:"is_witness"`
	Count     uint64 `json:"count"`
	Version   uint64 `json:"version,omitempty"`
}

// defaultRule is the placement rule PD derives from max-replicas.
func (c *Cluster) defaultRule(version uint64) ruleJSON {
	return ruleJSON{GroupID: "pd", ID: "default", Role: "voter", Count: c.replicate.MaxReplicas, Version: version}
}

func (s *Server) getRules(w http.ResponseWriter, r *http.Request) {
	s.read(func(c *Cluster) { writeJSON(w, 200, []ruleJSON{c.defaultRule(0)}) })
}

func (s *Server) getRule(w http.ResponseWriter, r *http.Request) {
	s.read(func(c *Cluster) {
		if r.PathValue("group") != "pd" || r.PathValue("id") != "default" {
			writeJSON(w, 404, "[PD:placement:ErrRuleNotFound]rule not found")
			return
		}
		writeJSON(w, 200, c.defaultRule(1))
	})
}

func (s *Server) getPlacementRule(w http.ResponseWriter, r *http.Request) {
	s.read(func(c *Cluster) {
		writeJSON(w, 200, []map[string]any{{
			"group_id": "pd", "group_index": 0, "group_override": false, "rules": []ruleJSON{c.defaultRule(0)},
		}})
	})
}

type fitPeer struct {
	ID      uint64 `json:"id"`
	StoreID uint64 `json:"store_id"`
	Role    int    `json:"role,omitempty"`
	Learner bool   `json:"is_learner,omitempty"`
}

func (s *Server) getRegionRules(detail bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := regionIDFrom(w, r.PathValue("id"))
		if !ok {
			return
		}
		s.read(func(c *Cluster) {
			rg := c.regions[id]
			if rg == nil {
				writeErr(w, errStatus(404, "[PD:region:ErrRegionNotFound]region %d not found", id))
				return
			}
			rule := c.defaultRule(1)
			if !detail {
				writeJSON(w, 200, []ruleJSON{rule})
				return
			}
			var fit, orphan []fitPeer
			for _, p := range rg.Peers {
				fp := fitPeer{ID: uint64(p.ID), StoreID: uint64(p.StoreID)}
				if p.Role == RoleVoter && uint64(len(fit)) < rule.Count {
					fit = append(fit, fp)
				} else {
					fp.Role, fp.Learner = int(p.Role), p.Role == RoleLearner
					orphan = append(orphan, fp)
				}
			}
			writeJSON(w, 200, map[string]any{
				"rule-fits": []map[string]any{{
					"rule": rule, "peers": fit, "peers-different-role": nil, "isolation-score": 0, "witness-score": 0,
				}},
				"orphan-peers": orphan,
			})
		})
	}
}

// getConfig is PD's whole server config: the live schedule and replication
// sections inside the static rest of a single-member PD's config.
func (s *Server) getConfig(w http.ResponseWriter, r *http.Request) {
	s.read(func(c *Cluster) {
		cfg := s.baseConfig()
		cfg["schedule"] = c.scheduleView()
		cfg["replication"] = c.replicate
		writeJSON(w, 200, cfg)
	})
}

// getDefaultConfig is GET /config/default: PD's built-in defaults rather
// than the live config. It has no per-store limits, no label properties
// (null), max-merge-region-keys still 0 (PD derives it later) and
// cluster-version 0.0.0.
func (s *Server) getDefaultConfig(w http.ResponseWriter, r *http.Request) {
	cfg := s.baseConfig()
	sched := defaultScheduleConfig(30 * time.Minute)
	sched.MaxMergeRegionKeys = 0
	for _, name := range newSchedulers().order {
		sched.SchedulersV2 = append(sched.SchedulersV2, schedulerEntry{Type: schedulerType(name)})
	}
	cfg["schedule"] = sched
	cfg["replication"] = defaultReplicationConfig()
	cfg["label-property"] = nil
	cfg["cluster-version"] = "0.0.0"
	if lg, ok := cfg["log"].(map[string]any); ok {
		if f, ok := lg["file"].(map[string]any); ok {
			f["max-size"] = 0
		}
	}
	writeJSON(w, 200, cfg)
}

// baseConfig is the static part of the config with this server's URLs.
func (s *Server) baseConfig() map[string]any {
	var cfg map[string]any
	json.Unmarshal([]byte(staticConfig), &cfg)
	cfg["client-urls"] = s.listenURL
	cfg["advertise-client-urls"] = s.listenURL
	cfg["peer-urls"] = s.peerURL()
	cfg["advertise-peer-urls"] = s.peerURL()
	cfg["initial-cluster"] = "pd1=" + s.peerURL()
	cfg["pd-server"] = pdServerConfig()
	cfg["replication-mode"] = replicationModeConfig()
	return cfg
}

// staticConfig is the part of PD's config that pdsim never changes.
const staticConfig = `{
 "name": "pd1", "data-dir": "/var/lib/pd", "force-new-cluster": false, "enable-grpc-gateway": true,
 "initial-cluster-state": "new", "initial-cluster-token": "pd-cluster", "join": "", "lease": 5,
 "log": {"level": "info", "format": "text", "disable-timestamp": false,
   "file": {"filename": "", "max-size": 300, "max-days": 0, "max-backups": 0},
   "development": false, "disable-caller": false, "disable-stacktrace": false, "disable-error-verbose": true,
   "sampling": null, "error-output-path": ""},
 "max-concurrent-tso-proxy-streamings": 5000, "tso-proxy-recv-from-client-timeout": "1h0m0s",
 "tso-save-interval": "5s", "tso-update-physical-interval": "50ms", "enable-local-tso": false,
 "metric": {"job": "pd1", "address": "", "interval": "15s"},
 "cluster-version": "8.5.2", "labels": {}, "quota-backend-bytes": "8GiB",
 "auto-compaction-mode": "periodic", "auto-compaction-retention-v2": "1h", "tick-interval": "500ms",
 "election-interval": "3s", "enable-prevote": true, "max-request-bytes": 157286400,
 "security": {"cacert-path": "", "cert-path": "", "key-path": "", "cert-allowed-cn": null,
   "SSLCABytes": null, "SSLCertBytes": null, "SSLKEYBytes": null, "redact-info-log": false,
   "encryption": {"data-encryption-method": "plaintext", "data-key-rotation-period": "168h0m0s",
     "master-key": {"type": "plaintext", "key-id": "", "region": "", "endpoint": "", "path": ""}}},
 "label-property": {},
 "dashboard": {"tidb-cacert-path": "", "tidb-cert-path": "", "tidb-key-path": "", "public-path-prefix": "",
   "temp-dir": "", "internal-proxy": false, "enable-telemetry": false, "enable-experimental": false,
   "disable-custom-prom-addr": false},
 "keyspace": {"pre-alloc": null, "wait-region-split": true, "wait-region-split-timeout": "30s",
   "check-region-split-interval": "50ms", "meta-service-groups": null},
 "micro-service": {"enable-scheduling-fallback": "true", "enable-tso-dynamic-switching": "false",
   "enable-resource-manager-fallback": "true"},
 "controller": {"degraded-mode-wait-duration": "0s", "ltb-max-wait-duration": "30s", "ltb-token-rpc-max-delay": "1s",
   "request-unit": {"read-base-cost": 0.125, "read-per-batch-base-cost": 0.5, "read-cost-per-byte": 1.52587890625e-05,
     "write-base-cost": 1, "write-per-batch-base-cost": 1, "write-cost-per-byte": 0.0009765625,
     "read-cpu-ms-cost": 0.3333333333333333},
   "enable-controller-trace-log": "false", "push-metrics-address": "", "push-metrics-interval": "0s"},
 "metering": {}
}`
