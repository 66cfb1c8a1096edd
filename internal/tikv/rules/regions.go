package rules

import (
	"fmt"
	"sort"
	"strings"

	"github.com/operator-dev/operator/internal/tikv/actions"
	"github.com/operator-dev/operator/internal/tikv/observe"
)

// Region-list rules: miss-peer, down-peer, pending-peer, extra-peer,
// oversized. PD's checkers repair the first and the extra replicas by
// themselves; the rules look for what stops them.

func regionCount(v *view) int {
	n, _ := v.num("count")
	return int(n)
}

// checkerBlocked says what stops PD's rule (or replica) checker from
// repairing replicas, or "".
func checkerBlocked(c *observe.ConfigEvidence, enabled bool, switchName string) string {
	switch {
	case c.HaltScheduling:
		return "PD's scheduling is halted (halt-scheduling): no checker runs. Resuming is a human decision outside the registry."
	case !enabled:
		return fmt.Sprintf("%s is off: PD's checkers do not do this repair. Turning it on is a config change outside the registry.", switchName)
	}
	if p := pausedCheckers(c); p != "" {
		return p + " does this repair; resuming a checker is not a registry action (pd-ctl, or POST /checker/{name} with delay 0)."
	}
	return ""
}

// missPeerRule: regions short of a replica. PD's rule checker adds them
// back unless it has nowhere to put them, may create no operator, or is
// stopped.
func missPeerRule(v *view) *result {
	r := &result{}
	n := regionCount(v)
	r.summary = fmt.Sprintf("%d regions are missing a replica.", n)
	if n == 1 {
		r.summary = "1 region is missing a replica."
	}
	r.cite(v.stores.ID(), v.config.ID())
	if reg := v.region(0); reg != nil {
		r.cite(reg.id)
	}
	r.alt(actions.AddPeer, nil, "PD's rule checker adds missing replicas itself, on a store that meets the placement rules; a replica added by hand elsewhere may be removed again.")
	if v.config == nil {
		r.cite(v.missing(observe.EvidenceConfig)...)
		r.cause = "PD's config could not be read, so what keeps its checker from repairing them cannot be told."
		r.confidence = confGuess
		return r
	}
	c := v.config.v
	up, _ := v.upStores()
	switch {
	case c.MaxReplicas > 0 && v.stores != nil && uint64(up) < c.MaxReplicas:
		r.cause = fmt.Sprintf("Only %d stores are Up for max-replicas %d: PD has nowhere to add the missing replicas. Add a TiKV node (or bring the missing store back).", up, c.MaxReplicas)
		r.confidence = confClear
		return r
	case c.ReplicaScheduleLimit == 0:
		r.cause = "replica-schedule-limit is 0: PD's checkers may create no replica operator, so the missing replicas are never added."
		r.confidence = confClear
		r.restoreLimit("replica-schedule-limit", "soon", " so the rule checker can add the missing replicas",
			"The miss-peer count falls to 0 as PD adds replicas.")
		r.risk("Re-creating replicas adds snapshot I/O on the receiving stores.")
		return r
	}
	if why := checkerBlocked(c, c.EnableMakeUpReplica, "enable-make-up-replica"); why != "" {
		r.cause = why
		r.confidence = confClear
		return r
	}
	r.cause = fmt.Sprintf("Nothing stops PD's rule checker (replica-schedule-limit %d, %d Up stores for max-replicas %d): it adds the missing replicas as it patrols. Watch the count fall; if it does not, look at the placement rules and location labels.",
		c.ReplicaScheduleLimit, up, c.MaxReplicas)
	r.confidence = confLikely
	return r
}

