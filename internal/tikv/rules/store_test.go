package rules

import (
	"fmt"
	"testing"

	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/ticket"
	"github.com/operator-dev/operator/internal/tikv/actions"
	"github.com/operator-dev/operator/internal/tikv/observe"
)

func storeTicket(inv string, sev ticket.Severity, id uint64, ev map[string]any) *fixture {
	if ev == nil {
		ev = map[string]any{}
	}
	ev["store_id"] = id
	return newFixture(inv, sev, map[string]string{"store": fmt.Sprint(id)}, ev)
}

func TestStoreDownRules(t *testing.T) {
	downTicket := func(phase string) *fixture {
		sev := ticket.Critical
		if phase == "disconnected" {
			sev = ticket.Warning
		}
		return storeTicket(observe.InvStoreDown, sev, 2, map[string]any{
			"phase": phase, "heartbeat_age_seconds": 3600.0, "max_store_down_time_seconds": 1800.0,
			"enable_remove_down_replica": true, "state_name": "Down",
		})
	}
	full := func(stores *observe.StoresEvidence, sr *observe.StoreRegionsEvidence, phase string) func() *subject.Context {
		return func() *subject.Context {
			f := downTicket(phase).add(observe.EvidenceStores, stores).add(observe.EvidenceConfig, config()).
				add(observe.EvidenceOperators, operators())
			if sr != nil {
				f.add(observe.EvidenceStoreRegions, sr)
			} else {
				f.unavailable(observe.EvidenceStoreRegions)
			}
			return f.add(observe.EvidenceHistory, history()).build()
		}
	}
	five := stores(5, onStore(2, down))
	runCases(t, []ruleCase{
		{name: "disconnected: wait", ctx: func() *subject.Context {
			f := storeTicket(observe.InvStoreDown, ticket.Warning, 2, map[string]any{"phase": "disconnected", "heartbeat_age_seconds": 25.0, "max_store_down_time_seconds": 1800.0})
			return f.add(observe.EvidenceStores, stores(5, onStore(2, func(s *observe.StoreView) { s.StateName, s.HeartbeatAge = "Disconnected", 25 }))).
				add(observe.EvidenceConfig, config()).add(observe.EvidenceStoreRegions, storeRegions(2)).build()
		}, cause: []string{"max-store-down-time (30m0s)", "restart"}, alts: []string{actions.DrainStore}},
		{name: "down, room and quorum: drain", ctx: full(five, storeRegions(2), "down"),
			action: actions.DrainStore, params: map[string]any{"store_id": 2}, conf: confClear, urgency: "soon",
			cause: []string{"re-creating its replicas", "4 Up stores"}, alts: []string{"none"}},
		{name: "down, lists not read whole: drain, less sure", ctx: full(five, storeRegions(2, func(s *observe.StoreRegionsEvidence) {
			s.CheckComplete, s.DownPeerRegionsTotal = false, 5000
		}), "down"), action: actions.DrainStore, conf: confGuess},
		{name: "down, three stores: add a node", ctx: full(stores(3, onStore(2, down)), storeRegions(2, func(s *observe.StoreRegionsEvidence) { s.OtherUpStores = 2 }), "down"),
			cause: []string{"only 2 other Up stores remain for max-replicas 3", "add a TiKV node"}, conf: confClear, alts: []string{actions.DrainStore}},
		{name: "down, regions lost their majority", ctx: full(five, storeRegions(2, func(s *observe.StoreRegionsEvidence) {
			s.AtRiskTotal, s.AtRiskSampleRegionIDs = 3, []uint64{11, 12, 13}
		}), "down"), cause: []string{"3 regions would have no majority", "unsafe recovery", "11, 12, 13"}},
		{name: "down, no room", ctx: full(five, storeRegions(2, func(s *observe.StoreRegionsEvidence) {
			s.OthersCanHold, s.OthersRoomBytes, s.NeedBytes, s.ShortBytes = false, tib/20, tib/10, tib/20
		}), "down"), cause: []string{"lack 51.2GiB", "add capacity"}},
		{name: "down, a second store silent", ctx: full(five, storeRegions(2, func(s *observe.StoreRegionsEvidence) {
			s.OtherSilentStoreIDs = []uint64{4}
		}), "down"), cause: []string{"stores 4 are silent too", "unsafe recovery"}},
		{name: "down, no analysis", ctx: full(five, nil, "down"), cause: []string{"could not be read"}, conf: confGuess},
		{name: "down, max-replicas unknown", ctx: full(five, storeRegions(2, func(s *observe.StoreRegionsEvidence) { s.MaxReplicas = 0 }), "down"),
			action: actions.DrainStore}, // the config still says 3
		{name: "already draining", ctx: full(stores(5, onStore(2, func(s *observe.StoreView) { s.StateName = "Offline" })), storeRegions(2), "disconnected"),
			cause: []string{"drain"}},
	})
}

