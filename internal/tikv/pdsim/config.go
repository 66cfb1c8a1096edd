package pdsim

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// duration mirrors PD's typeutil.Duration: JSON is a Go duration string, and
// decoding goes through strconv.Unquote exactly like PD, so a number answers
// PD's own "invalid syntax" error.
type duration struct{ time.Duration }

func (d duration) MarshalJSON() ([]byte, error) {
	return []byte(strconv.Quote(d.String())), nil
}

func (d *duration) UnmarshalJSON(text []byte) error {
	s, err := strconv.Unquote(string(text))
	if err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	d.Duration = v
	return nil
}

type storeLimitConfig struct {
	AddPeer    float64 `json:"add-peer"`
	RemovePeer float64 `json:"remove-peer"`
}

type schedulerEntry struct {
	Type        string   `json:"type"`
	Args        []string `json:"args"`
	Disable     bool     `json:"disable"`
	ArgsPayload string   `json:"args-payload"`
}

// scheduleConfig mirrors PD's ScheduleConfig field for field, including its
// quirks: booleans carry the ",string" tag (so a native JSON bool fails the
// way it does in PD) and halt-scheduling is omitted while false. The type is
// named ScheduleConfig in PD's error messages; decodeConfigPatch rewrites the
// struct name so our errors match.
type scheduleConfig struct {
	MaxSnapshotCount                uint64                      `json:"max-snapshot-count"`
	MaxPendingPeerCount             uint64                      `json:"max-pending-peer-count"`
	MaxMergeRegionSize              uint64                      `json:"max-merge-region-size"`
	MaxMergeRegionKeys              uint64                      `json:"max-merge-region-keys"`
	SplitMergeInterval              duration                    `json:"split-merge-interval"`
	SwitchWitnessInterval           duration                    `json:"switch-witness-interval"`
	EnableOneWayMerge               bool                        `json:"enable-one-way-merge,string"`
	EnableCrossTableMerge           bool                        `json:"enable-cross-table-merge,string"`
	PatrolRegionInterval            duration                    `json:"patrol-region-interval"`
	MaxStoreDownTime                duration                    `json:"max-store-down-time"`
	MaxStorePreparingTime           duration                    `json:"max-store-preparing-time"`
	LeaderScheduleLimit             uint64                      `json:"leader-schedule-limit"`
	LeaderSchedulePolicy            string                      `json:"leader-schedule-policy"`
	RegionScheduleLimit             uint64                      `json:"region-schedule-limit"`
	WitnessScheduleLimit            uint64                      `json:"witness-schedule-limit"`
	ReplicaScheduleLimit            uint64                      `json:"replica-schedule-limit"`
	MergeScheduleLimit              uint64                      `json:"merge-schedule-limit"`
	HotRegionScheduleLimit          uint64                      `json:"hot-region-schedule-limit"`
	AffinityScheduleLimit           uint64                      `json:"affinity-schedule-limit"`
	SplitScatterScheduleLimit       uint64                      `json:"split-scatter-schedule-limit"`
	HotRegionCacheHitsThreshold     uint64                      `json:"hot-region-cache-hits-threshold"`
	DefaultStoreLimit               storeLimitConfig            `json:"default-store-limit"`
	StoreLimit                      map[string]storeLimitConfig `json:"store-limit"`
	TolerantSizeRatio               float64                     `json:"tolerant-size-ratio"`
	LowSpaceRatio                   float64                     `json:"low-space-ratio"`
	HighSpaceRatio                  float64                     `json:"high-space-ratio"`
	RegionScoreFormulaVersion       string                      `json:"region-score-formula-version"`
	SchedulerMaxWaitingOperator     uint64                      `json:"scheduler-max-waiting-operator"`
	EnableRemoveDownReplica         bool                        `json:"enable-remove-down-replica,string"`
	EnableReplaceOfflineReplica     bool                        `json:"enable-replace-offline-replica,string"`
	EnableMakeUpReplica             bool                        `json:"enable-make-up-replica,string"`
	EnableRemoveExtraReplica        bool                        `json:"enable-remove-extra-replica,string"`
	EnableLocationReplacement       bool                        `json:"enable-location-replacement,string"`
	EnableDebugMetrics              bool                        `json:"enable-debug-metrics,string"`
	EnableJointConsensus            bool                        `json:"enable-joint-consensus,string"`
	EnableTiKVSplitRegion           bool                        `json:"enable-tikv-split-region,string"`
	EnableHeartbeatBreakdownMetrics bool                        `json:"enable-heartbeat-breakdown-metrics,string"`
	EnableHeartbeatConcurrentRunner bool                        `json:"enable-heartbeat-concurrent-runner,string"`
	SchedulersV2                    []schedulerEntry            `json:"schedulers-v2"`
	HotRegionsWriteInterval         duration                    `json:"hot-regions-write-interval"`
	HotRegionsReservedDays          uint64                      `json:"hot-regions-reserved-days"`
	MaxMovableHotPeerSize           int64                       `json:"max-movable-hot-peer-size"`
	EnableDiagnostic                bool                        `json:"enable-diagnostic,string"`
	EnableWitness                   bool                        `json:"enable-witness,string"`
	SlowStoreEvictingAffectedRatio  float64                     `json:"slow-store-evicting-affected-store-ratio-threshold"`
	StoreLimitVersion               string                      `json:"store-limit-version"`
	HaltScheduling                  bool                        `json:"halt-scheduling,string,omitempty"`
	PatrolRegionWorkerCount         int                         `json:"patrol-region-worker-count"`
	MaxAffinityMergeRegionSize      uint64                      `json:"max-affinity-merge-region-size"`
}

