package rules

import (
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/ticket"
	"github.com/operator-dev/operator/internal/tikv/observe"
	"github.com/operator-dev/operator/internal/tikv/pd"
)

// Hand-built contexts in the shape observe.Gather builds them.

var t0 = time.Date(2026, 11, 24, 21, 0, 0, 0, time.UTC)

const tib = uint64(pd.TiB)

// fixture is a context under construction: the ticket, then evidence in
// the order Gather adds it. Entities are derived the way Gather derives
// them when build is called.
type fixture struct {
	t     ticket.Ticket
	items []subject.Evidence
}

func newFixture(inv string, sev ticket.Severity, labels map[string]string, ev map[string]any) *fixture {
	if labels == nil {
		labels = map[string]string{}
	}
	t := ticket.Ticket{ID: 7, DedupKey: subject.Key(inv, labels), Invariant: inv, Subject: "tikv", Severity: sev,
		State: ticket.Open, Summary: inv + " in a test", Labels: labels, Evidence: ev, FirstSeen: t0, LastSeen: t0, Occurrences: 1}
	f := &fixture{t: t}
	f.add(observe.EvidenceTicket, &observe.TicketEvidence{ID: 7, DedupKey: t.DedupKey, Invariant: inv, Subject: "tikv",
		Severity: sev.String(), Summary: t.Summary, Labels: labels, Evidence: ev, FirstSeen: t0, LastSeen: t0, Occurrences: 1})
	return f
}

func (f *fixture) add(kind string, data any) *fixture {
	f.items = append(f.items, subject.Evidence{ID: fmt.Sprintf("e%d", len(f.items)+1), Kind: kind, Title: kind + " for a test", Data: data})
	return f
}

func (f *fixture) unavailable(kind string) *fixture {
	return f.add(observe.EvidenceUnavailable, &observe.UnavailableEvidence{Kind: kind, What: kind, Error: "pd: 503"})
}

// build derives the entities: every listed store, and the regions the
// ticket and the evidence show.
func (f *fixture) build() *subject.Context {
	stores, regions := map[uint64]bool{}, map[uint64]bool{}
	if id, err := strconv.ParseUint(f.t.Labels["region"], 10, 64); err == nil {
		regions[id] = true
	}
	for _, k := range []string{"sample_region_ids", "down_peer_sample_region_ids", "offline_peer_sample_region_ids"} {
		if ids, ok := f.t.Evidence[k].([]uint64); ok {
			for _, id := range ids {
				regions[id] = true
			}
		}
	}
	for _, e := range f.items {
		switch d := e.Data.(type) {
		case *observe.StoresEvidence:
			for _, s := range d.Stores {
				stores[s.ID] = true
			}
		case *observe.RegionEvidence:
			regions[d.ID] = true
		case *observe.NeighboursEvidence:
			for _, r := range d.Regions {
				regions[r.ID] = true
			}
		case *observe.OperatorsEvidence:
			for _, o := range d.Related {
				regions[o.RegionID] = true
			}
		case *observe.HotEvidence:
			if d.RegionID != 0 {
				regions[d.RegionID] = true
			}
			for _, p := range d.StoreRegions {
				regions[p.RegionID] = true
			}
		}
	}
	return &subject.Context{
		Ticket: f.t, GatheredAt: t0, Evidence: f.items,
		Entities: map[subject.ParamType][]string{subject.ParamStoreID: idStrings(stores), subject.ParamRegionID: idStrings(regions)},
	}
}

func idStrings(set map[uint64]bool) []string {
	ids := sortedIDs(set)
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strconv.FormatUint(id, 10)
	}
	return out
}

// store is a healthy 1 TiB store, 10% used.
func store(id uint64) observe.StoreView {
	return observe.StoreView{
		ID: id, Address: fmt.Sprintf("tikv-%d:20160", id), StateName: "Up", RegionCount: 100, LeaderCount: 33,
		RegionSizeMiB: 9600, LeaderSizeMiB: 3200, CapacityBytes: tib, AvailableBytes: tib * 9 / 10, UsedBytes: tib / 10,
		UsedRatio: 0.1, LeaderWeight: 1, RegionWeight: 1, HeartbeatAge: 5,
	}
}

// stores lists n healthy stores, then applies the changes.
func stores(n int, change ...func(s *observe.StoreView)) *observe.StoresEvidence {
	out := &observe.StoresEvidence{Total: n, Listed: n, Totals: observe.StoreTotals{ByState: map[string]int{}}}
	for i := 1; i <= n; i++ {
		s := store(uint64(i))
		for _, c := range change {
			c(&s)
		}
		out.Stores = append(out.Stores, s)
		out.Totals.ByState[s.StateName]++
	}
	return out
}

// onStore changes one store.
func onStore(id uint64, fn func(s *observe.StoreView)) func(s *observe.StoreView) {
	return func(s *observe.StoreView) {
		if s.ID == id {
			fn(s)
		}
	}
}

func down(s *observe.StoreView) { s.StateName, s.HeartbeatAge = "Down", 3600 }

