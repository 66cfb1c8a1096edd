package observe

import (
	"fmt"
	"sort"

	"github.com/operator-dev/operator/internal/tikv/pd"
)

// PD's hotspot view for a hot ticket: the region's entries (as leader and
// on every peer) or the hot regions a store leads, and the per-store load
// a move would shift.

// hotPeersOf lists one store's hot peers from a view (as_leader or
// as_peer), hottest first, each with its store id filled in.
func hotPeersOf(view map[string]pd.HotPeersStat, store pd.StoreID) []pd.HotPeerStatShow {
	st, ok := view[store.String()]
	if !ok {
		return nil
	}
	out := make([]pd.HotPeerStatShow, 0, len(st.Stats))
	for _, p := range st.Stats {
		if p.StoreID == 0 {
			p.StoreID = store
		}
		out = append(out, p)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].ByteRate != out[j].ByteRate {
			return out[i].ByteRate > out[j].ByteRate
		}
		return out[i].RegionID < out[j].RegionID
	})
	return out
}

// hotStoreIDs are the store keys of a view, in id order.
func hotStoreIDs(views ...map[string]pd.HotPeersStat) []pd.StoreID {
	seen := map[pd.StoreID]bool{}
	var out []pd.StoreID
	for _, v := range views {
		for k := range v {
			if id, ok := parseID(k); ok && !seen[pd.StoreID(id)] {
				seen[pd.StoreID(id)] = true
				out = append(out, pd.StoreID(id))
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// hotPeersOfRegion are the ticket region's entries on every store
// (as_peer), in store order.
func (g *gathering) hotPeersOfRegion() []pd.HotPeerStatShow {
	if g.hot == nil || g.focusRegion == 0 {
		return nil
	}
	var out []pd.HotPeerStatShow
	for _, id := range hotStoreIDs(g.hot.AsPeer) {
		for _, p := range hotPeersOf(g.hot.AsPeer, id) {
			if p.RegionID == g.focusRegion {
				out = append(out, p)
			}
		}
	}
	return out
}

func hotPeerView(p pd.HotPeerStatShow) HotPeerView {
	v := HotPeerView{
		RegionID: uint64(p.RegionID), StoreID: uint64(p.StoreID), IsLeader: p.IsLeader,
		BytesPerSecond: round3(p.ByteRate), KeysPerSecond: round3(p.KeyRate), QueryPerSecond: round3(p.QueryRate),
		HotDegree: p.HotDegree, StoreIDs: make([]uint64, 0, len(p.Stores)),
	}
	for _, id := range p.Stores {
		v.StoreIDs = append(v.StoreIDs, uint64(id))
	}
	return v
}

func (g *gathering) hotEvidence() *HotEvidence {
	h := &HotEvidence{Direction: g.hotDir, Stores: []HotStoreLoad{}}
	must := map[pd.StoreID]bool{}
	if g.focusStore != 0 {
		must[g.focusStore] = true
	}
	if g.focusRegion != 0 {
		h.RegionID = uint64(g.focusRegion)
		for _, id := range hotStoreIDs(g.hot.AsLeader) {
			for _, p := range hotPeersOf(g.hot.AsLeader, id) {
				if p.RegionID == g.focusRegion && h.Leader == nil {
					v := hotPeerView(p)
					h.Leader = &v
				}
			}
		}
		for _, p := range g.hotPeersOfRegion() {
			h.Peers = append(h.Peers, hotPeerView(p))
			must[p.StoreID] = true
			for _, id := range p.Stores {
				must[id] = true
			}
		}
		if slot := g.regions[g.focusRegion]; slot != nil && slot.info != nil {
			for _, p := range slot.info.Peers {
				must[p.StoreID] = true
			}
		}
	}
	if g.hotOfStore {
		h.StoreID = uint64(g.focusStore)
		led := hotPeersOf(g.hot.AsLeader, g.focusStore)
		for _, p := range led[:min(len(led), maxHotStoreRegions)] {
			h.StoreRegions = append(h.StoreRegions, hotPeerView(p))
		}
		if len(led) > 0 {
			for _, id := range led[0].Stores {
				must[id] = true
			}
		}
	}
	h.Stores = g.hotLoads(must)
	return h
}

// hotLoads is the per-store load: the stores in must, then the most loaded
// in the ticket's direction, at most maxHotStores, in id order.
func (g *gathering) hotLoads(must map[pd.StoreID]bool) []HotStoreLoad {
	ids := hotStoreIDs(g.hot.AsLeader, g.hot.AsPeer)
	if hs := g.hotStores; hs != nil {
		seen := map[pd.StoreID]bool{}
		for _, id := range ids {
			seen[id] = true
		}
		for _, m := range []map[pd.StoreID]float64{hs.BytesWriteStats, hs.BytesReadStats} {
			for id := range m {
				if !seen[id] {
					seen[id] = true
					ids = append(ids, id)
				}
			}
		}
	}
	loads := make([]HotStoreLoad, 0, len(ids))
	for _, id := range ids {
		k := id.String()
		l := HotStoreLoad{
			StoreID:     uint64(id),
			LeaderBytes: round3(g.hot.AsLeader[k].StoreByteRate), PeerBytes: round3(g.hot.AsPeer[k].StoreByteRate),
			HotLeaders: g.hot.AsLeader[k].Count,
		}
		if hs := g.hotStores; hs != nil {
			l.WriteBytesRate, l.ReadBytesRate = round3(hs.BytesWriteStats[id]), round3(hs.BytesReadStats[id])
			l.WriteKeysRate, l.ReadKeysRate = round3(hs.KeysWriteStats[id]), round3(hs.KeysReadStats[id])
		}
		loads = append(loads, l)
	}
	load := func(l HotStoreLoad) float64 {
		if g.hotDir == "read" {
			return max(l.LeaderBytes, l.ReadBytesRate)
		}
		return max(l.LeaderBytes, l.WriteBytesRate)
	}
	sort.SliceStable(loads, func(i, j int) bool {
		mi, mj := must[pd.StoreID(loads[i].StoreID)], must[pd.StoreID(loads[j].StoreID)]
		if mi != mj {
			return mi
		}
		if load(loads[i]) != load(loads[j]) {
			return load(loads[i]) > load(loads[j])
		}
		return loads[i].StoreID < loads[j].StoreID
	})
	loads = loads[:min(len(loads), maxHotStores)]
	sort.Slice(loads, func(i, j int) bool { return loads[i].StoreID < loads[j].StoreID })
	return loads
}

func hotTitle(h *HotEvidence) string {
	switch {
	case h.RegionID != 0 && h.Leader != nil:
		return fmt.Sprintf("%s hotspot: region %d at %s on its leader in store %d, %d peers hot",
			h.Direction, h.RegionID, rate(h.Leader.BytesPerSecond), h.Leader.StoreID, len(h.Peers))
	case h.RegionID != 0:
		return fmt.Sprintf("%s hotspot: PD no longer lists region %d as hot", h.Direction, h.RegionID)
	}
	return fmt.Sprintf("%s hotspot: store %d leads %s", h.Direction, h.StoreID, plural(len(h.StoreRegions), "hot region"))
}
