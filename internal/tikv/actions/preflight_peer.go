package actions

import (
	"context"

	"github.com/operator-dev/operator/internal/tikv/pd"
)

// Peer actions change a region's membership: each must leave the region a
// Raft majority of healthy voters at every step, and a new replica needs a
// store that can take it.

// newReplicaStore checks a store that is to receive a new replica of r: it
// exists, is Up, has room for the region above PD's low-space line (PD
// would not place a replica below it) and holds no replica of r yet.
func (p *preflight) newReplicaStore(ctx context.Context, r *pd.RegionInfo, id pd.StoreID, cfg *pd.ScheduleConfig) error {
	st, err := p.store(ctx, id)
	if err != nil {
		return err
	}
	if st.Store.StateName != pd.StateNameUp {
		return p.fail("target store %d is %s, not Up: it cannot take a new replica", id, st.Store.StateName)
	}
	p.ok("target store %d is Up", id)
	low, free := lowSpace(st.Status, cfg.LowSpaceRatio)
	if low {
		return p.fail("target store %d is low on space (%s of %s free; PD's low-space-ratio is %.2f)",
			id, st.Status.Available, st.Status.Capacity, cfg.LowSpaceRatio)
	}
	if need := uint64(mib(r.ApproximateSize)); free < need {
		return p.fail("target store %d has %s free above PD's low-space line but region %d is %s",
			id, pd.ByteSize(free), r.ID, pd.ByteSize(need))
	}
	p.ok("target store %d has room: %s free above the low-space line (low-space-ratio %.2f)", id, pd.ByteSize(free), cfg.LowSpaceRatio)
	if q := peerOn(r, id); q != nil {
		return p.fail("target store %d already holds a replica of region %d (peer %d, %s); a store holds at most one",
			id, r.ID, q.ID, q.RoleName)
	}
	p.ok("target store %d holds no replica of region %d yet", id, r.ID)
	return nil
}

// heldPeer checks that the store exists and holds a replica of r, and
// returns it.
func (p *preflight) heldPeer(ctx context.Context, r *pd.RegionInfo, id pd.StoreID) (*pd.RegionPeer, error) {
	if _, err := p.store(ctx, id); err != nil {
		return nil, err
	}
	q := peerOn(r, id)
	if q == nil {
		return nil, p.fail("store %d holds no replica of region %d (its replicas are on stores %s)", id, r.ID, peerStores(r.Peers))
	}
	p.ok("store %d holds a %s of region %d (peer %d)", id, q.RoleName, r.ID, q.ID)
	return q, nil
}

func (p *preflight) transferPeer(ctx context.Context) error {
	r, err := p.region(ctx)
	if err != nil {
		return done(err)
	}
	fn, err := p.id("from_store_id")
	if err != nil {
		return done(err)
	}
	tn, err := p.id("to_store_id")
	if err != nil {
		return done(err)
	}
	from, to := pd.StoreID(fn), pd.StoreID(tn)
	if from == to {
		return done(p.fail("from_store_id and to_store_id are both %d: nothing would move", from))
	}
	p.res.Predicted["region_id"] = uint64(r.ID)
	p.res.Predicted["from_store_id"] = uint64(from)
	p.res.Predicted["to_store_id"] = uint64(to)
	p.res.Predicted["bytes_to_copy"] = mib(r.ApproximateSize)
	p.blast(2, 1, mib(r.ApproximateSize))

	cfg, err := p.pdUp(ctx)
	if err != nil {
		return done(err)
	}
	if err := p.noRunningOperator(ctx, r.ID); err != nil {
		return done(err)
	}
	peer, err := p.heldPeer(ctx, r, from)
	if err != nil {
		return done(err)
	}
	if err := p.newReplicaStore(ctx, r, to, cfg); err != nil {
		return done(err)
	}

	// PD moves a voter in joint consensus: for a while both the old voter
	// set and the new one (the target instead of the source) must have a
	// healthy majority. The target is Up and counts as healthy once it has
	// caught up, which PD waits for before promoting it.
	_, unhealthy, err := p.storeHealth(ctx)
	if err != nil {
		return err
	}
	voters, why := voterHealth(r, unhealthy)
	oldHealthy, n := healthyWithout(voters, why, 0)
	newHealthy := oldHealthy
	if isVoter(*peer) {
		rest, _ := healthyWithout(voters, why, from)
		newHealthy = rest + 1
	}
	if oldHealthy*2 <= n || newHealthy*2 <= n {
		return done(p.fail("moving the replica of region %d from store %d to store %d would pass through a voter set without a healthy majority (before: %d healthy of %d, after: %d of %d): %s",
			r.ID, from, to, oldHealthy, n, newHealthy, n, describeVoters(voters, why)))
	}
	p.ok("region %d keeps a healthy majority throughout the move (before: %d of %d voters, after: %d of %d)", r.ID, oldHealthy, n, newHealthy, n)
	if err := p.regionHealthyExcept(r, from); err != nil {
		return done(err)
	}
	if r.Leader.StoreID == from {
		p.warn("the replica on store %d leads region %d: PD transfers the leadership first, briefly pausing its requests", from, r.ID)
	}
	return nil
}

