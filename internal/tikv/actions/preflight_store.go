package actions

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/operator-dev/operator/internal/tikv/pd"
)

// drainStore checks that taking the store out is safe: it is Up, enough Up
// stores remain for max-replicas, they have room for its data, and no
// region it holds would be left without a majority of healthy voters once
// every store that is already down, disconnected or draining is counted.
func (p *preflight) drainStore(ctx context.Context) error {
	n, err := p.id("store_id")
	if err != nil {
		return done(err)
	}
	id := pd.StoreID(n)
	st, err := p.store(ctx, id)
	if err != nil {
		return done(err)
	}
	// A dead store is drained the same way as a live one (pd-ctl store
	// delete): PD marks it Offline and replaces its replicas elsewhere.
	switch st.Store.StateName {
	case pd.StateNameUp, pd.StateNameDown:
		p.ok("store %d is %s", id, st.Store.StateName)
	case pd.StateNameDisconnected:
		p.ok("store %d is Disconnected", id)
		p.warn("store %d is only Disconnected: it may come back on its own; draining it moves all of its data", id)
	case pd.StateNameOffline:
		return done(p.fail("store %d is Offline: it is already being drained", id))
	default:
		return done(p.fail("store %d is %s: only an Up, Disconnected or Down store can be drained", id, st.Store.StateName))
	}
	bytes := uint64(st.Status.RegionSize) << 20
	p.res.Predicted["store_id"] = uint64(id)
	p.res.Predicted["regions_to_move"] = st.Status.RegionCount
	p.res.Predicted["bytes_to_move"] = bytes

	cfg, err := p.pdUp(ctx)
	if err != nil {
		return done(err)
	}
	rep, err := p.pdc.GetReplicationConfig(ctx)
	if err != nil {
		return fmt.Errorf("read replication config: %w", err)
	}
	allUp, down, err := p.storeHealth(ctx)
	if err != nil {
		return err
	}
	var up []pd.StoreInfo
	for _, s := range allUp {
		if s.Store.ID != id {
			up = append(up, s)
		}
	}
	unhealthy := map[pd.StoreID]pd.StoreStateName{id: "being drained"}
	for sid, state := range down {
		unhealthy[sid] = state
	}
	// Any other Up store may receive replicas; the drained one loses all.
	p.blast(len(up)+1, st.Status.RegionCount, mib(st.Status.RegionSize))
	if uint64(len(up)) < rep.MaxReplicas {
		return done(p.fail("only %d other Up stores would remain, and max-replicas is %d: PD would have nowhere to put the replicas", len(up), rep.MaxReplicas))
	}
	p.ok("%d other Up stores remain for max-replicas %d", len(up), rep.MaxReplicas)

	// Room: free space above PD's low-space line on the other Up stores.
	need := max(uint64(st.Status.UsedSize), bytes)
	var room uint64
	for _, s := range up {
		_, free := lowSpace(s.Status, cfg.LowSpaceRatio)
		room += free
	}
	p.res.Predicted["room_bytes"] = room
	if room < need {
		return done(p.fail("the other Up stores have %s free above PD's low-space line (low-space-ratio %.2f) but store %d holds %s: they cannot take its data",
			pd.ByteSize(room), cfg.LowSpaceRatio, id, pd.ByteSize(need)))
	}
	p.ok("the other Up stores have room: %s free above the low-space line for %s from store %d", pd.ByteSize(room), pd.ByteSize(need), id)

	lost, examined, err := p.quorumLoss(ctx, id, unhealthy)
	if err != nil {
		return done(err)
	}
	p.res.Predicted["regions_simulated"] = examined
	var others []string
	for sid, state := range unhealthy {
		if sid != id {
			others = append(others, fmt.Sprintf("store %d %s", sid, state))
		}
	}
	sort.Strings(others)
	if len(lost) > 0 {
		show := lost
		if len(show) > 10 {
			show = show[:10]
		}
		return done(p.fail("draining store %d would leave %d region(s) without a majority of healthy voters, given %s: e.g. %s. Bring the other store(s) back first",
			id, len(lost), strings.Join(others, ", "), strings.Join(show, "; ")))
	}
	if len(others) == 0 {
		p.ok("quorum: no other store is down, disconnected or draining, and no region has a down or pending peer together with store %d", id)
	} else {
		p.ok("quorum: %d region(s) with a replica on store %d and on an unhealthy store (%s) or with down/pending peers keep a healthy majority",
			examined, id, strings.Join(others, ", "))
		p.warn("other stores are not healthy (%s): the drain will move data while redundancy is already reduced", strings.Join(others, ", "))
	}
	return nil
}

// quorumLoss simulates removing store id from every region that also has a
// replica on another unhealthy store or a down or pending peer (PD's
// check lists), and returns those left without a healthy voter majority.
func (p *preflight) quorumLoss(ctx context.Context, id pd.StoreID, unhealthy map[pd.StoreID]pd.StoreStateName) ([]string, int, error) {
	cands := map[pd.RegionID]pd.RegionInfo{}
	add := func(list *pd.RegionsInfo) error {
		for _, r := range list.Regions {
			cands[r.ID] = r
		}
		if len(cands) > p.opts.MaxRegionsToSimulate {
			return p.fail("more than %d regions would need simulating to prove no region loses quorum; refusing rather than guessing", p.opts.MaxRegionsToSimulate)
		}
		return nil
	}
	for _, kind := range []pd.RegionCheck{pd.CheckDownPeer, pd.CheckPendingPeer} {
		list, err := p.pdc.GetRegionsCheck(ctx, kind, pd.Page{})
		if err != nil {
			return nil, 0, fmt.Errorf("read %s regions: %w", kind, err)
		}
		if err := add(list); err != nil {
			return nil, 0, err
		}
	}
	for sid := range unhealthy {
		if sid == id {
			continue
		}
		list, err := p.pdc.GetRegionsByStore(ctx, sid, pd.RegionTypeAll)
		if err != nil {
			return nil, 0, fmt.Errorf("read regions of store %d: %w", sid, err)
		}
		if err := add(list); err != nil {
			return nil, 0, err
		}
	}
	var lost []string
	examined := 0
	ids := make([]pd.RegionID, 0, len(cands))
	for rid := range cands {
		ids = append(ids, rid)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, rid := range ids {
		r := cands[rid]
		onTarget := false
		for _, q := range r.Peers {
			onTarget = onTarget || q.StoreID == id
		}
		if !onTarget {
			continue
		}
		examined++
		voters, healthy := 0, 0
		for _, q := range r.Peers {
			if !isVoter(q) {
				continue
			}
			voters++
			if _, bad := unhealthy[q.StoreID]; bad || downIn(r.DownPeers, q.ID) || peerIn(r.PendingPeers, q.ID) {
				continue
			}
			healthy++
		}
		if healthy*2 <= voters {
			lost = append(lost, fmt.Sprintf("region %d would keep %d healthy of %d voters (replicas on stores %s)", r.ID, healthy, voters, peerStores(r.Peers)))
		}
	}
	return lost, examined, nil
}