// config is PD's default configuration with the changes applied.
func config(change ...func(c *observe.ConfigEvidence)) *observe.ConfigEvidence {
	c := &observe.ConfigEvidence{
		LeaderScheduleLimit: 4, RegionScheduleLimit: 2048, ReplicaScheduleLimit: 64, MergeScheduleLimit: 8, HotRegionScheduleLimit: 4,
		LeaderSchedulePolicy: "count", LowSpaceRatio: 0.8, HighSpaceRatio: 0.7, MaxStoreDownTime: "30m0s", MaxStoreDownTimeSeconds: 1800,
		EnableRemoveDownReplica: true, EnableReplaceOffline: true, EnableMakeUpReplica: true, EnableRemoveExtra: true,
		DefaultStoreLimit: observe.StoreLimits{AddPeer: 15, RemovePeer: 15}, MaxReplicas: 3, LocationLabels: []string{},
		EnablePlacementRules: true, CheckersPaused: map[string]bool{"rule": false, "replica": false},
	}
	for _, n := range []string{"balance-hot-region-scheduler", "balance-leader-scheduler", "balance-region-scheduler", "evict-slow-store-scheduler", "evict-stopping-store-scheduler"} {
		c.Schedulers = append(c.Schedulers, observe.SchedulerView{Name: n})
	}
	for _, ch := range change {
		ch(c)
	}
	return c
}

func pausedScheduler(name string) func(c *observe.ConfigEvidence) {
	return func(c *observe.ConfigEvidence) {
		for i := range c.Schedulers {
			if c.Schedulers[i].Name == name {
				c.Schedulers[i].Paused, c.Schedulers[i].ResumeAt = true, t0.Add(time.Hour)
			}
		}
	}
}

func removedScheduler(name string) func(c *observe.ConfigEvidence) {
	return func(c *observe.ConfigEvidence) {
		var kept []observe.SchedulerView
		for _, s := range c.Schedulers {
			if s.Name != name {
				kept = append(kept, s)
			}
		}
		c.Schedulers = kept
	}
}

func operators(related ...observe.OperatorView) *observe.OperatorsEvidence {
	o := &observe.OperatorsEvidence{Total: len(related), ByDesc: map[string]int{}, Related: related}
	for _, op := range related {
		o.ByDesc[op.Desc]++
	}
	if o.Related == nil {
		o.Related = []observe.OperatorView{}
	}
	return o
}

func history() *observe.HistoryEvidence {
	return &observe.HistoryEvidence{Tickets: []observe.HistoryTicket{}}
}

// region is a region with voters on the stores (the first leads), all healthy.
func region(id uint64, sizeMiB int64, storeIDs ...uint64) *observe.RegionEvidence {
	r := &observe.RegionEvidence{ID: id, SizeMiB: sizeMiB, Keys: sizeMiB * 10000, LeaderStoreID: storeIDs[0]}
	for i, s := range storeIDs {
		r.Peers = append(r.Peers, observe.PeerView{ID: id*10 + uint64(i), StoreID: s, Role: "Voter", Leader: i == 0, StoreState: "Up"})
	}
	r.Voters, r.HealthyVoters = len(storeIDs), len(storeIDs)
	return r
}

// storeRegions is a capacity and quorum analysis that allows a drain.
func storeRegions(id uint64, change ...func(s *observe.StoreRegionsEvidence)) *observe.StoreRegionsEvidence {
	s := &observe.StoreRegionsEvidence{
		StoreID: id, StateName: "Down", RegionCount: 100, RegionSizeMiB: 9600, UsedBytes: tib / 10,
		DownPeerRegionsTotal: 100, RegionsChecked: 100, CheckComplete: true, AtRiskSampleRegionIDs: []uint64{},
		LowSpaceRatio: 0.8, HighSpaceRatio: 0.7, OthersRoomBytes: 2 * tib, NeedBytes: tib / 10, OthersCanHold: true,
		OtherUpStores: 4, MaxReplicas: 3,
	}
	for _, c := range change {
		c(s)
	}
	return s
}

// hotLoads lists per-store loads: leader bytes and read rate by store.
func hotLoads(leader map[uint64]float64, read map[uint64]float64) []observe.HotStoreLoad {
	ids := map[uint64]bool{}
	for id := range leader {
		ids[id] = true
	}
	for id := range read {
		ids[id] = true
	}
	var out []observe.HotStoreLoad
	for _, id := range sortedIDs(ids) {
		out = append(out, observe.HotStoreLoad{StoreID: id, LeaderBytes: leader[id], PeerBytes: leader[id], ReadBytesRate: read[id], WriteBytesRate: leader[id]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].StoreID < out[j].StoreID })
	return out
}

func hotPeer(region, store uint64, bytes float64, stores ...uint64) observe.HotPeerView {
	return observe.HotPeerView{RegionID: region, StoreID: store, StoreIDs: stores, IsLeader: true, BytesPerSecond: bytes, KeysPerSecond: bytes / 1024, HotDegree: 5}
}