func (p *preflight) addPeer(ctx context.Context) error {
	r, err := p.region(ctx)
	if err != nil {
		return done(err)
	}
	sn, err := p.id("store_id")
	if err != nil {
		return done(err)
	}
	id := pd.StoreID(sn)
	p.res.Predicted["region_id"] = uint64(r.ID)
	p.res.Predicted["store_id"] = uint64(id)
	p.res.Predicted["bytes_to_copy"] = mib(r.ApproximateSize)
	p.blast(1, 1, mib(r.ApproximateSize))

	cfg, err := p.pdUp(ctx)
	if err != nil {
		return done(err)
	}
	if err := p.noRunningOperator(ctx, r.ID); err != nil {
		return done(err)
	}
	if err := p.regionHealthy(r); err != nil {
		return done(err)
	}
	return done(p.newReplicaStore(ctx, r, id, cfg))
}

func (p *preflight) removePeer(ctx context.Context) error {
	r, err := p.region(ctx)
	if err != nil {
		return done(err)
	}
	sn, err := p.id("store_id")
	if err != nil {
		return done(err)
	}
	id := pd.StoreID(sn)
	p.res.Predicted["region_id"] = uint64(r.ID)
	p.res.Predicted["store_id"] = uint64(id)
	p.blast(1, 1, 0)

	if _, err := p.pdUp(ctx); err != nil {
		return done(err)
	}
	if err := p.noRunningOperator(ctx, r.ID); err != nil {
		return done(err)
	}
	peer, err := p.heldPeer(ctx, r, id)
	if err != nil {
		return done(err)
	}

	// Quorum comes before the region's own health: a region with a down
	// replica is exactly where removing a healthy one loses the majority,
	// and that is the refusal worth reading.
	_, unhealthy, err := p.storeHealth(ctx)
	if err != nil {
		return err
	}
	voters, why := voterHealth(r, unhealthy)
	healthy, left := healthyWithout(voters, why, 0)
	if isVoter(*peer) {
		healthy, left = healthyWithout(voters, why, id)
		if healthy*2 <= left {
			return done(p.fail("removing the replica of region %d on store %d would leave %d healthy of %d voters, not a Raft majority: %s",
				r.ID, id, healthy, left, describeVoters(voters, why)))
		}
	}
	p.res.Predicted["voters_after"] = left
	p.ok("region %d keeps a healthy majority without store %d: %d healthy of %d voters", r.ID, id, healthy, left)

	if r.Leader.StoreID == id {
		if healthy == 0 {
			return done(p.fail("the replica on store %d leads region %d and no other healthy voter could take over: %s",
				id, r.ID, describeVoters(voters, why)))
		}
		p.warn("the replica on store %d leads region %d: PD transfers the leadership to another voter first, briefly pausing its requests", id, r.ID)
	}
	if err := p.regionHealthyExcept(r, id); err != nil {
		return done(err)
	}
	p.warn("region %d runs on %d voter(s) until PD adds a replica back elsewhere (its rule checker does once resumed)", r.ID, left)
	return nil
}
