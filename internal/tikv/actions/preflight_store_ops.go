package actions

import (
	"context"
	"fmt"
	"slices"

	"github.com/operator-dev/operator/internal/tikv/pd"
)

// Store actions other than the drain: each touches one store's state or
// settings. Those that change a setting record its current value, so the
// compensating action can put back exactly what was there.

// storeParam reads the store named by store_id; a missing one fails.
func (p *preflight) storeParam(ctx context.Context) (*pd.StoreInfo, error) {
	n, err := p.id("store_id")
	if err != nil {
		return nil, err
	}
	p.res.Predicted["store_id"] = n
	return p.store(ctx, pd.StoreID(n))
}

// notTombstone fails for a Tombstone store: PD answers its writes with 410.
func (p *preflight) notTombstone(st *pd.StoreInfo) error {
	if st.Store.StateName == pd.StateNameTombstone {
		return p.fail("store %d is Tombstone: it has left the cluster and PD refuses changes to it", st.Store.ID)
	}
	p.ok("store %d is %s, not Tombstone", st.Store.ID, st.Store.StateName)
	return nil
}

func (p *preflight) cancelDrain(ctx context.Context) error {
	st, err := p.storeParam(ctx)
	if err != nil {
		return done(err)
	}
	id := st.Store.ID
	p.blast(1, 0, 0)
	if err := p.pdLeader(ctx); err != nil {
		return done(err)
	}
	switch st.Store.StateName {
	case pd.StateNameOffline:
	case pd.StateNameTombstone:
		return done(p.fail("store %d is Tombstone: its drain finished and it cannot be brought back", id))
	default:
		return done(p.fail("store %d is %s: nothing to cancel (only an Offline store is draining)", id, st.Store.StateName))
	}
	if st.Store.PhysicallyDestroyed {
		return done(p.fail("store %d was removed with force (physically destroyed): PD refuses to set it Up again", id))
	}
	p.ok("store %d is Offline (draining) and can be set Up", id)
	p.res.Predicted["regions_left"] = st.Status.RegionCount
	p.warn("replicas already moved off store %d stay where they are; PD's balance schedulers bring data back over time", id)
	return nil
}

func (p *preflight) evictLeaders(ctx context.Context) error {
	st, err := p.storeParam(ctx)
	if err != nil {
		return done(err)
	}
	id := st.Store.ID
	if st.Store.StateName != pd.StateNameUp {
		return done(p.fail("store %d is %s, not Up: evict leaders only from a serving store", id, st.Store.StateName))
	}
	p.ok("store %d is Up", id)
	p.res.Predicted["leaders_to_move"] = st.Status.LeaderCount
	p.blast(1, st.Status.LeaderCount, 0)
	if _, err := p.pdUp(ctx); err != nil {
		return done(err)
	}
	evicted, err := p.pdc.GetEvictLeaderStores(ctx)
	if err != nil {
		return fmt.Errorf("read evict-leader-scheduler stores: %w", err)
	}
	if slices.Contains(evicted, id) {
		p.warn("evict-leader-scheduler already names store %d: nothing would change", id)
	}
	up, _, err := p.storeHealth(ctx)
	if err != nil {
		return err
	}
	// Leaders go to the other Up stores whose leaders are not evicted too.
	var takers []pd.StoreID
	for _, s := range up {
		if s.Store.ID != id && !slices.Contains(evicted, s.Store.ID) {
			takers = append(takers, s.Store.ID)
		}
	}
	if len(takers) < 2 {
		return done(p.fail("only %d other Up store(s) without evicted leaders (%v) could take the leaders of store %d; at least 2 are needed (evicted already: %v)",
			len(takers), takers, id, evicted))
	}
	p.ok("%d other Up stores can take the %d leaders of store %d: %v", len(takers), st.Status.LeaderCount, id, takers)
	return nil
}