// downPeerRule: down replicas on stores that are alive (dead stores'
// replicas are the store-down ticket's). PD replaces a down replica only
// when its store is Down for max-store-down-time (its rule checker looks
// at the store, not the replica), so a replica that is down on a live
// store stays so. Removing it lets the rule checker add a fresh one, but
// only where the region keeps a majority of healthy voters without it.
func downPeerRule(v *view) *result {
	r := &result{}
	n := regionCount(v)
	r.summary = fmt.Sprintf("%d regions have a down replica.", n)
	if n == 1 {
		r.summary = "1 region has a down replica."
	}
	r.cite(v.stores.ID())
	reg := v.region(0)
	if reg == nil {
		r.cite(v.missing(observe.EvidenceRegion)...)
		r.cause = "The sampled region could not be read, so which replica is down, and whether the region can spare it, cannot be told."
		r.confidence = confGuess
		return r
	}
	r.cite(reg.id)
	var down *observe.PeerView
	for i, p := range reg.v.Peers {
		if p.Down {
			down = &reg.v.Peers[i]
			break
		}
	}
	if down == nil {
		r.cause = fmt.Sprintf("Region %d, the first PD listed, has no down replica any more: it recovered or was replaced since.", reg.v.ID)
		r.confidence = confGuess
		return r
	}
	where := fmt.Sprintf("Region %d's replica on store %d has been down for %s", reg.v.ID, down.StoreID, secondsText(float64(down.DownSeconds)))
	sample := ""
	if tally := v.counts("sample_stores"); len(tally) > 0 {
		sample = " Down replicas in PD's sample, by store: " + tallyText(tally) + "."
	}
	if down.StoreState == "Offline" {
		r.cause = where + fmt.Sprintf(". Store %d is being drained (Offline): the drain re-creates the replica elsewhere and removes this one.", down.StoreID) + sample
		r.confidence = confLikely
		return r
	}
	if down.StoreState != "Up" {
		r.summary = strings.TrimSuffix(r.summary, ".") + fmt.Sprintf(", on store %d, which is not Up.", down.StoreID)
		r.cause = where + fmt.Sprintf(". Store %d is %s: the store, not the replica, is the problem, and its store-down ticket covers it.", down.StoreID, stateOr(down.StoreState, "not in PD's store list")) + sample
		r.confidence = confLikely
		return r
	}
	r.summary = strings.TrimSuffix(r.summary, ".") + fmt.Sprintf(", on store %d, which is Up.", down.StoreID)
	r.cause = where + fmt.Sprintf(" while store %d is Up and heartbeating: the replica itself is stuck (a failed apply, a corrupted or lost peer, a network problem between the two stores). PD replaces down replicas only when their store is Down, so it will not fix this by itself.", down.StoreID) + sample
	params := map[string]any{"region_id": reg.v.ID, "store_id": down.StoreID}
	if !keepsMajorityWithout(reg.v.Peers, down.StoreID) {
		r.cause += fmt.Sprintf(" Without it region %d would not keep a majority of healthy voters, so it must not be removed: this needs a human.", reg.v.ID)
		r.confidence = confClear
		r.alt(actions.RemovePeer, params, "The region would lose its majority of healthy voters.")
		return r
	}
	r.confidence = confLikely
	r.propose(actions.RemovePeer, params, "soon",
		fmt.Sprintf("Remove the down replica of region %d from store %d: the region keeps a majority of healthy voters without it, and PD's rule checker then adds a fresh replica.", reg.v.ID, down.StoreID),
		fmt.Sprintf("Region %d leaves PD's down-peer list once the rule checker has added a replacement.", reg.v.ID))
	r.risk(
		"Until the replacement is added, the region runs one replica short.",
		fmt.Sprintf("If store %d is failing as a whole, more regions will follow: watch the down-peer count and store %d's TiKV log.", down.StoreID, down.StoreID),
	)
	if n > 1 {
		r.risk(fmt.Sprintf("PD lists %d regions with a down replica; this handles the first. Repeat per region only after finding why the replicas went down.", n))
	}
	return r
}

// keepsMajorityWithout, on a region's peer list: healthy voters (not down,
// not pending, on an alive store) must remain a majority of the voters in
// both the outgoing and the incoming configuration (the same outside a
// joint-consensus move).
func keepsMajorityWithout(peers []observe.PeerView, gone uint64) bool {
	ok := func(in func(role string) bool) bool {
		voters, healthy := 0, 0
		for _, p := range peers {
			if !in(p.Role) {
				continue
			}
			voters++
			alive := p.StoreState == "Up" || p.StoreState == "Offline"
			if p.StoreID != gone && !p.Down && !p.Pending && alive {
				healthy++
			}
		}
		return voters == 0 || healthy >= voters/2+1
	}
	return ok(func(r string) bool { return r == "Voter" || r == "DemotingVoter" }) &&
		ok(func(r string) bool { return r == "Voter" || r == "IncomingVoter" })
}

func stateOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// tallyText: "store 2 (10), store 3 (1)", most first.
func tallyText(t map[uint64]float64) string {
	ids := make([]uint64, 0, len(t))
	for id := range t {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		if t[ids[i]] != t[ids[j]] {
			return t[ids[i]] > t[ids[j]]
		}
		return ids[i] < ids[j]
	})
	parts := make([]string, 0, len(ids))
	for _, id := range ids[:min(len(ids), 5)] {
		parts = append(parts, fmt.Sprintf("store %d (%d)", id, int(t[id])))
	}
	return strings.Join(parts, ", ")
}

