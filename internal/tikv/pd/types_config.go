package pd

import "encoding/json"

// StoreLimitConfig is a per-store snapshot rate limit (operations per minute).
type StoreLimitConfig struct {
	AddPeer    float64 `json:"add-peer"`
	RemovePeer float64 `json:"remove-peer"`
}

// SchedulerConfig is one entry of the schedule config's "schedulers-v2".
type SchedulerConfig struct {
	Type        string   `json:"type"`
	Args        []string `json:"args"`
	Disable     bool     `json:"disable"`
	ArgsPayload string   `json:"args-payload"`
}

// ScheduleConfig is GET /config/schedule. Booleans are string-encoded
// (StringBool) and durations are Go duration strings (Duration), exactly as
// PD writes them. Limits are counts of concurrent operators.
//
// PD adds keys from release to release; every key of the answer, known or
// not, is also kept verbatim in Raw so nothing is lost.
type ScheduleConfig struct {
	MaxSnapshotCount                             uint64                       `json:"max-snapshot-count"`
	MaxPendingPeerCount                          uint64                       `json:"max-pending-peer-count"`
	MaxMergeRegionSize                           uint64                       `json:"max-merge-region-size"`
	MaxMergeRegionKeys                           uint64                       `json:"max-merge-region-keys"`
	SplitMergeInterval                           Duration                     `json:"split-merge-interval"`
	SwitchWitnessInterval                        Duration                     `json:"switch-witness-interval"`
	EnableOneWayMerge                            StringBool                   `json:"enable-one-way-merge"`
	EnableCrossTableMerge                        StringBool                   `json:"enable-cross-table-merge"`
	PatrolRegionInterval                         Duration                     `json:"patrol-region-interval"`
	MaxStoreDownTime                             Duration                     `json:"max-store-down-time"`
	MaxStorePreparingTime                        Duration                     `json:"max-store-preparing-time"`
	LeaderScheduleLimit                          uint64                       `json:"leader-schedule-limit"`
	LeaderSchedulePolicy                         string                       `json:"leader-schedule-policy"`
	RegionScheduleLimit                          uint64                       `json:"region-schedule-limit"`
	WitnessScheduleLimit                         uint64                       `json:"witness-schedule-limit"`
	ReplicaScheduleLimit                         uint64                       `json:"replica-schedule-limit"`
	MergeScheduleLimit                           uint64                       `json:"merge-schedule-limit"`
	HotRegionScheduleLimit                       uint64                       `json:"hot-region-schedule-limit"`
	AffinityScheduleLimit                        uint64                       `json:"affinity-schedule-limit"`
	SplitScatterScheduleLimit                    uint64                       `json:"split-scatter-schedule-limit"`
	HotRegionCacheHitsThreshold                  uint64                       `json:"hot-region-cache-hits-threshold"`
	DefaultStoreLimit                            StoreLimitConfig             `json:"default-store-limit"`
	StoreLimit                                   map[StoreID]StoreLimitConfig `json:"store-limit"`
	TolerantSizeRatio                            float64                      `json:"tolerant-size-ratio"`
	LowSpaceRatio                                float64                      `json:"low-space-ratio"`
	HighSpaceRatio                               float64                      `json:"high-space-ratio"`
	RegionScoreFormulaVersion                    string                       `json:"region-score-formula-version"`
	SchedulerMaxWaitingOperator                  uint64                       `json:"scheduler-max-waiting-operator"`
	EnableRemoveDownReplica                      StringBool                   `json:"enable-remove-down-replica"`
	EnableReplaceOfflineReplica                  StringBool                   `json:"enable-replace-offline-replica"`
	EnableMakeUpReplica                          StringBool                   `json:"enable-make-up-replica"`
	EnableRemoveExtraReplica                     StringBool                   `json:"enable-remove-extra-replica"`
	EnableLocationReplacement                    StringBool                   `json:"enable-location-replacement"`
	EnableDebugMetrics                           StringBool                   `json:"enable-debug-metrics"`
	EnableJointConsensus                         StringBool                   `json:"enable-joint-consensus"`
	EnableTiKVSplitRegion                        StringBool                   `json:"enable-tikv-split-region"`
	EnableHeartbeatBreakdownMetrics              StringBool                   `json:"enable-heartbeat-breakdown-metrics"`
	EnableHeartbeatConcurrentRunner              StringBool                   `json:"enable-heartbeat-concurrent-runner"`
	SchedulersV2                                 []SchedulerConfig            `json:"schedulers-v2"`
	HotRegionsWriteInterval                      Duration                     `json:"hot-regions-write-interval"`
	HotRegionsReservedDays                       uint64                       `json:"hot-regions-reserved-days"`
	MaxMovableHotPeerSize                        int64                        `json:"max-movable-hot-peer-size"`
	EnableDiagnostic                             StringBool                   `json:"enable-diagnostic"`
	EnableWitness                                StringBool                   `json:"enable-witness"`
	SlowStoreEvictingAffectedStoreRatioThreshold float64                      `json:"slow-store-evicting-affected-store-ratio-threshold"`
	StoreLimitVersion                            string                       `json:"store-limit-version"`
	PatrolRegionWorkerCount                      int                          `json:"patrol-region-worker-count"`
	MaxAffinityMergeRegionSize                   uint64                       `json:"max-affinity-merge-region-size"`
	// HaltScheduling stops all schedulers and checkers (admin operators
	// still run). PD omits the key while it is false.
	HaltScheduling StringBool `json:"halt-scheduling,omitempty"`

	// Raw holds every key of the answer verbatim, including ones this
	// struct does not know.
	Raw map[string]json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes the known keys and keeps all keys in Raw.
func (c *ScheduleConfig) UnmarshalJSON(data []byte) error {
	type plain ScheduleConfig // drops this method, avoiding recursion
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	*c = ScheduleConfig(p)
	c.Raw = raw
	return nil
}

// ReplicationConfig is GET /config/replicate.
type ReplicationConfig struct {
	MaxReplicas               uint64     `json:"max-replicas"`
	LocationLabels            CommaList  `json:"location-labels"`
	StrictlyMatchLabel        StringBool `json:"strictly-match-label"`
	EnablePlacementRules      StringBool `json:"enable-placement-rules"`
	EnablePlacementRulesCache StringBool `json:"enable-placement-rules-cache"`
	IsolationLevel            string     `json:"isolation-level"`
}
