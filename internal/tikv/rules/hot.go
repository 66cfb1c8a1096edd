package rules

import (
	"fmt"
	"math"

	"github.com/operator-dev/operator/internal/tikv/actions"
	"github.com/operator-dev/operator/internal/tikv/observe"
)

// Hotspot rules. Reads are served by a region's leader, so moving the
// leader moves its reads. Writes land on every replica's disk; only the
// leader's share (proposing, replicating the log, its CPU) moves with the
// leader, so write loads are compared on PD's as-leader view.
//
// A move helps only if the target stays clearly below where the source is
// now: load(target) + flow <= load(source) / moveMargin. Otherwise it just
// moves the hotspot (a single hot region on an otherwise quiet store is
// exactly that case).

const (
	moveMargin = 1.2
	// minSplitMiB: below this a region is too small for a split to spread
	// anything: its heat is on a few keys.
	minSplitMiB = 16
)

// hotLoad is a store's load in the hot ticket's direction; ok is false
// when PD's hot view has no entry for it.
func hotLoad(h *observe.HotEvidence, store uint64, read bool) (float64, bool) {
	for _, l := range h.Stores {
		if l.StoreID == store {
			if read {
				return max(l.ReadBytesRate, l.LeaderBytes), true
			}
			return l.LeaderBytes, true
		}
	}
	return 0, false
}

// leaderTarget picks the least loaded store that could lead the region: a
// healthy voter on an Up store other than from, not refusing leaders.
func leaderTarget(v *view, h *observe.HotEvidence, reg *observe.RegionEvidence, from uint64, read bool) (store uint64, load float64, ok bool) {
	load = math.Inf(1)
	for _, p := range reg.Peers {
		if p.StoreID == from || p.Role != "Voter" || p.Down || p.Pending || p.StoreState != "Up" {
			continue
		}
		if s, listed := v.store(p.StoreID); listed && (s.EvictedLeader || s.LeaderWeight == 0) {
			continue
		}
		if l, known := hotLoad(h, p.StoreID, read); known && (l < load || l == load && p.StoreID < store) {
			store, load, ok = p.StoreID, l, true
		}
	}
	return store, load, ok
}

