package pdsim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

func (s *Server) configRoutes() {
	s.handle("GET", "/pd/api/v1/config", s.getConfig)
	s.handle("POST", "/pd/api/v1/config", s.postConfig)
	s.handle("GET", "/pd/api/v1/config/default", s.getDefaultConfig)
	s.handle("GET", "/pd/api/v1/config/schedule", s.getSchedule)
	s.handle("POST", "/pd/api/v1/config/schedule", s.postSchedule)
	s.handle("GET", "/pd/api/v1/config/replicate", s.getReplicate)
	s.handle("POST", "/pd/api/v1/config/replicate", s.postReplicate)
	s.handle("GET", "/pd/api/v1/config/cluster-version", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, "8.5.2") })
	s.handle("GET", "/pd/api/v1/config/label-property", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, map[string]any{}) })
	s.handle("GET", "/pd/api/v1/config/pd-server", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, pdServerConfig()) })
	s.handle("GET", "/pd/api/v1/config/replication-mode", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, replicationModeConfig()) })
	s.handle("GET", "/pd/api/v1/config/rules", s.getRules)
	s.handle("GET", "/pd/api/v1/config/rule_groups", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, []map[string]string{{"id": "pd"}}) })
	s.handle("GET", "/pd/api/v1/config/rule/{group}/{id}", s.getRule)
	s.handle("GET", "/pd/api/v1/config/rules/region/{id}", s.needsCluster(s.getRegionRules(false)))
	s.handle("GET", "/pd/api/v1/config/rules/region/{id}/detail", s.needsCluster(s.getRegionRules(true)))
	s.handle("GET", "/pd/api/v1/config/placement-rule", s.getPlacementRule)
	s.handle("GET", "/pd/api/v1/config/region-label/rules", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, []map[string]any{{
			"id": "keyspaces/0", "index": 0, "labels": []map[string]string{{"key": "id", "value": "0"}},
			"rule_type": "key-range", "data": []map[string]string{{"start_key": "7800000000000000fb", "end_key": "7800000100000000fb"}},
		}})
	})
}

func (s *Server) getSchedule(w http.ResponseWriter, r *http.Request) {
	s.read(func(c *Cluster) { writeJSON(w, 200, c.scheduleView()) })
}

// scheduleView fills store-limit from the live per-store limits and
// schedulers-v2 from the live schedulers, as PD does. Readers call it under
// the read lock, so it builds both afresh and never writes into c.schedule
// (appending to its slice would race between readers).
func (c *Cluster) scheduleView() scheduleConfig {
	cfg := c.schedule
	cfg.StoreLimit = map[string]storeLimitConfig{}
	for _, st := range c.stores {
		if st.State != StateTombstone {
			cfg.StoreLimit[fmt.Sprint(st.ID)] = storeLimitConfig{st.limitAddPeer, st.limitRemovePeer}
		}
	}
	cfg.SchedulersV2 = make([]schedulerEntry, 0, len(c.order))
	for _, name := range c.order {
		cfg.SchedulersV2 = append(cfg.SchedulersV2, schedulerEntry{Type: schedulerType(name)})
	}
	return cfg
}

// editableSchedule is the schedule config a POST decodes onto: the derived
// parts (store-limit, schedulers-v2, which scheduleView rebuilds from the
// stores and schedulers) are not kept, so a decode never writes into maps
// or slices the live config shares.
func (c *Cluster) editableSchedule() scheduleConfig {
	cfg := c.schedule
	cfg.StoreLimit, cfg.SchedulersV2 = nil, nil
	return cfg
}

// setConfig installs new schedule and replication configs. The region
// flags depend on max-replicas and the merge size limits: when those
// change every region is re-flagged, so the checkers act on the new
// values (PD's patrol checks every region against the current config).
func (c *Cluster) setConfig(sched scheduleConfig, repl replicationConfig) {
	sched.StoreLimit, sched.SchedulersV2 = nil, nil
	reflag := sched.MaxMergeRegionSize != c.schedule.MaxMergeRegionSize ||
		sched.MaxMergeRegionKeys != c.schedule.MaxMergeRegionKeys ||
		repl.MaxReplicas != c.replicate.MaxReplicas
	c.schedule, c.replicate = sched, repl
	if reflag {
		for _, rg := range c.byKey {
			c.reflag(rg)
		}
	}
}

// schedulerType is the type PD records in schedulers-v2 for a scheduler
// name: the name without "-scheduler", except the hot region scheduler.
func schedulerType(name string) string {
	if name == "balance-hot-region-scheduler" {
		return "hot-region"
	}
	return strings.TrimSuffix(name, "-scheduler")
}