func defaultScheduleConfig(maxDown time.Duration) scheduleConfig {
	return scheduleConfig{
		MaxSnapshotCount:                64,
		MaxPendingPeerCount:             64,
		MaxMergeRegionSize:              54,
		MaxMergeRegionKeys:              540000,
		SplitMergeInterval:              duration{time.Hour},
		SwitchWitnessInterval:           duration{time.Hour},
		EnableCrossTableMerge:           true,
		PatrolRegionInterval:            duration{10 * time.Millisecond},
		MaxStoreDownTime:                duration{maxDown},
		MaxStorePreparingTime:           duration{48 * time.Hour},
		LeaderScheduleLimit:             4,
		LeaderSchedulePolicy:            "count",
		RegionScheduleLimit:             2048,
		WitnessScheduleLimit:            4,
		ReplicaScheduleLimit:            64,
		MergeScheduleLimit:              8,
		HotRegionScheduleLimit:          4,
		SplitScatterScheduleLimit:       4,
		HotRegionCacheHitsThreshold:     3,
		DefaultStoreLimit:               storeLimitConfig{AddPeer: 15, RemovePeer: 15},
		StoreLimit:                      map[string]storeLimitConfig{},
		LowSpaceRatio:                   0.8,
		HighSpaceRatio:                  0.7,
		RegionScoreFormulaVersion:       "v2",
		SchedulerMaxWaitingOperator:     5,
		EnableRemoveDownReplica:         true,
		EnableReplaceOfflineReplica:     true,
		EnableMakeUpReplica:             true,
		EnableRemoveExtraReplica:        true,
		EnableLocationReplacement:       true,
		EnableJointConsensus:            true,
		EnableTiKVSplitRegion:           true,
		EnableHeartbeatBreakdownMetrics: true,
		EnableHeartbeatConcurrentRunner: true,
		HotRegionsWriteInterval:         duration{10 * time.Minute},
		HotRegionsReservedDays:          7,
		MaxMovableHotPeerSize:           512,
		EnableDiagnostic:                true,
		SlowStoreEvictingAffectedRatio:  0.3,
		StoreLimitVersion:               "v1",
		PatrolRegionWorkerCount:         1,
		MaxAffinityMergeRegionSize:      256,
	}
}

// validate applies PD's semantic checks (answered as 500 bare strings).
func (c *scheduleConfig) validate() error {
	if c.LowSpaceRatio > 1 || c.LowSpaceRatio < 0 {
		return fmt.Errorf("low-space-ratio should between 0 and 1")
	}
	if c.HighSpaceRatio > 1 || c.HighSpaceRatio < 0 {
		return fmt.Errorf("high-space-ratio should between 0 and 1")
	}
	if c.LowSpaceRatio <= c.HighSpaceRatio {
		return fmt.Errorf("low-space-ratio should be larger than high-space-ratio")
	}
	switch c.LeaderSchedulePolicy {
	case "count", "size":
	default:
		return fmt.Errorf("leader-schedule-policy %s is invalid", c.LeaderSchedulePolicy)
	}
	if c.TolerantSizeRatio < 0 {
		return fmt.Errorf("tolerant-size-ratio should be non-negative")
	}
	return nil
}

// replicationConfig mirrors PD's ReplicationConfig. location-labels is one
// comma-separated string on the wire.
type replicationConfig struct {
	MaxReplicas               uint64      `json:"max-replicas"`
	LocationLabels            stringSlice `json:"location-labels"`
	StrictlyMatchLabel        bool        `json:"strictly-match-label,string"`
	EnablePlacementRules      bool        `json:"enable-placement-rules,string"`
	EnablePlacementRulesCache bool        `json:"enable-placement-rules-cache,string"`
	IsolationLevel            string      `json:"isolation-level"`
}

func defaultReplicationConfig() replicationConfig {
	return replicationConfig{MaxReplicas: 3, EnablePlacementRules: true}
}

// stringSlice is PD's typeutil.StringSlice: a JSON string of comma-separated items.
type stringSlice []string

func (s stringSlice) MarshalJSON() ([]byte, error) {
	return []byte(strconv.Quote(strings.Join(s, ","))), nil
}

func (s *stringSlice) UnmarshalJSON(data []byte) error {
	v, err := strconv.Unquote(string(data))
	if err != nil {
		return err
	}
	if v == "" {
		*s = nil
		return nil
	}
	*s = strings.Split(v, ",")
	return nil
}

// decodeInto decodes a partial JSON update onto dst, the way PD's config
// handlers do (unknown keys ignored). Type errors name PD's struct.
func decodeInto(data []byte, dst any, pdName string) error {
	err := json.Unmarshal(data, dst)
	if te, ok := err.(*json.UnmarshalTypeError); ok {
		te.Struct = pdName
		return te
	}
	return err
}
