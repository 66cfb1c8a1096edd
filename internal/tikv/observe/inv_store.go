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

// storeDown: a store that stopped talking to PD, as one problem with one
// ticket from its first missed heartbeats until it is back. It is a warning
// while the store is only late (heartbeat age >= DisconnectAfter, or PD says
// Disconnected) and critical once PD calls it Down (no heartbeat for
// max-store-down-time, or never one at all), when PD starts replacing its
// replicas. The ticket's severity follows, so the escalation is on its
// timeline instead of in a second ticket. An Offline store is judged by its
// heartbeat too: PD keeps calling it Offline however long it is silent.
//
// The regions whose down replicas this silence explains (see
// downPeersExplained) are evidence here, not a region-down-peer ticket.
func (cfg Config) storeDown(d *Data, now time.Time) []subject.Violation {
	var out []subject.Violation
	pdNow := d.clock(now)
	for _, s := range d.Stores {
		sil, ok := cfg.silent(s, pdNow)
		if !ok {
			continue
		}
		ev := storeEvidence(s, pdNow)
		ev["disconnect_after_seconds"] = cfg.DisconnectAfter.Seconds()
		var down time.Duration
		if d.Schedule != nil {
			down = d.Schedule.MaxStoreDownTime.D()
			ev["max_store_down_time_seconds"] = down.Seconds()
			ev["enable_remove_down_replica"] = bool(d.Schedule.EnableRemoveDownReplica)
		}
		v := subject.Violation{Labels: storeLabel(s.Store.ID)}
		if sil.pdDown {
			ev["phase"] = "down"
			v.Severity = subject.Critical
			v.Summary = storeDownSummary(s, sil, d.Schedule)
		} else {
			ev["phase"] = "disconnected"
			v.Severity = subject.Warning
			v.Summary = storeLateSummary(s, sil, down)
		}
		if n, ids := cfg.downPeersOf(d, now, s.Store.ID); n > 0 {
			ev["down_peer_regions_total"] = n
			ev["down_peer_sample_region_ids"] = ids
			v.Summary += fmt.Sprintf("; PD lists %s with a down replica", plural(n, "region"))
		}
		v.Evidence = ev
		out = append(out, v)
	}
	return out
}

// silence is how a store is silent.
type silence struct {
	age    time.Duration // since its last heartbeat (0 when never)
	ever   bool          // it heartbeated at least once
	pdSays bool          // PD's state_name is Disconnected
	pdDown bool          // PD's state_name is Down
}

// silent reports whether a store counts as not talking to PD at pdNow
// (PD's clock): Down or Disconnected by PD's word, or its last heartbeat
// at least DisconnectAfter old, or none ever. Tombstones never count.
func (cfg Config) silent(s pd.StoreInfo, pdNow time.Time) (silence, bool) {
	if tombstone(s) {
		return silence{}, false
	}
	age, ever := heartbeatAge(s, pdNow)
	sil := silence{
		age: age, ever: ever,
		pdSays: s.Store.StateName == pd.StateNameDisconnected,
		pdDown: s.Store.StateName == pd.StateNameDown,
	}
	if sil.pdDown || sil.pdSays || !ever || age >= cfg.DisconnectAfter {
		return sil, true
	}
	return sil, false
}

// storeLateSummary: "store 3 (tikv-3:20160) has not heartbeated for 23s:
// PD reports it Disconnected; Down after max-store-down-time 30m0s".
func storeLateSummary(s pd.StoreInfo, sil silence, maxDown time.Duration) string {
	silenceText := "has not heartbeated for " + human(sil.age)
	if !sil.ever {
		silenceText = "has never heartbeated"
	}
	out := fmt.Sprintf("%s %s: PD reports it %s", storeRef(s), silenceText, stateWord(s, sil.pdSays))
	if maxDown > 0 && sil.ever {
		out += fmt.Sprintf("; Down after max-store-down-time %s", maxDown)
	}
	return out
}

// storeDownSummary: "store 3 (tikv-3:20160) is Down: no heartbeat for 2m3s
// (max-store-down-time 2m0s); PD is replacing its 556 replicas".
func storeDownSummary(s pd.StoreInfo, sil silence, sched *pd.ScheduleConfig) string {
	why := "it registered but never heartbeated"
	if sil.ever {
		why = "no heartbeat for " + human(sil.age)
	}
	if sched != nil {
		if sil.ever {
			why += fmt.Sprintf(" (max-store-down-time %s)", sched.MaxStoreDownTime.D())
		}
		if sched.EnableRemoveDownReplica && s.Status.RegionCount > 0 {
			why += fmt.Sprintf("; PD is replacing its %s", plural(s.Status.RegionCount, "replica"))
		}
	}
	return fmt.Sprintf("%s is Down: %s", storeRef(s), why)
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
		if list := d.RegionChecks[pd.CheckOfflinePeer]; list != nil {
			// PD's offline-peer list: the regions still to move off
			// Offline stores (all of them, when several drain at once).
			ev["offline_peer_regions_total"] = list.Count
			var here []uint64
			for _, r := range list.Regions {
				for _, p := range r.Peers {
					if p.StoreID == s.Store.ID {
						here = append(here, uint64(r.ID))
						break
					}
				}
			}
			ev["offline_peer_sample_region_ids"] = here
		}
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

// plural: "1 region", "60 regions".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
