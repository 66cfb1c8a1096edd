package observe

import (
	"fmt"
	"sort"

	"github.com/operator-dev/operator/internal/tikv/pd"
)

// What taking one store out would mean: which regions would be left
// without a majority of healthy voters, and whether the other stores have
// the room and the numbers to take its replicas.

// defaultHighSpaceRatio is PD's default, used when the config did not say.
const defaultHighSpaceRatio = 0.7

func (g *gathering) storeRegionsEvidence() (*StoreRegionsEvidence, bool) {
	st, ok := g.storeByID(g.focusStore)
	if !ok {
		return nil, false
	}
	low, high := defaultLowSpaceRatio, defaultHighSpaceRatio
	if sc := g.schedule; sc != nil {
		if sc.LowSpaceRatio > 0 && sc.LowSpaceRatio < 1 {
			low = sc.LowSpaceRatio
		}
		if sc.HighSpaceRatio > 0 && sc.HighSpaceRatio < 1 {
			high = sc.HighSpaceRatio
		}
	}
	out := &StoreRegionsEvidence{
		StoreID: uint64(st.Store.ID), StateName: string(st.Store.StateName),
		RegionCount: st.Status.RegionCount, LeaderCount: st.Status.LeaderCount,
		RegionSizeMiB: st.Status.RegionSize, UsedBytes: uint64(st.Status.UsedSize),
		LowSpaceRatio: low, HighSpaceRatio: high, AtRiskSampleRegionIDs: []uint64{},
	}
	if g.replicate != nil {
		out.MaxReplicas = g.replicate.MaxReplicas
	}
	pdNow := g.pdNow()
	alive := map[pd.StoreID]bool{}
	for _, s := range g.liveStores() {
		_, silent := g.cfg.silent(s, pdNow)
		if !silent && aliveStore(s.Store.StateName) {
			alive[s.Store.ID] = true
		}
		if s.Store.ID != st.Store.ID && silent {
			out.OtherSilentStoreIDs = append(out.OtherSilentStoreIDs, uint64(s.Store.ID))
		}
	}
	g.quorum(out, alive)
	g.capacity(out, st, alive)
	return out, true
}

// quorum checks the regions in PD's down-peer and pending-peer lists that
// have a replica on the store. Without that replica, a region keeps its
// voters that are neither down, nor pending (still catching up: it may
// lack the latest log), nor on a store that is not alive; fewer than a
// majority of its voters is a region at risk. Regions whose other voters
// are all healthy are in neither list and need no check.
func (g *gathering) quorum(out *StoreRegionsEvidence, alive map[pd.StoreID]bool) {
	out.CheckComplete = g.downList != nil && g.pendList != nil
	byID := map[pd.RegionID]pd.RegionInfo{}
	var ids []pd.RegionID
	for _, list := range []*pd.RegionsInfo{g.downList, g.pendList} {
		if list == nil {
			continue
		}
		if list.Count > len(list.Regions) {
			out.CheckComplete = false
		}
		for _, r := range list.Regions {
			if _, seen := byID[r.ID]; !seen {
				ids = append(ids, r.ID)
			}
			byID[r.ID] = r
		}
	}
	if g.downList != nil {
		out.DownPeerRegionsTotal = g.downList.Count
	}
	if g.pendList != nil {
		out.PendingPeerRegionsTotal = g.pendList.Count
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		r := byID[id]
		if _, here := r.PeerOnStore(g.focusStore); !here {
			continue
		}
		out.RegionsChecked++
		if !keepsMajorityWithout(r, g.focusStore, alive) {
			out.AtRiskTotal++
			if len(out.AtRiskSampleRegionIDs) < maxAtRiskSample {
				out.AtRiskSampleRegionIDs = append(out.AtRiskSampleRegionIDs, uint64(id))
			}
		}
	}
}

