package rules

import (
	"fmt"
	"strings"

	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/tikv/actions"
	"github.com/operator-dev/operator/internal/tikv/observe"
)

// Store rules: store-down, store-offline-stuck, store-low-space.

// pdDefaultLimits are PD's defaults for the schedule limits
// the set_*_schedule_limit actions may restore (shared/pd/README.md §7).
var pdDefaultLimits = map[string]int{
	"leader-schedule-limit": 4, "region-schedule-limit": 2048, "replica-schedule-limit": 64,
	"merge-schedule-limit": 8, "hot-region-schedule-limit": 4,
}

// limitValue is PD's default for a schedule limit, within what
// the set_*_schedule_limit actions allows, and how to say it. The registry caps the
// value at 1024, below PD's 2048 for region-schedule-limit; 1024
// concurrent region operators is far more than a cluster runs at once, so
// the cap costs nothing.
func limitValue(name string) (int, string) {
	def, most := pdDefaultLimits[name], pdDefaultLimits[name]
	if spec, ok := subject.Action(actions.Registry(), actions.ScheduleLimitAction(name)); ok {
		for _, p := range spec.Params {
			if p.Name == "value" && p.Max > 0 && float64(def) > p.Max {
				most = int(p.Max)
			}
		}
	}
	if most < def {
		return most, fmt.Sprintf("%d (PD's default is %d; %d, the most this action sets, is ample)", most, def, most)
	}
	return def, fmt.Sprintf("PD's default of %d", def)
}

// restoreLimit proposes setting a zero schedule limit back.
func (r *result) restoreLimit(name, urgency, why, outcome string) {
	value, text := limitValue(name)
	r.propose(actions.ScheduleLimitAction(name), map[string]any{"value": value}, urgency,
		fmt.Sprintf("Set %s back to %s%s.", name, text, why), outcome)
}

func storeParams(id uint64) map[string]any { return map[string]any{"store_id": id} }

// majority of n voters.
func majority(n uint64) uint64 { return n/2 + 1 }