func TestOfflineStuckRules(t *testing.T) {
	ctx := func(cfg *observe.ConfigEvidence, sr *observe.StoreRegionsEvidence, st *observe.StoresEvidence) func() *subject.Context {
		return func() *subject.Context {
			if st == nil {
				st = stores(5, onStore(5, func(s *observe.StoreView) { s.StateName = "Offline" }))
			}
			return storeTicket(observe.InvStoreOfflineStuck, ticket.Warning, 5, map[string]any{"min_region_count": 40, "no_progress_seconds": 1800.0}).
				add(observe.EvidenceStores, st).add(observe.EvidenceConfig, cfg).add(observe.EvidenceOperators, operators()).
				add(observe.EvidenceStoreRegions, sr).add(observe.EvidenceHistory, history()).build()
		}
	}
	sr := func(ch ...func(*observe.StoreRegionsEvidence)) *observe.StoreRegionsEvidence {
		return storeRegions(5, append([]func(*observe.StoreRegionsEvidence){func(s *observe.StoreRegionsEvidence) { s.StateName = "Offline" }}, ch...)...)
	}
	runCases(t, []ruleCase{
		{name: "halted", ctx: ctx(config(func(c *observe.ConfigEvidence) { c.HaltScheduling = true }), sr(), nil), cause: []string{"halt-scheduling"}},
		{name: "too few stores", ctx: ctx(config(), sr(func(s *observe.StoreRegionsEvidence) { s.OtherUpStores = 2 }), nil),
			cause: []string{"Add a TiKV node", "nowhere to move"}},
		{name: "no room", ctx: ctx(config(), sr(func(s *observe.StoreRegionsEvidence) { s.OthersCanHold, s.ShortBytes = false, tib }), nil),
			cause: []string{"Add capacity", "low-space"}},
		{name: "replica limit 0", ctx: ctx(config(func(c *observe.ConfigEvidence) { c.ReplicaScheduleLimit = 0 }), sr(), nil),
			action: actions.SetReplicaScheduleLimit, params: map[string]any{"value": 64}, conf: confClear},
		{name: "replace-offline off", ctx: ctx(config(func(c *observe.ConfigEvidence) { c.EnableReplaceOffline = false }), sr(), nil),
			cause: []string{"enable-replace-offline-replica is off"}},
		{name: "rule checker paused", ctx: ctx(config(func(c *observe.ConfigEvidence) { c.CheckersPaused["rule"] = true }), sr(), nil),
			cause: []string{"rule checker is paused"}},
		{name: "isolation unsatisfiable", ctx: ctx(config(func(c *observe.ConfigEvidence) { c.IsolationLevel = "zone" }),
			sr(func(s *observe.StoreRegionsEvidence) { s.IsolationLabel, s.IsolationDomains = "zone", 2 }), nil),
			cause: []string{"only 2 values of the isolation label"}},
		{name: "region limit 0 is not the drain's", ctx: ctx(config(func(c *observe.ConfigEvidence) { c.RegionScheduleLimit = 0 }), sr(), nil),
			cause: []string{"stops balance-region but not a drain"}},
		{name: "a throttled store: raise its remove-peer limit", ctx: ctx(config(), sr(), stores(5, onStore(5, func(s *observe.StoreView) {
			s.StateName, s.Limit = "Offline", &observe.StoreLimits{AddPeer: 15, RemovePeer: 1}
		}))), action: actions.SetStoreLimit, params: map[string]any{"store_id": 5, "type": "remove-peer", "rate": 30}, conf: confGuess,
			cause: []string{"only 1/min", "throttling"}, alts: []string{actions.CancelDrain}},
		{name: "the default limit is not binding", ctx: ctx(config(), sr(), nil), conf: confGuess,
			cause: []string{"the limit is not what holds it", "offline-peer regions"}, alts: []string{actions.SetStoreLimit, actions.CancelDrain}},
		{name: "own limit already at the top", ctx: ctx(config(), sr(), stores(5, onStore(5, func(s *observe.StoreView) {
			s.StateName, s.Limit = "Offline", &observe.StoreLimits{AddPeer: 15, RemovePeer: 200}
		}))), cause: []string{"not what holds it"}},
	})
}

