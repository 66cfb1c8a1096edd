package observe

import (
	"slices"
	"time"

	"github.com/operator-dev/operator/internal/overview"
	"github.com/operator-dev/operator/internal/tikv/pd"
)

// zoneLabel is the store label an overview shows as the zone: the label
// TiDB's deployment guides put location-labels on first.
const zoneLabel = "zone"

// RecordOverview makes every later Observe whose store list was read add
// the cluster's overview to h (nil: stop). Set it before the monitor
// runs; it is safe to set at any time.
func (s *Subject) RecordOverview(h *overview.History) { s.history.Store(h) }

// recordOverview adds the snapshot's overview to the history, if one is
// set. Without the store list there is nothing to show, so such a cycle
// leaves the last overview standing rather than replacing it with an
// empty cluster. ok says which sources answered.
func (s *Subject) recordOverview(d *Data, ok map[string]bool, now time.Time) {
	h := s.history.Load()
	if h == nil || !ok[SourceStores] {
		return
	}
	o := OverviewOf(d, now)
	if !ok[SourceHotStores] {
		o.Gaps = append(o.Gaps, "write and read rates: "+SourceHotStores+" did not answer")
	}
	for _, kind := range regionCheckKinds {
		if !ok[SourceRegionCheck(kind)] {
			o.Gaps = append(o.Gaps, kind.String()+" count: "+SourceRegionCheck(kind)+" did not answer")
		}
	}
	h.Add(o)
}

// OverviewOf is one observation as the console's cluster overview: each
// non-Tombstone store with its state, zone, space, leader and region
// counts and its write and read flow (GET /hotspot/stores), the region
// health lists' totals, and the region total.
//
// PD's store list carries no region total and reading one (GET
// /regions/count) would be a request more every cycle, so Shards is the
// sum of the stores' leader counts: every region with a leader, which is
// every region that can serve. Regions that lost quorum are missing from
// it, and show in the miss-peer and down-peer counts.
func OverviewOf(d *Data, at time.Time) overview.Overview {
	o := overview.Overview{At: at.UTC(), NodeNoun: "store", ShardNoun: "region",
		Nodes: make([]overview.Node, 0, len(d.Stores)), Health: make([]overview.Health, 0, len(regionCheckKinds))}
	for _, st := range d.Stores {
		if tombstone(st) {
			continue
		}
		n := overview.Node{
			ID: st.Store.ID.String(), Address: st.Store.Address, State: stateName(st),
			CapacityBytes: uint64(st.Status.Capacity), AvailableBytes: uint64(st.Status.Available),
			Leaders: st.Status.LeaderCount, Shards: st.Status.RegionCount,
		}
		n.Zone, _ = st.Store.Label(zoneLabel)
		if d.HotStores != nil {
			n.WriteBytesPerSec = d.HotStores.BytesWriteStats[st.Store.ID]
			n.ReadBytesPerSec = d.HotStores.BytesReadStats[st.Store.ID]
		}
		o.Shards += n.Leaders
		o.Nodes = append(o.Nodes, n)
	}
	slices.SortFunc(o.Nodes, func(a, b overview.Node) int { return overview.CompareIDs(a.ID, b.ID) })
	for _, kind := range regionCheckKinds {
		if c, ok := d.RegionChecks[kind]; ok && c != nil {
			o.Health = append(o.Health, overview.Health{Name: kind.String(), Count: c.Count})
		}
	}
	return o
}

// stateName is PD's state_name, or the stored state when an older PD
// left state_name out.
func stateName(st pd.StoreInfo) string {
	if st.Store.StateName != "" {
		return string(st.Store.StateName)
	}
	return st.Store.State.String()
}