// storeDownRule: a silent store. While PD only calls it Disconnected it is
// too early to act: PD itself waits max-store-down-time, and a restart or
// a short partition ends it. Once PD calls it Down, draining it is the
// clean end (PD moves what is left, then retires it as Tombstone), but
// only when the rest of the cluster can take its replicas and no region
// has lost its majority: a region without a majority cannot be repaired
// by moving replicas, it needs TiKV's unsafe recovery, a human's call.
func storeDownRule(v *view) *result {
	r := &result{}
	id := v.labelID("store")
	if id == 0 {
		return unknownRule(v)
	}
	r.cite(v.stores.ID(), v.config.ID())
	st, listed := v.store(id)
	phase := v.str("phase")
	if phase == "" {
		phase = "disconnected"
		if listed && st.StateName == "Down" {
			phase = "down"
		}
	}
	age, ok := v.num("heartbeat_age_seconds")
	if !ok && listed {
		age = st.HeartbeatAge
	}
	downAfter, ok := v.num("max_store_down_time_seconds")
	if !ok && v.config != nil {
		downAfter = v.config.v.MaxStoreDownTimeSeconds
	}
	never, _ := v.flag("never_heartbeated")
	silentFor := "has not heartbeated for " + secondsText(age)
	if never || (listed && st.NeverHeartbeat) {
		silentFor = "registered but never heartbeated"
	}

	if listed && st.StateName == "Offline" || v.str("state_name") == "Offline" {
		r.summary = fmt.Sprintf("Store %d is being drained (Offline) and %s.", id, silentFor)
		r.cause = fmt.Sprintf("Store %d stopped talking to PD while its drain was under way: PD keeps calling it Offline and goes on re-creating its replicas from their other copies, so the drain does not need the store itself.", id)
		r.confidence = confLikely
		r.risk("Regions with a replica on the store run one replica short until the drain re-creates it; a second failure in that window can cost a region its majority.")
		r.alt("none", nil, "Doing nothing is the recommendation: the drain continues without the store; store-offline-stuck reports it if it stops.")
		return r
	}

	if phase != "down" {
		r.summary = fmt.Sprintf("Store %d %s; PD has not declared it Down yet.", id, silentFor)
		r.cause = fmt.Sprintf("The TiKV process of store %d stopped, its host went down, or the network between it and PD is cut. "+
			"PD waits max-store-down-time (%s) before it calls the store Down and starts re-creating its replicas elsewhere; a restart or a short partition ends before that.",
			id, secondsText(downAfter))
		if never || (listed && st.NeverHeartbeat) {
			r.cause = fmt.Sprintf("Store %d registered with PD but never heartbeated: a TiKV that failed right after starting (configuration, disk or port), or that cannot reach PD.", id)
		}
		r.confidence = confLikely
		r.risk("Regions with a replica on the store run one replica short until it returns or PD replaces the replica; one more failure in that window can cost a region its majority.")
		if sr := v.storeRegions; sr != nil && len(sr.v.OtherSilentStoreIDs) > 0 {
			r.cite(sr.id)
			r.risk(fmt.Sprintf("Stores %s are silent too: regions with replicas on several silent stores may already lack a majority.", idList(sr.v.OtherSilentStoreIDs)))
		}
		regions := "its replicas"
		if listed {
			regions = fmt.Sprintf("its %s", plural(st.RegionCount, "replica"))
		}
		r.alt(actions.DrainStore, storeParams(id), fmt.Sprintf(
			"Too early: the store has been silent for %s of the %s PD waits; if it is a restart or a short partition, a drain would move %s for nothing. Check the TiKV process, its host and its network first.",
			secondsText(age), secondsText(downAfter), regions))
		return r
	}

	// Down.
	r.summary = fmt.Sprintf("Store %d is Down: it %s, past max-store-down-time (%s).", id, silentFor, secondsText(downAfter))
	intro := fmt.Sprintf("Store %d %s, longer than PD's max-store-down-time of %s: its TiKV or host is gone, not restarting.", id, silentFor, secondsText(downAfter))
	replacing := false
	if v.config != nil {
		replacing = v.config.v.EnableRemoveDownReplica
	} else if b, ok := v.flag("enable_remove_down_replica"); ok {
		replacing = b
	}
	if replacing {
		intro += " PD is already re-creating its replicas on other stores (enable-remove-down-replica)."
	}
	sr := v.storeRegions
	if sr == nil {
		r.cite(v.missing(observe.EvidenceStoreRegions)...)
		r.cause = intro + " Whether the other stores can take its replicas, and whether any region lost its majority, could not be read, so no drain is proposed."
		r.confidence = confGuess
		r.alt(actions.DrainStore, storeParams(id), "The capacity and quorum analysis is unavailable: a drain is safe only when both are known.")
		return r
	}
	r.cite(sr.id)
	s := sr.v
	var maxReplicas uint64 = s.MaxReplicas
	if maxReplicas == 0 && v.config != nil {
		maxReplicas = v.config.v.MaxReplicas
	}
	var blockers []string
	if n := uint64(len(s.OtherSilentStoreIDs)) + 1; maxReplicas > 0 && n >= majority(maxReplicas) {
		blockers = append(blockers, fmt.Sprintf(
			"stores %s are silent too: with max-replicas %d, a region with replicas on %d silent stores has lost its majority, and such a region has no leader to report it, so it is in none of PD's lists; this needs a human (TiKV unsafe recovery), not an automated drain",
			idList(s.OtherSilentStoreIDs), maxReplicas, majority(maxReplicas)))
	}
	if s.AtRiskTotal > 0 {
		blockers = append(blockers, fmt.Sprintf(
			"%s would have no majority of healthy voters without it (e.g. region %s): they have lost their majority and need human recovery (TiKV unsafe recovery), not an automated action",
			plural(s.AtRiskTotal, "region"), idList(s.AtRiskSampleRegionIDs[:min(len(s.AtRiskSampleRegionIDs), 5)])))
	}
	switch {
	case maxReplicas == 0:
		blockers = append(blockers, "max-replicas is unknown (PD's replication config could not be read), so whether the other stores are enough cannot be judged")
	case uint64(s.OtherUpStores) < maxReplicas:
		blockers = append(blockers, fmt.Sprintf(
			"only %d other Up stores remain for max-replicas %d: PD has nowhere to put the replicas (and refuses the drain, ErrStoresNotEnough); add a TiKV node",
			s.OtherUpStores, maxReplicas))
	}
	if !s.OthersCanHold {
		blockers = append(blockers, fmt.Sprintf(
			"the other Up stores lack %s: they have %s of room above their low-space line for the store's %s; add capacity first",
			bytesText(float64(s.ShortBytes)), bytesText(float64(s.OthersRoomBytes)), bytesText(float64(s.NeedBytes))))
	}
	if iso := isolationBlocker(v, s, maxReplicas); iso != "" {
		blockers = append(blockers, iso)
	}
	if len(blockers) > 0 {
		r.cause = intro + " It should not be drained now: " + strings.Join(blockers, "; ") + "."
		r.confidence = confClear
		r.alt(actions.DrainStore, storeParams(id), "Not now: "+blockers[0]+".")
		r.risk("Regions with a replica on the store stay one replica short until the blocker is resolved.")
		return r
	}
	checked := fmt.Sprintf("none of the %s with a replica there and another replica down or pending would lose its majority", plural(s.RegionsChecked, "region"))
	if s.RegionsChecked == 0 {
		checked = "PD lists no region with a replica there and another replica down or pending, so none would lose its majority"
	}
	r.confidence = confClear
	if !s.CheckComplete {
		checked = fmt.Sprintf("none of the %s checked would lose its majority, though PD's lists held more than were read", plural(s.RegionsChecked, "region"))
		r.confidence = confGuess
		r.risk(fmt.Sprintf("PD lists %d regions with a down and %d with a pending replica, more than were checked: a region past the checked page could lack a majority (a drain does not make that worse, but will not finish for it).",
			s.DownPeerRegionsTotal, s.PendingPeerRegionsTotal))
	}
	r.cause = intro + fmt.Sprintf(" The other %d Up stores (max-replicas %d) have %s of room above their low-space line for its %s, and %s.",
		s.OtherUpStores, maxReplicas, bytesText(float64(s.OthersRoomBytes)), bytesText(float64(s.NeedBytes)), checked)
	rationale := fmt.Sprintf("Store %d has been down past max-store-down-time and the cluster can absorb it: a drain marks it Offline, PD moves every remaining replica to the other stores and then retires it as Tombstone.", id)
	if replacing {
		rationale += " PD is re-creating its replicas already; the drain makes the removal explicit, so the store stops counting as a member that might return."
	} else {
		rationale += " enable-remove-down-replica is off, so without a drain PD leaves its regions one replica short."
	}
	r.propose(actions.DrainStore, storeParams(id), "soon", rationale,
		fmt.Sprintf("Store %d turns Offline, its region count falls to 0 and PD marks it Tombstone; PD's down-peer count returns to 0.", id))
	r.risk(
		"If the host is only slow to come back (a long reboot or repair), the drain moves its data for nothing; cancel_drain stops it while the store is Offline.",
		"Until every replica is re-created, its regions run one replica short: a second failure in that window can cost a region its majority.",
		"The receiving stores take the snapshot I/O of re-creating its replicas.",
	)
	if replacing {
		r.alt("none", nil, "PD re-creates the replicas either way, but the store stays a Down member of the cluster, counted and alerted on, until someone removes it.")
	} else {
		r.alt("none", nil, "With enable-remove-down-replica off, PD does not replace the replicas by itself: its regions stay one replica short.")
	}
	return r
}