func (p *preflight) removeEvictLeaders(ctx context.Context) error {
	st, err := p.storeParam(ctx)
	if err != nil {
		return done(err)
	}
	id := st.Store.ID
	p.blast(1, 0, 0)
	if err := p.pdLeader(ctx); err != nil {
		return done(err)
	}
	evicted, err := p.pdc.GetEvictLeaderStores(ctx)
	if err != nil {
		return fmt.Errorf("read evict-leader-scheduler stores: %w", err)
	}
	if !slices.Contains(evicted, id) {
		names := "no store: PD runs no evict-leader-scheduler"
		if len(evicted) > 0 {
			names = fmt.Sprintf("stores %v", evicted)
		}
		return done(p.fail("evict-leader-scheduler does not name store %d (it names %s): nothing to remove", id, names))
	}
	p.ok("evict-leader-scheduler names store %d", id)
	if st.Store.StateName != pd.StateNameUp {
		p.warn("store %d is %s: leaders can return only once it is Up", id, st.Store.StateName)
	}
	return nil
}

func (p *preflight) setStoreWeight(ctx context.Context) error {
	st, err := p.storeParam(ctx)
	if err != nil {
		return done(err)
	}
	if err := p.notTombstone(st); err != nil {
		return done(err)
	}
	lw, err := p.number("leader_weight")
	if err != nil {
		return done(err)
	}
	rw, err := p.number("region_weight")
	if err != nil {
		return done(err)
	}
	p.ok("weights leader %v, region %v are within the registry's range", lw, rw)
	p.blast(1, 0, 0)
	if err := p.pdLeader(ctx); err != nil {
		return done(err)
	}
	id := st.Store.ID
	from := map[string]any{"leader_weight": st.Status.LeaderWeight, "region_weight": st.Status.RegionWeight}
	p.res.Predicted["from"] = from
	p.res.Predicted["to"] = map[string]any{"leader_weight": lw, "region_weight": rw}
	p.ok("store %d weights are now leader %v, region %v (recorded for the undo)", id, st.Status.LeaderWeight, st.Status.RegionWeight)
	if lw == st.Status.LeaderWeight && rw == st.Status.RegionWeight {
		p.warn("store %d already has these weights: nothing would change", id)
	}
	// PD divides a store's score by its weight and treats 0 as a tiny
	// weight, so a 0 pushes nearly everything of that kind off the store.
	if lw == 0 {
		p.warn("leader_weight 0 makes PD move nearly every leader off store %d", id)
	}
	if rw == 0 {
		p.warn("region_weight 0 makes PD move nearly every replica off store %d", id)
	}
	return nil
}

func (p *preflight) setStoreLimit(ctx context.Context) error {
	st, err := p.storeParam(ctx)
	if err != nil {
		return done(err)
	}
	if err := p.notTombstone(st); err != nil {
		return done(err)
	}
	typ, err := p.str("type")
	if err != nil {
		return done(err)
	}
	rate, err := p.number("rate")
	if err != nil {
		return done(err)
	}
	p.ok("%s rate %v per minute is within the registry's range", typ, rate)
	p.blast(1, 0, 0)
	if err := p.pdLeader(ctx); err != nil {
		return done(err)
	}
	id := st.Store.ID
	limits, err := p.pdc.GetStoreLimits(ctx)
	if err != nil {
		return fmt.Errorf("read store limits: %w", err)
	}
	cur, ok := limits[id]
	if !ok {
		return done(p.fail("PD reports no limits for store %d, so the current rate cannot be recorded for the undo", id))
	}
	from := cur.AddPeer
	if typ == string(pd.StoreLimitRemovePeer) {
		from = cur.RemovePeer
	}
	p.res.Predicted["type"] = typ
	p.res.Predicted["from"] = from
	p.res.Predicted["to"] = rate
	p.ok("store %d %s limit is now %v per minute (recorded for the undo)", id, typ, from)
	if from == rate {
		p.warn("store %d %s limit is already %v: nothing would change", id, typ, rate)
	}
	return nil
}
