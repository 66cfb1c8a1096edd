package observe

import (
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/operator-dev/operator/internal/tikv/pd"
)

// Regions and operators, as evidence.

const (
	maxKeyChars     = 128 // of a hex region key
	maxNeighbours   = 4
	maxOperatorStep = 16
	maxDescs        = 20
)

// aliveStore reports whether a store still serves its replicas: Up, or
// Offline but heartbeating (a drain moves replicas off a live store).
func aliveStore(state pd.StoreStateName) bool {
	return state == pd.StateNameUp || state == pd.StateNameOffline
}

func (g *gathering) storeState(id pd.StoreID) string {
	if s, ok := g.storeByID(id); ok {
		return string(s.Store.StateName)
	}
	return ""
}

// regionEvidence shows a region's peers with their health. A voter is
// healthy when PD lists it neither down nor pending and its store is alive.
func (g *gathering) regionEvidence(r *pd.RegionInfo) *RegionEvidence {
	// Down and pending peers are matched by store: a region has at most
	// one peer per store, and PD's entries always carry the store.
	down := map[pd.StoreID]uint64{}
	for _, d := range r.DownPeers {
		down[d.Peer.StoreID] = d.DownSeconds
	}
	pending := map[pd.StoreID]bool{}
	for _, p := range r.PendingPeers {
		pending[p.StoreID] = true
	}
	out := &RegionEvidence{
		ID: uint64(r.ID), StartKey: clip(r.StartKey, maxKeyChars), EndKey: clip(r.EndKey, maxKeyChars),
		ConfVer: r.Epoch.ConfVer, Version: r.Epoch.Version, LeaderStoreID: uint64(r.Leader.StoreID),
		SizeMiB: r.ApproximateSize, Keys: r.ApproximateKeys,
		WrittenBytes: r.WrittenBytes, ReadBytes: r.ReadBytes, WrittenKeys: r.WrittenKeys, ReadKeys: r.ReadKeys,
		Peers: make([]PeerView, 0, len(r.Peers)),
	}
	for _, p := range r.Peers {
		ds, isDown := down[p.StoreID]
		v := PeerView{
			ID: uint64(p.ID), StoreID: uint64(p.StoreID), Role: p.Role.String(),
			Leader: p.ID == r.Leader.ID && p.StoreID == r.Leader.StoreID,
			Down:   isDown, DownSeconds: ds, Pending: pending[p.StoreID],
			StoreState: g.storeState(p.StoreID),
		}
		if isDown {
			out.DownStoreIDs = append(out.DownStoreIDs, uint64(p.StoreID))
		}
		if v.Pending {
			out.PendingStoreIDs = append(out.PendingStoreIDs, uint64(p.StoreID))
		}
		if v.IsVoter() {
			out.Voters++
			if !v.Down && !v.Pending && aliveStore(pd.StoreStateName(v.StoreState)) {
				out.HealthyVoters++
			}
		}
		out.Peers = append(out.Peers, v)
	}
	return out
}

func regionBrief(r pd.RegionInfo) RegionBrief {
	b := RegionBrief{
		ID: uint64(r.ID), StartKey: clip(r.StartKey, maxKeyChars), EndKey: clip(r.EndKey, maxKeyChars),
		SizeMiB: r.ApproximateSize, Keys: r.ApproximateKeys, LeaderStoreID: uint64(r.Leader.StoreID),
		StoreIDs: make([]uint64, 0, len(r.Peers)),
	}
	for _, p := range r.Peers {
		b.StoreIDs = append(b.StoreIDs, uint64(p.StoreID))
	}
	return b
}

func (g *gathering) neighboursEvidence() *NeighboursEvidence {
	out := &NeighboursEvidence{RegionID: uint64(g.focusRegion), Regions: []RegionBrief{}}
	for _, r := range g.siblings.Regions {
		if r.ID == g.focusRegion || len(out.Regions) == maxNeighbours {
			continue
		}
		out.Regions = append(out.Regions, regionBrief(r))
	}
	return out
}

// ticketRegions are the regions the ticket and this gathering name.
func (g *gathering) ticketRegions() map[pd.RegionID]bool {
	out := map[pd.RegionID]bool{}
	if g.focusRegion != 0 {
		out[g.focusRegion] = true
	}
	for id := range g.regions {
		out[id] = true
	}
	if g.tikv {
		for _, k := range []string{"sample_region_ids", "down_peer_sample_region_ids", "offline_peer_sample_region_ids"} {
			for _, id := range evidenceIDs(g.t.Evidence[k]) {
				out[pd.RegionID(id)] = true
			}
		}
	}
	return out
}

