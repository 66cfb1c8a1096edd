package actions

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/operator-dev/operator/internal/tikv/pd"
)

// region reads the region named by region_id; a missing one fails.
func (p *preflight) region(ctx context.Context) (*pd.RegionInfo, error) {
	n, err := p.id("region_id")
	if err != nil {
		return nil, err
	}
	id := pd.RegionID(n)
	r, err := p.pdc.GetRegion(ctx, id)
	if errors.Is(err, pd.ErrNotFound) {
		return nil, p.fail("region %d does not exist in PD (merged away, or a wrong id)", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read region %d: %w", id, err)
	}
	p.ok("region %d exists (%d peers, leader on store %d, %d MiB)", id, len(r.Peers), r.Leader.StoreID, r.ApproximateSize)
	return r, nil
}

// noRunningOperator fails when PD has an operator running on the region:
// PD would refuse a second one, and the first may be doing the same job.
func (p *preflight) noRunningOperator(ctx context.Context, id pd.RegionID) error {
	op, err := p.pdc.GetOperator(ctx, id)
	if errors.Is(err, pd.ErrNotFound) {
		p.ok("region %d has no operator in PD", id)
		return nil
	}
	if err != nil {
		return fmt.Errorf("read operator of region %d: %w", id, err)
	}
	if !op.State.Ended() {
		return p.fail("region %d already has an operator in PD (%s: %s, %s); PD would refuse another until it ends or is cancelled",
			id, op.Desc, op.Brief, op.State)
	}
	p.ok("region %d has no running operator (the last one, %s, ended %s)", id, op.Desc, op.State)
	return nil
}

// store reads a store; a missing one fails.
func (p *preflight) store(ctx context.Context, id pd.StoreID) (*pd.StoreInfo, error) {
	s, err := p.pdc.GetStore(ctx, id)
	if errors.Is(err, pd.ErrNotFound) || errors.Is(err, pd.ErrGone) {
		return nil, p.fail("store %d does not exist in PD (or was removed)", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read store %d: %w", id, err)
	}
	p.ok("store %d exists (%s)", id, s.Store.Address)
	return s, nil
}

func isVoter(peer pd.RegionPeer) bool {
	return !peer.IsLearner && peer.Role != pd.RoleLearner
}

func peerIn(list []pd.RegionPeer, id pd.PeerID) bool {
	for _, q := range list {
		if q.ID == id {
			return true
		}
	}
	return false
}

func downIn(list []pd.DownPeer, id pd.PeerID) bool {
	for _, q := range list {
		if q.Peer.ID == id {
			return true
		}
	}
	return false
}

func (p *preflight) transferLeader(ctx context.Context) error {
	r, err := p.region(ctx)
	if err != nil {
		return done(err)
	}
	to, err := p.id("to_store_id")
	if err != nil {
		return done(err)
	}
	target := pd.StoreID(to)
	p.res.Predicted["region_id"] = uint64(r.ID)
	p.res.Predicted["leader_from"] = uint64(r.Leader.StoreID)
	p.res.Predicted["leader_to"] = uint64(target)

	st, err := p.store(ctx, target)
	if err != nil {
		return done(err)
	}
	if st.Store.StateName != pd.StateNameUp {
		return done(p.fail("target store %d is %s, not Up: a leader there could not serve", target, st.Store.StateName))
	}
	p.ok("target store %d is Up", target)

	cfg, err := p.pdUp(ctx)
	if err != nil {
		return done(err)
	}
	if low, _ := lowSpace(st.Status, cfg.LowSpaceRatio); low {
		return done(p.fail("target store %d is low on space (%s of %s free; PD's low-space-ratio is %.2f)",
			target, st.Status.Available, st.Status.Capacity, cfg.LowSpaceRatio))
	}
	p.ok("target store %d is not low on space (%s free, %s)", target, st.Status.Available, pct(st.Status.Available, st.Status.Capacity))

	var peer *pd.RegionPeer
	for i := range r.Peers {
		if r.Peers[i].StoreID == target {
			peer = &r.Peers[i]
		}
	}
	switch {
	case peer == nil:
		return done(p.fail("store %d holds no replica of region %d (its replicas are on stores %s); a leader can only move to a store with a voter",
			target, r.ID, peerStores(r.Peers)))
	case !isVoter(*peer):
		return done(p.fail("store %d holds only a %s of region %d, not a voter; a learner cannot lead", target, peer.RoleName, r.ID))
	case downIn(r.DownPeers, peer.ID):
		return done(p.fail("the replica of region %d on store %d is reported down; it cannot take the leadership", r.ID, target))
	case peerIn(r.PendingPeers, peer.ID):
		return done(p.fail("the replica of region %d on store %d is pending (behind on the Raft log); it cannot take the leadership yet", r.ID, target))
	}
	p.ok("store %d holds a healthy voter of region %d (peer %d)", target, r.ID, peer.ID)

	if r.Leader.StoreID == target {
		p.warn("region %d is already led from store %d: nothing would change", r.ID, target)
		p.ok("region %d is already led from store %d (no-op)", r.ID, target)
	} else {
		p.ok("region %d is led from store %d, not from the target", r.ID, r.Leader.StoreID)
	}

	if err := p.noRunningOperator(ctx, r.ID); err != nil {
		return done(err)
	}

	rate, err := p.writeRate(ctx, r.ID)
	if err != nil {
		return done(err)
	}
	p.res.Predicted["write_bytes_per_sec"] = rate
	if rate > p.opts.HotWriteBytesPerSec {
		p.warn("region %d is writing %.1f MiB/s (threshold %.1f MiB/s): its writes stall briefly while the leader moves",
			r.ID, rate/(1<<20), p.opts.HotWriteBytesPerSec/(1<<20))
	}
	p.ok("write rate of region %d checked: %.1f MiB/s (warning above %.1f MiB/s)", r.ID, rate/(1<<20), p.opts.HotWriteBytesPerSec/(1<<20))
	return nil
}

// writeRate is the region's write rate as PD's hot-region statistics see
// it (bytes/s); 0 when PD does not count it as hot.
func (p *preflight) writeRate(ctx context.Context, id pd.RegionID) (float64, error) {
	hot, err := p.pdc.GetHotWriteRegions(ctx, pd.HotRegionsOptions{})
	if err != nil {
		return 0, fmt.Errorf("read hot write regions: %w", err)
	}
	var rate float64
	for _, s := range hot.AsLeader {
		for _, st := range s.Stats {
			if st.RegionID == id && st.ByteRate > rate {
				rate = st.ByteRate
			}
		}
	}
	return rate, nil
}

func peerStores(peers []pd.RegionPeer) string {
	out := ""
	for i, q := range peers {
		if i > 0 {
			out += ", "
		}
		out += strconv.FormatUint(uint64(q.StoreID), 10)
	}
	return out
}

func (p *preflight) splitRegion(ctx context.Context) error {
	r, err := p.region(ctx)
	if err != nil {
		return done(err)
	}
	policy, err := p.str("policy")
	if err != nil {
		return done(err)
	}
	p.ok("split policy %q is one PD accepts", policy)
	p.res.Predicted["region_id"] = uint64(r.ID)
	p.res.Predicted["regions_after"] = 2
	p.res.Predicted["size_mib_each"] = r.ApproximateSize / 2
	if _, err := p.pdUp(ctx); err != nil {
		return done(err)
	}
	if err := p.noRunningOperator(ctx, r.ID); err != nil {
		return done(err)
	}
	if r.ApproximateSize < p.opts.MinSplitSizeMiB {
		p.warn("region %d is only %d MiB (below %d MiB): splitting it makes two tiny regions that PD's merge checker may merge back",
			r.ID, r.ApproximateSize, p.opts.MinSplitSizeMiB)
	}
	p.ok("region %d size checked: %d MiB (warning below %d MiB)", r.ID, r.ApproximateSize, p.opts.MinSplitSizeMiB)
	return nil
}
