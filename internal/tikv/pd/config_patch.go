package pd

import (
	"fmt"
	"strings"
	"time"
)

// SchedulePatch is a partial update for POST /config/schedule: only the
// fields that are set (non-nil) are sent. It is typed because PD is
// unforgiving about the encoding: booleans must be the strings "true" and
// "false" (a native JSON bool is a 500), durations must be Go duration strings
// (a number is a 500), and unknown keys are accepted with 200 and silently
// ignored. A typed patch can make none of those mistakes.
type SchedulePatch struct {
	MaxStoreDownTime       *Duration `json:"max-store-down-time,omitempty"`
	LeaderScheduleLimit    *uint64   `json:"leader-schedule-limit,omitempty"`
	RegionScheduleLimit    *uint64   `json:"region-schedule-limit,omitempty"`
	ReplicaScheduleLimit   *uint64   `json:"replica-schedule-limit,omitempty"`
	MergeScheduleLimit     *uint64   `json:"merge-schedule-limit,omitempty"`
	HotRegionScheduleLimit *uint64   `json:"hot-region-schedule-limit,omitempty"`
	MaxSnapshotCount       *uint64   `json:"max-snapshot-count,omitempty"`
	MaxPendingPeerCount    *uint64   `json:"max-pending-peer-count,omitempty"`
	MaxMergeRegionSize     *uint64   `json:"max-merge-region-size,omitempty"`
	MaxMergeRegionKeys     *uint64   `json:"max-merge-region-keys,omitempty"`
	LowSpaceRatio          *float64  `json:"low-space-ratio,omitempty"`
	HighSpaceRatio         *float64  `json:"high-space-ratio,omitempty"`
	// LeaderSchedulePolicy is "count" or "size".
	LeaderSchedulePolicy *string `json:"leader-schedule-policy,omitempty"`

	HaltScheduling              *StringBool `json:"halt-scheduling,omitempty"`
	EnableRemoveDownReplica     *StringBool `json:"enable-remove-down-replica,omitempty"`
	EnableReplaceOfflineReplica *StringBool `json:"enable-replace-offline-replica,omitempty"`
	EnableMakeUpReplica         *StringBool `json:"enable-make-up-replica,omitempty"`
	EnableRemoveExtraReplica    *StringBool `json:"enable-remove-extra-replica,omitempty"`
	EnableLocationReplacement   *StringBool `json:"enable-location-replacement,omitempty"`
}

// MinMaxStoreDownTime is the smallest max-store-down-time the client sends.
// Stores heartbeat every 10 s and turn Disconnected after 20 s; a shorter
// down time would flap healthy stores to Down and start replacing their
// replicas.
const MinMaxStoreDownTime = time.Minute

// Validate checks the patch the way PD would, and a little more, so a bad
// value is refused locally with a clear message instead of PD's 500.
func (p SchedulePatch) Validate() error {
	var problems []string
	if p.MaxStoreDownTime != nil && p.MaxStoreDownTime.D() < MinMaxStoreDownTime {
		problems = append(problems, fmt.Sprintf("max-store-down-time %s is below the floor of %s", p.MaxStoreDownTime, MinMaxStoreDownTime))
	}
	ratio := func(name string, v *float64) {
		if v != nil && (*v <= 0 || *v >= 1) {
			problems = append(problems, fmt.Sprintf("%s %v must be between 0 and 1", name, *v))
		}
	}
	ratio("low-space-ratio", p.LowSpaceRatio)
	ratio("high-space-ratio", p.HighSpaceRatio)
	if p.LowSpaceRatio != nil && p.HighSpaceRatio != nil && *p.LowSpaceRatio <= *p.HighSpaceRatio {
		problems = append(problems, "low-space-ratio must be larger than high-space-ratio")
	}
	if p.LeaderSchedulePolicy != nil {
		switch *p.LeaderSchedulePolicy {
		case "count", "size":
		default:
			problems = append(problems, fmt.Sprintf("leader-schedule-policy %q is not \"count\" or \"size\"", *p.LeaderSchedulePolicy))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return nil
}