// keepsMajorityWithout reports whether a region keeps a majority of
// healthy voters once its replica on the store is gone. A region in joint
// consensus (mid-move) needs a majority in both its outgoing (voters and
// demoting voters) and its incoming (voters and incoming voters)
// configuration; outside a move the two are the same.
func keepsMajorityWithout(r pd.RegionInfo, gone pd.StoreID, alive map[pd.StoreID]bool) bool {
	bad := map[pd.StoreID]bool{gone: true}
	for _, d := range r.DownPeers {
		bad[d.Peer.StoreID] = true
	}
	for _, p := range r.PendingPeers {
		bad[p.StoreID] = true
	}
	majority := func(in func(pd.PeerRole) bool) bool {
		voters, healthy := 0, 0
		for _, p := range r.Peers {
			if !in(p.Role) {
				continue
			}
			voters++
			if !bad[p.StoreID] && alive[p.StoreID] {
				healthy++
			}
		}
		return voters == 0 || healthy >= voters/2+1
	}
	outgoing := majority(func(r pd.PeerRole) bool { return r == pd.RoleVoter || r == pd.RoleDemotingVoter })
	incoming := majority(func(r pd.PeerRole) bool { return r == pd.RoleVoter || r == pd.RoleIncomingVoter })
	return outgoing && incoming
}

// capacity compares the store's data with the room the other healthy Up
// stores have above PD's low-space line (PD moves no region onto a store
// past low-space-ratio). For store-low-space the need is only what brings
// the store back under high-space-ratio; otherwise it is all its data,
// the larger of PD's region size and TiKV's used size, since a replica
// can land bigger than PD's estimate before compaction.
func (g *gathering) capacity(out *StoreRegionsEvidence, st pd.StoreInfo, alive map[pd.StoreID]bool) {
	domains := map[string]bool{}
	label := ""
	if r := g.replicate; r != nil {
		label = r.IsolationLevel
		if label == "" && len(r.LocationLabels) > 0 {
			label = r.LocationLabels[0]
		}
	}
	for _, s := range g.liveStores() {
		if s.Store.ID == st.Store.ID || s.Store.StateName != pd.StateNameUp || !alive[s.Store.ID] {
			continue
		}
		out.OtherUpStores++
		c, a := uint64(s.Status.Capacity), uint64(min(s.Status.Available, s.Status.Capacity))
		reserve := uint64(float64(c) * (1 - out.LowSpaceRatio))
		if a > reserve {
			out.OthersRoomBytes += a - reserve
		}
		if label != "" {
			if v, ok := s.Store.Label(label); ok {
				domains[v] = true
			}
		}
	}
	if label != "" {
		out.IsolationLabel, out.IsolationDomains = clip(label, maxLabelBytes), len(domains)
	}
	if g.t.Invariant == InvStoreLowSpace {
		c := uint64(st.Status.Capacity)
		used := c - uint64(min(st.Status.Available, st.Status.Capacity))
		if line := uint64(float64(c) * out.HighSpaceRatio); used > line {
			out.NeedBytes = used - line
		}
	} else {
		out.NeedBytes = max(uint64(st.Status.UsedSize), uint64(max(st.Status.RegionSize, 0))<<20)
	}
	out.OthersCanHold = out.OthersRoomBytes >= out.NeedBytes && out.OtherUpStores > 0
	if !out.OthersCanHold && out.NeedBytes > out.OthersRoomBytes {
		out.ShortBytes = out.NeedBytes - out.OthersRoomBytes
	}
}

// storeRegionsErr says why the analysis could not be made.
func (g *gathering) storeRegionsErr() error {
	return fmt.Errorf("store %d is not in PD's store list (Tombstone or removed)", g.focusStore)
}

func storeRegionsTitle(s *StoreRegionsEvidence) string {
	quorum := fmt.Sprintf("%d of %d checked regions would lose a majority", s.AtRiskTotal, s.RegionsChecked)
	if !s.CheckComplete {
		quorum += " (PD's lists were not read whole)"
	}
	repl := "max-replicas unknown"
	if s.MaxReplicas > 0 {
		repl = fmt.Sprintf("max-replicas %d", s.MaxReplicas)
	}
	return fmt.Sprintf("taking store %d out: %s; %d other Up stores (%s) have %s of room for %s",
		s.StoreID, quorum, s.OtherUpStores, repl, pd.ByteSize(s.OthersRoomBytes), pd.ByteSize(s.NeedBytes))
}