func hotRegionRule(read bool) func(*view) *result {
	dir := "write"
	if read {
		dir = "read"
	}
	return func(v *view) *result {
		r := &result{}
		id := v.labelID("region")
		if id == 0 {
			return unknownRule(v)
		}
		r.cite(v.stores.ID())
		flowEv, _ := v.num("bytes_per_second")
		r.summary = fmt.Sprintf("Region %d is %s-hot: %s on its leader.", id, dir, rateText(flowEv))
		h := v.hot
		reg := v.region(id)
		if h == nil || reg == nil {
			r.cite(v.missing(observe.EvidenceHot)...)
			r.cite(v.missing(observe.EvidenceRegion)...)
			r.cause = "PD's hotspot view or the region could not be read, so where its load could go cannot be judged."
			r.confidence = confGuess
			return r
		}
		r.cite(h.id, reg.id)
		if h.v.Leader == nil {
			r.cause = fmt.Sprintf("PD no longer lists region %d as %s-hot: the burst has passed.", id, dir)
			r.confidence = confLikely
			return r
		}
		flow := h.v.Leader.BytesPerSecond
		leader := reg.v.LeaderStoreID
		srcLoad, _ := hotLoad(h.v, leader, read)
		to, toLoad, found := leaderTarget(v, h.v, reg.v, leader, read)
		helps := found && toLoad+flow <= srcLoad/moveMargin
		transfer := map[string]any{"region_id": id, "to_store_id": to}
		split := map[string]any{"region_id": id, "policy": "approximate"}
		loads := fmt.Sprintf("the leader's store %d carries %s of %s load as leader", leader, rateText(srcLoad), dir)
		if found {
			loads += fmt.Sprintf("; the least loaded store with a voter of it, store %d, carries %s", to, rateText(toLoad))
		}
		if helps {
			r.cause = fmt.Sprintf("Region %d takes %s of %ss, and its leader's store is hot beyond this region: %s.", id, rateText(flow), dir, loads)
			r.confidence = confLikely
			r.propose(actions.TransferLeader, transfer, "soon",
				fmt.Sprintf("Moving region %d's leader to store %d shifts its %s of %s work there and leaves store %d below store %d's present load.", id, to, rateText(flow), dir, to, leader),
				fmt.Sprintf("Store %d's %s load falls by about %s; the region's latency improves.", leader, dir, rateText(flow)))
			r.risk("PD's balance-hot-region-scheduler may move the leader again as loads change.")
			if !read {
				r.risk("Disk writes stay on every replica: only the leader's share (proposals, log replication, CPU) moves.")
				r.alt(actions.SplitRegion, split, "The leader's store is the bottleneck, not the region: both halves of a split would start out led from it.")
			}
			return r
		}
		if read {
			r.cause = fmt.Sprintf("Region %d takes %s of reads, but no follower's store could take them without becoming the hotter one: %s.", id, rateText(flow), loads)
			r.confidence = confGuess
			if found {
				r.alt(actions.TransferLeader, transfer, "It would only move the hotspot to that store.")
			}
			r.alt(actions.SplitRegion, split, "TiKV's load-based split already splits read-hot regions whose reads spread over keys; if it has not, the reads are on a few keys. Follower read (an application setting) spreads one region's reads over its replicas.")
			return r
		}
		if reg.v.SizeMiB >= minSplitMiB {
			r.cause = fmt.Sprintf("Region %d alone takes %s of writes; its leader's store is not hot beyond it (%s), so moving the leader would only move the hotspot. At %d MiB the region can be split so that its halves can be led and placed on different stores.",
				id, rateText(flow), loads, reg.v.SizeMiB)
			r.confidence = confGuess
			r.propose(actions.SplitRegion, split, "when-convenient",
				fmt.Sprintf("Split region %d (%d MiB) at its approximate middle; PD's hot-region scheduler can then spread the halves.", id, reg.v.SizeMiB),
				"Two regions each with part of the writes; their leaders spread over stores within minutes.")
			r.risk(
				"If the writes are sequential (an auto-increment key), the hot tail stays in one half: the fix is in the schema (AUTO_RANDOM or SHARD_ROW_ID_BITS).",
				"A split cannot be undone by hand; PD merges small regions again by itself.",
			)
			if found {
				r.alt(actions.TransferLeader, transfer, "It would only move the hotspot: the leader's store is not hot beyond this region.")
			}
			return r
		}
		r.cause = fmt.Sprintf("Region %d takes %s of writes but is only %d MiB: the heat is on a few keys, which no split or move spreads. It is an application-level hotspot (a hot row or counter).", id, rateText(flow), reg.v.SizeMiB)
		r.confidence = confGuess
		r.alt(actions.SplitRegion, split, fmt.Sprintf("At %d MiB the region is too small for a split to separate its hot keys.", reg.v.SizeMiB))
		if found {
			r.alt(actions.TransferLeader, transfer, "It would only move the hotspot to that store.")
		}
		return r
	}
}

