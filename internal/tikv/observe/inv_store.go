package observe

import (
	"fmt"
	"time"

	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/tikv/pd"
)

// Store invariants: one violation per store, labels {store}. Tombstone
// stores are ignored everywhere.

// storeEvidence is what every store violation shows.
func storeEvidence(s pd.StoreInfo, now time.Time) map[string]any {
	ev := map[string]any{
		"store_id":     uint64(s.Store.ID),
		"address":      s.Store.Address,
		"state_name":   string(s.Store.StateName),
		"region_count": s.Status.RegionCount,
		"leader_count": s.Status.LeaderCount,
	}
	if age, ok := heartbeatAge(s, now); ok {
		ev["last_heartbeat"] = timeString(lastHeartbeat(s))
		ev["heartbeat_age_seconds"] = round3(age.Seconds())
	} else {
		ev["never_heartbeated"] = true
	}
	return ev
}

// storeDisconnected: the store's last heartbeat is at least DisconnectAfter
// old, or PD already says Disconnected. A Down store is left to store-down
// (one problem, one ticket at a time). An Offline store is judged by its
// heartbeat too: PD keeps calling it Offline however long it is silent.
func (cfg Config) storeDisconnected(d *Data, now time.Time) []subject.Violation {
	var out []subject.Violation
	for _, s := range d.Stores {
		if tombstone(s) || s.Store.StateName == pd.StateNameDown {
			continue
		}
		age, ever := heartbeatAge(s, d.clock(now))
		pdSays := s.Store.StateName == pd.StateNameDisconnected
		if ever && age < cfg.DisconnectAfter && !pdSays {
			continue
		}
		ev := storeEvidence(s, d.clock(now))
		ev["disconnect_after_seconds"] = cfg.DisconnectAfter.Seconds()
		silence := "has not heartbeated for " + human(age)
		if !ever {
			silence = "has never heartbeated"
		}
		out = append(out, subject.Violation{
			Labels:   storeLabel(s.Store.ID),
			Severity: subject.Warning,
			Summary:  fmt.Sprintf("%s %s: PD reports it %s", storeRef(s), silence, stateWord(s, pdSays)),
			Evidence: ev,
		})
	}
	return out
}

func stateWord(s pd.StoreInfo, pdSays bool) string {
	switch {
	case pdSays:
		return "Disconnected"
	case s.Store.StateName == "":
		return "in no state"
	case s.Store.StateName == pd.StateNameUp:
		return "still Up"
	}
	return string(s.Store.StateName)
}

// storeDown: PD's state_name is Down (no heartbeat for
// max-store-down-time, or never one at all).
func (cfg Config) storeDown(d *Data, now time.Time) []subject.Violation {
	var out []subject.Violation
	for _, s := range d.Stores {
		if tombstone(s) || s.Store.StateName != pd.StateNameDown {
			continue
		}
		ev := storeEvidence(s, d.clock(now))
		var why string
		if age, ok := heartbeatAge(s, d.clock(now)); ok {
			why = "no heartbeat for " + human(age)
		} else {
			why = "it registered but never heartbeated"
		}
		if d.Schedule != nil {
			down := d.Schedule.MaxStoreDownTime.D()
			ev["max_store_down_time_seconds"] = down.Seconds()
			ev["enable_remove_down_replica"] = bool(d.Schedule.EnableRemoveDownReplica)
			if _, ok := heartbeatAge(s, d.clock(now)); ok {
				why += fmt.Sprintf(" (max-store-down-time %s)", down)
			}
			if d.Schedule.EnableRemoveDownReplica && s.Status.RegionCount > 0 {
				why += fmt.Sprintf("; PD is replacing its %d replicas", s.Status.RegionCount)
			}
		}
		out = append(out, subject.Violation{
			Labels:   storeLabel(s.Store.ID),
			Severity: subject.Critical,
			Summary:  fmt.Sprintf("%s is Down: %s", storeRef(s), why),
			Evidence: ev,
		})
	}
	return out
}

// storeOfflineStuck: an Offline store whose region count has not gone
// below its lowest value for OfflineStuckAfter (from the Subject's memory,
// Data.Offline).
func (cfg Config) storeOfflineStuck(d *Data, now time.Time) []subject.Violation {
	var out []subject.Violation
	for _, s := range d.Stores {
		if tombstone(s) || s.Store.State != pd.StoreOffline {
			continue
		}
		p, ok := d.Offline[s.Store.ID]
		if !ok {
			continue
		}
		stalled := max(now.Sub(p.Since), 0)
		if stalled < cfg.OfflineStuckAfter {
			continue
		}
		ev := storeEvidence(s, d.clock(now))
		ev["min_region_count"] = p.MinRegionCount
		ev["no_progress_since"] = timeString(p.Since)
		ev["no_progress_seconds"] = round3(stalled.Seconds())
		ev["offline_stuck_after_seconds"] = cfg.OfflineStuckAfter.Seconds()
		out = append(out, subject.Violation{
			Labels:   storeLabel(s.Store.ID),
			Severity: subject.Warning,
			Summary: fmt.Sprintf("%s is Offline but its region count has not gone below %d for %s: the drain is stuck",
				storeRef(s), p.MinRegionCount, human(stalled)),
			Evidence: ev,
		})
	}
	return out
}

// lowSpaceRatio is PD's low-space-ratio from this cycle's config, or PD's
// default when the answer carries none that makes sense.
func lowSpaceRatio(d *Data) float64 {
	if d.Schedule != nil && d.Schedule.LowSpaceRatio > 0 && d.Schedule.LowSpaceRatio < 1 {
		return d.Schedule.LowSpaceRatio
	}
	return defaultLowSpaceRatio
}

// storeLowSpace: used/capacity above PD's low-space-ratio is critical (PD
// stops moving regions onto the store); above the ratio minus
// LowSpaceMargin it is a warning. A store with zero capacity (never
// heartbeated) cannot be judged and is skipped.
func (cfg Config) storeLowSpace(d *Data, now time.Time) []subject.Violation {
	ratio := lowSpaceRatio(d)
	warnAt := ratio - cfg.LowSpaceMargin
	var out []subject.Violation
	for _, s := range d.Stores {
		capacity, avail := s.Status.Capacity, s.Status.Available
		if tombstone(s) || capacity == 0 {
			continue
		}
		avail = min(avail, capacity)
		used := float64(capacity-avail) / float64(capacity)
		if used <= warnAt {
			continue
		}
		ev := storeEvidence(s, d.clock(now))
		ev["capacity_bytes"] = uint64(capacity)
		ev["available_bytes"] = uint64(avail)
		ev["used_ratio"] = round3(used)
		ev["low_space_ratio"] = ratio
		ev["warn_ratio"] = round3(warnAt)
		sev := subject.Warning
		why := fmt.Sprintf("within %.1f points of PD's low-space-ratio of %s", cfg.LowSpaceMargin*100, pct(ratio))
		if used > ratio {
			sev = subject.Critical
			why = fmt.Sprintf("above PD's low-space-ratio of %s: PD stops moving regions onto it", pct(ratio))
		}
		out = append(out, subject.Violation{
			Labels:   storeLabel(s.Store.ID),
			Severity: sev,
			Summary:  fmt.Sprintf("%s disk is %s used (%s of %s free), %s", storeRef(s), pct(used), avail, capacity, why),
			Evidence: ev,
		})
	}
	return out
}