// postSchedule is a partial update: unknown keys are ignored, type errors
// are 400 errcode objects, ,string booleans and durations fail with 500, and
// semantic validation errors are 500 bare strings.
func (s *Server) postSchedule(w http.ResponseWriter, r *http.Request) {
	data, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	s.write(func(c *Cluster) {
		cfg := c.editableSchedule()
		if err := decodeConfig(w, data, &cfg, "ScheduleConfig"); err != nil {
			return
		}
		if err := cfg.validate(); err != nil {
			writeJSON(w, 500, err.Error())
			return
		}
		c.setConfig(cfg, c.replicate)
		writeJSON(w, 200, "The config is updated.")
	})
}

func (s *Server) getReplicate(w http.ResponseWriter, r *http.Request) {
	s.read(func(c *Cluster) { writeJSON(w, 200, c.replicate) })
}

func (s *Server) postReplicate(w http.ResponseWriter, r *http.Request) {
	data, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	s.write(func(c *Cluster) {
		cfg := c.replicate
		if err := decodeConfig(w, data, &cfg, "ReplicationConfig"); err != nil {
			return
		}
		if cfg.MaxReplicas == 0 {
			writeJSON(w, 500, "max-replicas should be greater than 0")
			return
		}
		c.setConfig(c.schedule, cfg)
		writeJSON(w, 200, "The config is updated.")
	})
}

// decodeConfig answers PD's errors for a config body and reports whether it failed.
func decodeConfig(w http.ResponseWriter, data []byte, dst any, pdName string) error {
	err := decodeInto(data, dst, pdName)
	switch err.(type) {
	case nil:
		return nil
	case *json.UnmarshalTypeError:
		writeInputErr(w, err)
	case *json.SyntaxError:
		writeJSON(w, 400, err.Error())
	default:
		writeJSON(w, 500, err.Error())
	}
	return err
}

// postConfig takes dotted ("schedule.leader-schedule-limit") or bare keys.
// Unlike /config/schedule, unknown keys are errors here and type errors are
// bare strings.
func (s *Server) postConfig(w http.ResponseWriter, r *http.Request) {
	data, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var in map[string]json.RawMessage
	if err := json.Unmarshal(data, &in); err != nil {
		writeJSON(w, 400, err.Error())
		return
	}
	s.write(func(c *Cluster) {
		sched, repl := c.editableSchedule(), c.replicate
		schedKeys, replKeys := jsonKeys(sched), jsonKeys(repl)
		for _, k := range sortedKeys(in) {
			prefix, item, dotted := strings.Cut(k, ".")
			if !dotted {
				item = prefix
				switch {
				case schedKeys[item]:
					prefix = "schedule"
				case replKeys[item]:
					prefix = "replication"
				default:
					writeJSON(w, 400, fmt.Sprintf("config item %s not found", item))
					return
				}
			}
			var dst any
			var pdName string
			switch prefix {
			case "schedule":
				if !schedKeys[item] {
					writeJSON(w, 400, fmt.Sprintf("config item %s not found", item))
					return
				}
				dst, pdName = &sched, "ScheduleConfig"
			case "replication":
				if !replKeys[item] {
					writeJSON(w, 400, fmt.Sprintf("config item %s not found", item))
					return
				}
				dst, pdName = &repl, "ReplicationConfig"
			default:
				writeJSON(w, 400, fmt.Sprintf("config prefix %s not found", prefix))
				return
			}
			body, _ := json.Marshal(map[string]json.RawMessage{item: in[k]})
			if err := decodeInto(body, dst, pdName); err != nil {
				writeJSON(w, 400, err.Error())
				return
			}
		}
		if err := sched.validate(); err != nil {
			writeJSON(w, 400, err.Error())
			return
		}
		if repl.MaxReplicas == 0 {
			writeJSON(w, 400, "max-replicas should be greater than 0")
			return
		}
		c.setConfig(sched, repl)
		writeJSON(w, 200, "The config is updated.")
	})
}

// jsonKeys lists the JSON names of a config struct.
func jsonKeys(v any) map[string]bool {
	b, _ := json.Marshal(v)
	var m map[string]json.RawMessage
	json.Unmarshal(b, &m)
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	out["halt-scheduling"] = true
	return out
}

func pdServerConfig() map[string]any {
	return map[string]any{
		"use-region-storage": "true", "max-gap-reset-ts": "24h0m0s", "key-type": "table",
		"runtime-services": "", "metric-storage": "", "dashboard-address": "auto", "flow-round-by-digit": 3,
		"min-resolved-ts-persistence-interval": "1s", "server-memory-limit": 0, "server-memory-limit-gc-trigger": 0.7,
		"enable-gogc-tuner": "true", "gc-tuner-threshold": 0.6, "block-safe-point-v1": "false",
	}
}

func replicationModeConfig() map[string]any {
	return map[string]any{
		"replication-mode": "majority",
		"dr-auto-sync": map[string]any{
			"label-key": "", "primary": "", "dr": "", "primary-replicas": 0, "dr-replicas": 0,
			"wait-store-timeout": "1m0s", "wait-recover-timeout": "0s", "pause-region-split": "false",
		},
	}
}