// operatorsEvidence counts every running operator by desc and shows those
// on the ticket's regions or naming the ticket's store (or the busiest
// or leader store it names).
func (g *gathering) operatorsEvidence() *OperatorsEvidence {
	regions := g.ticketRegions()
	stores := map[uint64]bool{}
	if g.focusStore != 0 {
		stores[uint64(g.focusStore)] = true
	}
	if g.tikv {
		for _, k := range []string{"leader_store_id", "busiest_store_id"} {
			if f, ok := evidenceNumber(g.t.Evidence[k]); ok && f >= 1 {
				stores[uint64(f)] = true
			}
		}
	}
	out := &OperatorsEvidence{Total: len(g.ops), ByDesc: map[string]int{}, Related: []OperatorView{}}
	descs := map[string]int{}
	var related []OperatorView
	for _, op := range g.ops {
		descs[op.Desc]++
		ids := briefStores(op.Brief)
		hit := regions[op.RegionID]
		for _, id := range ids {
			hit = hit || stores[id]
		}
		if !hit {
			continue
		}
		v := OperatorView{
			RegionID: uint64(op.RegionID), Desc: clip(op.Desc, maxLabelBytes), Brief: clip(op.Brief, maxLabelBytes),
			Kind: op.Kind.String(), Status: op.Status.String(), TimeoutSeconds: op.Timeout.D().Seconds(), StoreIDs: ids,
		}
		if first, ok := g.track(op); ok {
			v.FirstSeen = first.UTC()
			v.AgeSeconds = math.Round(max(g.now.Sub(first), 0).Seconds())
		}
		related = append(related, v)
	}
	sort.SliceStable(related, func(i, j int) bool {
		if related[i].RegionID != related[j].RegionID {
			return related[i].RegionID < related[j].RegionID
		}
		return related[i].Desc < related[j].Desc
	})
	if len(related) > maxRelatedOperators {
		related, out.Truncated = related[:maxRelatedOperators], true
	}
	out.Related = append(out.Related, related...)
	// Operator descs are PD's scheduler and checker names, a small set;
	// past maxDescs the rarest are summed as "other".
	names := make([]string, 0, len(descs))
	for d := range descs {
		names = append(names, d)
	}
	sort.Slice(names, func(i, j int) bool {
		if descs[names[i]] != descs[names[j]] {
			return descs[names[i]] > descs[names[j]]
		}
		return names[i] < names[j]
	})
	for i, d := range names {
		if i >= maxDescs {
			out.ByDesc["other"] += descs[d]
			out.Truncated = true
			continue
		}
		out.ByDesc[clip(d, maxLabelBytes)] = descs[d]
	}
	return out
}

// operatorEvidence is PD's record of one region's operator.
func operatorEvidence(region pd.RegionID, d *pd.OperatorDetail) *OperatorEvidence {
	out := &OperatorEvidence{
		RegionID: uint64(region), State: d.State.String(), Desc: clip(d.Desc, maxLabelBytes), Brief: clip(d.Brief, maxLabelBytes),
		Kind: d.Kind.String(), CreateAt: d.CreateAt.UTC(), StartAt: d.StartAt.UTC(), CurrentStep: d.CurrentStep,
		TimeoutSeconds: d.Timeout.Seconds(), StoreIDs: briefStores(d.Brief), Steps: []string{},
	}
	if d.CreateAt.IsZero() {
		out.CreateAt = d.CreateAt
	}
	if d.StartAt.IsZero() {
		out.StartAt = d.StartAt
	}
	for _, s := range d.Steps[:min(len(d.Steps), maxOperatorStep)] {
		out.Steps = append(out.Steps, clip(s, 200))
	}
	return out
}

// briefStores reads the store ids from an operator's brief, the part
// after "store": "transfer leader: store 1 to 2", "mv peer: store [1] to
// [4]", "rm peer: store [2]". Briefs about regions ("split: region 2 use
// policy SCAN", "merge: region 2 to 3") name no store.
func briefStores(brief string) []uint64 {
	i := strings.Index(brief, "store")
	if i < 0 {
		return nil
	}
	var out []uint64
	for _, f := range strings.FieldsFunc(brief[i:], func(r rune) bool { return r < '0' || r > '9' }) {
		if id, err := strconv.ParseUint(f, 10, 64); err == nil && id > 0 && len(out) < 8 {
			out = append(out, id)
		}
	}
	return out
}