func hotStoreRule(read bool) func(*view) *result {
	dir := "write"
	if read {
		dir = "read"
	}
	return func(v *view) *result {
		r := &result{}
		id := v.labelID("store")
		if id == 0 {
			return unknownRule(v)
		}
		r.cite(v.stores.ID(), v.config.ID())
		rate, _ := v.num("bytes_per_second")
		r.summary = fmt.Sprintf("Store %d is %s-hot: %s.", id, dir, rateText(rate))
		const sched = "balance-hot-region-scheduler"
		s, running, known := v.scheduler(sched)
		if running && s.Paused {
			r.cause = fmt.Sprintf("Store %d takes %s of %ss and %s, which spreads hot regions over stores, is paused.", id, rateText(rate), dir, sched)
			r.confidence = confClear
			r.propose(actions.ResumeScheduler, map[string]any{"name": sched}, "soon",
				fmt.Sprintf("Resume %s so PD moves hot leaders and peers off store %d.", sched, id),
				fmt.Sprintf("Store %d's %s rate falls toward the others' within minutes.", id, dir))
			r.risk("Someone may have paused it on purpose; check before resuming.")
			return r
		}
		if v.config != nil && v.config.v.HotRegionScheduleLimit == 0 {
			r.cause = fmt.Sprintf("Store %d takes %s of %ss and hot-region-schedule-limit is 0, so %s moves nothing.", id, rateText(rate), dir, sched)
			r.confidence = confClear
			r.restoreLimit("hot-region-schedule-limit", "soon", "",
				fmt.Sprintf("PD moves hot regions off store %d.", id))
			return r
		}
		note := ""
		if known && !running {
			note = fmt.Sprintf(" %s is not running (removed): PD does not spread hotspots; re-adding it is not a registry action.", sched)
		}
		h := v.hot
		if h == nil {
			r.cite(v.missing(observe.EvidenceHot)...)
			r.cause = "PD's hotspot view could not be read." + note
			r.confidence = confGuess
			return r
		}
		r.cite(h.id)
		if len(h.v.StoreRegions) == 0 {
			r.cause = fmt.Sprintf("Store %d leads no hot region: its %s load comes from replicas of regions led elsewhere, which moving leaders does not change.%s", id, dir, note)
			if read {
				r.cause = fmt.Sprintf("Store %d leads no region PD counts as read-hot: its reads are spread over many regions, none hot enough to move.%s", id, note)
			}
			r.confidence = confGuess
			return r
		}
		top := h.v.StoreRegions[0]
		reg := v.region(top.RegionID)
		if reg == nil {
			r.cite(v.missing(observe.EvidenceRegion)...)
			r.cause = fmt.Sprintf("Store %d's hottest region is %d (%s), but the region could not be read to find a store for its leader.%s", id, top.RegionID, rateText(top.BytesPerSecond), note)
			r.confidence = confGuess
			return r
		}
		r.cite(reg.id)
		srcLoad, _ := hotLoad(h.v, id, read)
		to, toLoad, found := leaderTarget(v, h.v, reg.v, id, read)
		if found && toLoad+top.BytesPerSecond <= srcLoad/moveMargin {
			r.cause = fmt.Sprintf("Store %d leads %s, the hottest region %d at %s; store %d, which holds a voter of it, carries %s against store %d's %s.%s",
				id, plural(len(h.v.StoreRegions), "hot region"), top.RegionID, rateText(top.BytesPerSecond), to, rateText(toLoad), id, rateText(srcLoad), note)
			r.confidence = confLikely
			if !read {
				r.confidence = confGuess
				r.risk("Disk writes stay on every replica: only the leader's share of the write work moves.")
			}
			r.propose(actions.TransferLeader, map[string]any{"region_id": top.RegionID, "to_store_id": to}, "soon",
				fmt.Sprintf("Move the leader of store %d's hottest region (%d) to store %d, the least loaded store with a voter of it.", id, top.RegionID, to),
				fmt.Sprintf("Store %d's %s load falls by about %s.", id, dir, rateText(top.BytesPerSecond)))
			r.risk("PD's balance-hot-region-scheduler may move it again as loads change.")
			return r
		}
		r.cause = fmt.Sprintf("Store %d's hottest region is %d (%s), but no store with a voter of it could take its leader without becoming the hotter one.%s", id, top.RegionID, rateText(top.BytesPerSecond), note)
		r.confidence = confGuess
		if found {
			r.alt(actions.TransferLeader, map[string]any{"region_id": top.RegionID, "to_store_id": to}, "It would only move the hotspot to that store.")
		}
		return r
	}
}