// isolationBlocker: with isolation-level set, PD will not put two replicas
// of a region in one domain of that label, so the remaining stores must
// span at least max-replicas domains.
func isolationBlocker(v *view, s *observe.StoreRegionsEvidence, maxReplicas uint64) string {
	if v.config == nil || v.config.v.IsolationLevel == "" || s.IsolationLabel == "" || maxReplicas == 0 {
		return ""
	}
	if uint64(s.IsolationDomains) >= maxReplicas {
		return ""
	}
	return fmt.Sprintf("the other Up stores span only %d values of the isolation label for max-replicas %d with isolation-level set: PD cannot place the replicas",
		s.IsolationDomains, maxReplicas)
}

// offlineStuckRule: a drain that stopped. The usual reasons, in the order
// an SRE checks them: scheduling halted, too few stores or too little room
// to move to, the replica-schedule-limit (the drain's operators are
// replica-checker operators and count against it, not against
// region-schedule-limit), the checkers paused or told not to replace
// offline replicas, placement the remaining stores cannot satisfy. Only
// when none of those shows is the store's own remove-peer limit the
// suspect, and raising it is a guess.
func offlineStuckRule(v *view) *result {
	r := &result{}
	id := v.labelID("store")
	if id == 0 {
		return unknownRule(v)
	}
	r.cite(v.stores.ID(), v.config.ID(), v.operators.ID())
	minCount, _ := v.num("min_region_count")
	stalled, ok := v.num("no_progress_seconds")
	if !ok || stalled <= 0 {
		stalled = observe.DefaultOfflineStuckAfter.Seconds() // the least a stuck verdict means
	}
	r.summary = fmt.Sprintf("The drain of store %d has made no progress for %s: %d regions still on it.", id, secondsText(stalled), int(minCount))
	intro := fmt.Sprintf("Store %d is Offline, but its region count has not gone below %d for %s.", id, int(minCount), secondsText(stalled))
	cfg := v.config
	sr := v.storeRegions
	if cfg == nil || sr == nil {
		r.cite(v.missing(observe.EvidenceConfig)...)
		r.cite(v.missing(observe.EvidenceStoreRegions)...)
		r.cause = intro + " PD's config or the capacity analysis could not be read, so the cause cannot be told."
		r.confidence = confGuess
		return r
	}
	r.cite(sr.id)
	c, s := cfg.v, sr.v
	maxReplicas := c.MaxReplicas
	noAction := func(cause string, conf float64) *result {
		r.cause = intro + " " + cause
		r.confidence = conf
		return r
	}
	switch {
	case c.HaltScheduling:
		return noAction("PD's scheduling is halted (halt-scheduling): no checker moves a replica. Someone halted it on purpose; resuming is a human decision (pd-ctl config set halt-scheduling false), not a registry action.", confClear)
	case maxReplicas > 0 && uint64(s.OtherUpStores) < maxReplicas:
		return noAction(fmt.Sprintf("Only %d Up stores remain besides it for max-replicas %d: PD has nowhere to move its replicas. Add a TiKV node.", s.OtherUpStores, maxReplicas), confClear)
	case !s.OthersCanHold:
		return noAction(fmt.Sprintf("The other Up stores have only %s of room above their low-space line for the %s still on it (short by %s): PD moves no region onto a store past low-space-ratio. Add capacity.",
			bytesText(float64(s.OthersRoomBytes)), bytesText(float64(s.NeedBytes)), bytesText(float64(s.ShortBytes))), confClear)
	case c.ReplicaScheduleLimit == 0:
		r.cause = intro + " replica-schedule-limit is 0: PD's checkers create no replica operators, and the drain's moves are replica operators."
		r.confidence = confClear
		r.restoreLimit("replica-schedule-limit", "soon", " so the checkers can move the Offline store's replicas again",
			fmt.Sprintf("Replica operators start on regions of store %d and its region count falls again.", id))
		r.risk("64 concurrent replica operators is PD's default; if 0 was set to protect a busy cluster, the moves add snapshot I/O.")
		return r
	case !c.EnableReplaceOffline:
		return noAction("enable-replace-offline-replica is off: PD does not move replicas off Offline stores. Turning it back on is a config change outside the registry (pd-ctl config set enable-replace-offline-replica true).", confClear)
	}
	if paused := pausedCheckers(c); paused != "" {
		return noAction(paused+" moves the replicas of an Offline store; resuming a checker is not a registry action (pd-ctl or POST /checker/{name} with delay 0).", confClear)
	}
	if iso := isolationBlocker(v, s, maxReplicas); iso != "" {
		return noAction(strings.ToUpper(iso[:1])+iso[1:]+".", confLikely)
	}
	// Nothing in the config stops it. A store limit (a token bucket of
	// operations per minute) explains no progress at all only if, at that
	// rate, the regions left could not have moved in the time it stood
	// still; otherwise something region-specific holds the drain, which no
	// registry action reaches.
	st, _ := v.store(id)
	rate := c.DefaultStoreLimit.RemovePeer
	if st.Limit != nil {
		rate = st.Limit.RemovePeer
	}
	blocked := " Look at PD's offline-peer regions and their operators: a region whose operator keeps failing, placement rules the remaining stores cannot meet, or receiving stores with too many pending replicas or snapshots hold a drain."
	note := ""
	if c.RegionScheduleLimit == 0 {
		note = " (region-schedule-limit is 0, which stops balance-region but not a drain)"
	}
	if rate*stalled/60 >= minCount || rate >= 200 {
		r.cause = intro + fmt.Sprintf(" Nothing in PD's config stops the drain%s, and at its remove-peer limit of %g/min the %d regions left would have moved in %s: the limit is not what holds it.",
			note, rate, int(minCount), secondsText(60*minCount/max(rate, 1e-9))) + blocked
		r.confidence = confGuess
		r.alt(actions.SetStoreLimit, map[string]any{"store_id": id, "type": "remove-peer", "rate": min(max(rate*2, 30), 200)},
			"The store's remove-peer limit is not binding: in the time the drain stood still it allowed more removals than there are regions left.")
		r.alt(actions.CancelDrain, storeParams(id), "Bringing the store back Up abandons the removal someone asked for; only if the drain was a mistake.")
		return r
	}
	next := min(max(rate*2, 30), 200)
	r.cause = intro + fmt.Sprintf(" Nothing in PD's config stops the drain%s and %d other Up stores have room, but the store's remove-peer limit is only %g/min: at that rate the %d regions left take %s, so PD is throttling the drain.",
		note, s.OtherUpStores, rate, int(minCount), secondsText(60*minCount/max(rate, 1e-9)))
	r.confidence = confGuess
	r.propose(actions.SetStoreLimit, map[string]any{"store_id": id, "type": "remove-peer", "rate": next}, "when-convenient",
		fmt.Sprintf("Raise store %d's remove-peer limit from %g to %g per minute so PD may schedule its removals faster.", id, rate, next),
		fmt.Sprintf("Store %d's region count starts falling again within a few minutes.", id))
	r.risk(
		"If something region-specific also blocks the drain, a higher limit changes nothing:"+blocked,
		"More concurrent removals mean more snapshots for the receiving stores.",
	)
	r.alt(actions.CancelDrain, storeParams(id), "Bringing the store back Up abandons the removal someone asked for; only if the drain was a mistake.")
	return r
}