// pendingPeerRule: replicas lagging their leaders. Every move passes
// through a pending replica, and the invariant leaves those out; what is
// left is a store slow to receive or apply (disk, a busy raftstore,
// snapshot throttling). Nothing in the registry makes a store faster.
func pendingPeerRule(v *view) *result {
	r := &result{}
	n := regionCount(v)
	r.summary = fmt.Sprintf("%d regions have a replica that is behind its leader.", n)
	r.cite(v.stores.ID())
	tally := v.counts("sample_stores")
	var slow uint64
	best := 0.0
	for id, c := range tally {
		if c > best || c == best && id < slow {
			slow, best = id, c
		}
	}
	if reg := v.region(0); reg != nil {
		r.cite(reg.id)
		if slow == 0 && len(reg.v.PendingStoreIDs) > 0 {
			slow = reg.v.PendingStoreIDs[0]
		}
	}
	r.confidence = confGuess
	r.alt(actions.RemovePeer, nil, "A pending replica is catching up; removing it throws away a copy in the making.")
	r.alt(actions.EvictLeader, nil, "Leaders are not what lags: the followers on the slow store are.")
	if slow == 0 {
		r.cause = "Replicas are behind their leaders, but the sample names no store; a store slow to receive snapshots or apply logs (disk I/O, a busy raftstore) is the usual cause."
		return r
	}
	r.cause = fmt.Sprintf("Replicas on store %d lag their leaders", slow)
	if len(tally) > 0 {
		r.cause += " (pending replicas in PD's sample: " + tallyText(tally) + ")"
	}
	r.cause += fmt.Sprintf(": store %d is slow to receive snapshots or apply logs, typically its disk I/O or a busy raftstore/apply pool.", slow)
	if s, ok := v.store(slow); ok {
		var signs []string
		if s.SlowScore > 1 {
			signs = append(signs, fmt.Sprintf("slow score %d", s.SlowScore))
		}
		if s.ReceivingSnaps > 0 {
			signs = append(signs, fmt.Sprintf("%d snapshots being received", s.ReceivingSnaps))
		}
		if s.IsBusy {
			signs = append(signs, "reports itself busy")
		}
		if s.StateName != "Up" {
			signs = append(signs, "state "+s.StateName)
		}
		if len(signs) > 0 {
			r.cause += " PD shows it with " + strings.Join(signs, ", ") + "."
		}
	}
	r.cause += fmt.Sprintf(" Check store %d's disk latency and TiKV's raftstore and apply CPU; no registry action makes a store faster.", slow)
	return r
}

// extraPeerRule: more replicas than the rules ask for, usually the trace
// of an interrupted move. PD's rule checker removes them; the registry has
// no action to resume a checker, and removing one by hand risks removing
// the wrong one.
func extraPeerRule(v *view) *result {
	r := &result{}
	n := regionCount(v)
	r.summary = fmt.Sprintf("%d regions have more replicas than the placement rules ask for.", n)
	r.cite(v.config.ID())
	if reg := v.region(0); reg != nil {
		r.cite(reg.id)
	}
	r.alt(actions.RemovePeer, nil, "Which replica is extra is the placement rules' call; the rule checker removes the right one itself.")
	if v.config == nil {
		r.cite(v.missing(observe.EvidenceConfig)...)
		r.cause = "PD's config could not be read, so whether its checker runs cannot be told."
		r.confidence = confGuess
		return r
	}
	c := v.config.v
	if why := checkerBlocked(c, c.EnableRemoveExtra, "enable-remove-extra-replica"); why != "" {
		r.cause = why + " The extra replicas stay until it runs again."
		r.confidence = confClear
		return r
	}
	r.cause = "An interrupted move (an add that finished without its remove) leaves an extra replica; PD's rule checker removes it as it patrols. Watch the count fall."
	r.confidence = confLikely
	return r
}

// oversizedRule: regions past the split size. TiKV splits regions itself;
// one that stays oversized has a split checker behind, or one huge key.
// An approximate split of the largest is cheap and usually works.
func oversizedRule(v *view) *result {
	r := &result{}
	n := regionCount(v)
	r.summary = fmt.Sprintf("%d regions are larger than the split size.", n)
	sizes := v.counts("sample_sizes_mib")
	var largest uint64
	var size float64
	for id, s := range sizes {
		if s > size || s == size && id < largest {
			largest, size = id, s
		}
	}
	if reg := v.region(0); reg != nil {
		r.cite(reg.id)
		if largest == 0 || reg.v.ID == largest {
			largest, size = reg.v.ID, float64(reg.v.SizeMiB)
		}
	}
	if largest == 0 {
		if ids := v.ids("sample_region_ids"); len(ids) > 0 {
			largest = ids[0]
		}
	}
	if largest == 0 {
		r.cause = "The ticket names no region to split."
		r.confidence = confGuess
		return r
	}
	if v.operators != nil {
		for _, op := range v.operators.v.Related {
			if op.RegionID == largest && strings.Contains(op.Desc, "split") {
				r.cite(v.operators.id)
				r.cause = fmt.Sprintf("Region %d (%.0f MiB) is being split already (%s).", largest, size, op.Desc)
				r.confidence = confLikely
				return r
			}
		}
	}
	r.cause = fmt.Sprintf("Region %d is %.0f MiB, past the size TiKV splits at (region-max-size, 144 MiB by default): TiKV's split check has not split it, typically because it is behind or the range holds a few very large keys.", largest, size)
	r.confidence = confLikely
	params := map[string]any{"region_id": largest, "policy": "approximate"}
	r.propose(actions.SplitRegion, params, "when-convenient",
		fmt.Sprintf("Split region %d, the largest sampled, at its approximate middle (from TiKV's size estimate, no key scan).", largest),
		fmt.Sprintf("Region %d becomes two regions of about half the size; the oversized count drops.", largest))
	r.risk(
		"An approximate split can fail when one key holds most of the data; a scan split reads the keys but costs I/O.",
		"A split cannot be undone by hand; PD merges small regions again by itself.",
	)
	r.alt(actions.SplitRegion, map[string]any{"region_id": largest, "policy": "scan"}, "A scan reads every key of a large region; try the cheap approximate split first.")
	return r
}