func TestLowSpaceRules(t *testing.T) {
	ctx := func(cfg *observe.ConfigEvidence, sr *observe.StoreRegionsEvidence, series *observe.SeriesEvidence) func() *subject.Context {
		return func() *subject.Context {
			f := storeTicket(observe.InvStoreLowSpace, ticket.Critical, 3, map[string]any{"used_ratio": 0.9, "low_space_ratio": 0.8}).
				add(observe.EvidenceStores, stores(5, onStore(3, func(s *observe.StoreView) { s.UsedRatio, s.AvailableBytes = 0.9, tib/10 }))).
				add(observe.EvidenceConfig, cfg).add(observe.EvidenceOperators, operators()).add(observe.EvidenceStoreRegions, sr)
			if series != nil {
				f.add(observe.EvidenceSeries, series)
			}
			return f.add(observe.EvidenceHistory, history()).build()
		}
	}
	// The disk is 90% used, mostly by the store's regions (800 GiB).
	room := storeRegions(3, func(s *observe.StoreRegionsEvidence) {
		s.StateName, s.NeedBytes, s.RegionSizeMiB, s.UsedBytes = "Up", tib/5, 800<<10, tib*9/10
	})
	short := storeRegions(3, func(s *observe.StoreRegionsEvidence) {
		s.StateName, s.NeedBytes, s.OthersRoomBytes, s.OthersCanHold, s.ShortBytes = "Up", tib/5, tib/10, false, tib/10
		s.RegionSizeMiB, s.UsedBytes = 800<<10, tib*9/10
	})
	// The same disk, but its regions hold only 9.4 GiB of it.
	notRegions := storeRegions(3, func(s *observe.StoreRegionsEvidence) {
		s.StateName, s.NeedBytes, s.RegionSizeMiB, s.UsedBytes = "Up", tib/5, 9600, tib*9/10
	})
	fill, full := 1e6, 3600.0
	filling := &observe.SeriesEvidence{Query: "q", StoreID: 3, FillBytesPerSec: &fill, SecondsToFull: &full,
		Series: []observe.Series{{Labels: map[string]string{"store": "3"}, Points: []observe.SeriesPoint{{T: 1, V: 1}}}}}
	runCases(t, []ruleCase{
		{name: "the disk is not filled by regions: no action", ctx: ctx(config(), notRegions, nil),
			cause: []string{"regions hold only 9.375GiB", "something other than TiKV's region data"}, conf: confLikely,
			alts: []string{actions.SetStoreWeight, actions.DrainStore}},
		{name: "others have room: lower its region weight", ctx: ctx(config(), room, nil),
			action: actions.SetStoreWeight, params: map[string]any{"store_id": 3, "leader_weight": 1, "region_weight": 0.5},
			urgency: "soon", alts: []string{actions.SetLowSpaceRatio, actions.DrainStore}},
		{name: "filling fast: immediate", ctx: ctx(config(), room, filling), action: actions.SetStoreWeight, urgency: "immediate",
			cause: []string{"full in about 1h0m"}},
		{name: "balance-region paused", ctx: ctx(config(pausedScheduler("balance-region-scheduler")), room, nil),
			action: actions.ResumeScheduler, params: map[string]any{"name": "balance-region-scheduler"}},
		{name: "region limit 0", ctx: ctx(config(func(c *observe.ConfigEvidence) { c.RegionScheduleLimit = 0 }), room, nil),
			action: actions.SetRegionScheduleLimit, params: map[string]any{"value": 1024}},
		{name: "every store nearly full: add capacity", ctx: func() *subject.Context {
			return storeTicket(observe.InvStoreLowSpace, ticket.Warning, 3, map[string]any{"used_ratio": 0.77, "low_space_ratio": 0.8}).
				add(observe.EvidenceStores, func() *observe.StoresEvidence {
					s := stores(5, func(s *observe.StoreView) { s.UsedRatio = 0.74 })
					s.Totals.MeanUsedRatio = 0.746
					return s
				}()).add(observe.EvidenceConfig, config()).add(observe.EvidenceStoreRegions, room).build()
		}, cause: []string{"75% used, past high-space-ratio"}, alts: []string{actions.SetStoreWeight}},
		{name: "whole cluster short: add capacity", ctx: ctx(config(), short, nil), conf: confClear,
			cause: []string{"short of space", "Add capacity"}, alts: []string{actions.SetLowSpaceRatio, actions.DrainStore}},
	})
}