// pausedCheckers names the paused checker that re-creates replicas: the
// rule checker with placement rules on (PD's default), else the replica
// checker. "" when it is running or unknown.
func pausedCheckers(c *observe.ConfigEvidence) string {
	name := "replica"
	if c.EnablePlacementRules {
		name = "rule"
	}
	if c.CheckersPaused[name] {
		return fmt.Sprintf("PD's %s checker is paused, and it is the checker that", name)
	}
	return ""
}

// lowSpaceRule: a store short of disk. If the other stores have room, PD's
// balance-region scheduler is what moves data off it: halving the store's
// region weight makes it look twice as full to PD, which then moves
// regions away until the weighted sizes even out (leader weight is kept,
// so its share of leader traffic does not change). If the cluster as a
// whole is short, no setting helps: it needs capacity.
func lowSpaceRule(v *view) *result {
	r := &result{}
	id := v.labelID("store")
	if id == 0 {
		return unknownRule(v)
	}
	r.cite(v.stores.ID(), v.config.ID())
	used, _ := v.num("used_ratio")
	low, _ := v.num("low_space_ratio")
	st, listed := v.store(id)
	if used == 0 && listed {
		used = st.UsedRatio
	}
	if low == 0 && v.config != nil {
		low = v.config.v.LowSpaceRatio
	}
	r.summary = fmt.Sprintf("Store %d's disk is %.1f%% used (PD's low-space-ratio is %.0f%%).", id, used*100, low*100)
	intro := fmt.Sprintf("Store %d holds more data than its disk comfortably takes (%.1f%% used).", id, used*100)
	urgency := "when-convenient"
	if v.t.Severity.String() == "critical" {
		urgency = "soon"
		intro += " Past low-space-ratio PD moves no more regions onto it, and a full disk stops TiKV's writes."
	}
	for _, s := range v.series {
		if s.v.StoreID != id || s.v.FillBytesPerSec == nil {
			continue
		}
		r.cite(s.id)
		if fill := *s.v.FillBytesPerSec; fill > 0 && s.v.SecondsToFull != nil {
			intro += fmt.Sprintf(" It is filling at %s, full in about %s.", rateText(fill), secondsText(*s.v.SecondsToFull))
			if *s.v.SecondsToFull < 6*3600 {
				urgency = "immediate"
			}
		} else {
			intro += " It is not filling over the last 30 minutes."
		}
	}
	sr := v.storeRegions
	if sr == nil || v.config == nil || !listed || v.stores == nil {
		r.cite(v.missing(observe.EvidenceStoreRegions)...)
		r.cause = intro + " The room on the other stores could not be read, so whether moving data off it would help cannot be told."
		r.confidence = confGuess
		return r
	}
	r.cite(sr.id)
	s, c := sr.v, v.config.v
	if c.HaltScheduling {
		r.cause = intro + " PD's scheduling is halted (halt-scheduling), so nothing moves data off it; resuming is a human decision outside the registry."
		r.confidence = confClear
		return r
	}
	// Moving regions frees at most what the regions hold. When that is less
	// than what must go, the disk is filled by something else, and a
	// weight change would be one more setting to undo for nothing.
	if regionBytes := uint64(max(s.RegionSizeMiB, 0)) << 20; s.NeedBytes > 0 && regionBytes < s.NeedBytes {
		r.cause = intro + fmt.Sprintf(" But its regions hold only %s of the %s used, less than the %s that would have to move to bring it under high-space-ratio (%.0f%%): the disk is filled by something other than TiKV's region data (logs, other files on the volume, RocksDB space not yet compacted). Find and clear that on the host; moving regions cannot fix it.",
			bytesText(float64(regionBytes)), bytesText(float64(s.UsedBytes)), bytesText(float64(s.NeedBytes)), s.HighSpaceRatio*100)
		r.confidence = confLikely
		r.alt(actions.SetStoreWeight, nil, fmt.Sprintf("Moving every region off store %d would free at most %s.", id, bytesText(float64(regionBytes))))
		r.alt(actions.DrainStore, storeParams(id), "Draining moves the regions, not what fills the disk.")
		r.risk("If nothing is cleared, the disk keeps filling and TiKV stops accepting writes when it is full.")
		return r
	}
	// Room above the low-space line on stores that are themselves nearly
	// full is no room: moving regions would only spread the shortage.
	if mean := v.stores.v.Totals.MeanUsedRatio; s.OthersCanHold && mean >= s.HighSpaceRatio {
		r.cause = intro + fmt.Sprintf(" The cluster as a whole is %.0f%% used, past high-space-ratio (%.0f%%): moving regions off store %d would only spread the shortage. Add capacity (TiKV nodes or larger disks) or delete data.",
			mean*100, s.HighSpaceRatio*100, id)
		r.confidence = confLikely
		r.alt(actions.SetStoreWeight, nil, "The other stores are nearly as full; they would cross the line next.")
		r.alt(actions.SetLowSpaceRatio, nil, "Raising low-space-ratio only moves the line PD acts on; the disks still fill.")
		r.risk("Without more capacity the stores keep filling; TiKV stops accepting writes on a full disk.")
		return r
	}
	if !s.OthersCanHold {
		r.cause = intro + fmt.Sprintf(" The cluster as a whole is short of space: the other Up stores have %s above their low-space line, less than the %s that would bring store %d under high-space-ratio (%.0f%%). Add capacity (TiKV nodes or larger disks) or delete data.",
			bytesText(float64(s.OthersRoomBytes)), bytesText(float64(s.NeedBytes)), id, s.HighSpaceRatio*100)
		r.confidence = confClear
		r.alt(actions.SetLowSpaceRatio, nil, "Raising low-space-ratio only moves the line PD acts on; the disks still fill, and a full disk stops TiKV's writes.")
		r.alt(actions.DrainStore, storeParams(id), "The other stores cannot hold its data.")
		r.alt(actions.SetStoreWeight, nil, "No other store has room to take its regions.")
		r.risk("Without more capacity the stores keep filling; TiKV stops accepting writes on a full disk.")
		return r
	}
	room := fmt.Sprintf(" The other %d Up stores have %s of room above their low-space line, enough for the %s that would bring it under high-space-ratio (%.0f%%).",
		s.OtherUpStores, bytesText(float64(s.OthersRoomBytes)), bytesText(float64(s.NeedBytes)), s.HighSpaceRatio*100)
	if sched, running, known := v.scheduler("balance-region-scheduler"); known && running && sched.Paused {
		r.cause = intro + room + " But balance-region-scheduler, which moves regions off a full store, is paused."
		r.confidence = confClear
		r.propose(actions.ResumeScheduler, map[string]any{"name": "balance-region-scheduler"}, urgency,
			"Resume balance-region-scheduler: PD already scores the full store high and will move regions off it once the scheduler runs.",
			fmt.Sprintf("Regions move off store %d and its used share falls.", id))
		r.risk("Someone may have paused it on purpose (a maintenance); ask before resuming.")
		return r
	}
	if c.RegionScheduleLimit == 0 {
		r.cause = intro + room + " But region-schedule-limit is 0, so balance-region moves nothing."
		r.confidence = confClear
		r.restoreLimit("region-schedule-limit", urgency, " so balance-region can move regions off the full store",
			fmt.Sprintf("Regions move off store %d and its used share falls.", id))
		return r
	}
	if st.RegionWeight <= 0.25 {
		r.cause = intro + room + fmt.Sprintf(" Its region weight is already %g: PD is moving regions off it as fast as its limits allow.", st.RegionWeight)
		r.confidence = confGuess
		r.alt(actions.SetStoreWeight, nil, "The region weight is already lowered; lowering it further mostly makes it harder to undo.")
		return r
	}
	weight := float64(int(st.RegionWeight*100)/2) / 100
	r.cause = intro + room
	r.confidence = confLikely
	r.propose(actions.SetStoreWeight, map[string]any{"store_id": id, "leader_weight": st.LeaderWeight, "region_weight": weight}, urgency,
		fmt.Sprintf("PD balances regions by size divided by region weight: halving store %d's region weight (%g to %g) makes it look twice as full, so balance-region moves regions off it to the other stores, which have the room. Its leader weight stays %g, so its share of leaders does not change.",
			id, st.RegionWeight, weight, st.LeaderWeight),
		fmt.Sprintf("Store %d's region count and used share fall over the next hours; the ticket resolves once it is back under the warning line.", id))
	r.risk(
		"Moving regions costs snapshot I/O on the stores involved.",
		"If the disk is filled by something other than TiKV's data (logs, another process), moving regions frees less than expected.",
		fmt.Sprintf("The weight stays until set back (set_store_weight store %d region_weight %g); note it for when the disk is replaced or grown.", id, st.RegionWeight),
	)
	r.alt(actions.SetLowSpaceRatio, nil, "Raising low-space-ratio only moves the line PD acts on; the disk still fills.")
	r.alt(actions.DrainStore, storeParams(id), "Removing the store takes a node's capacity out of the cluster; the problem is balance, not the store.")
	return r
}
