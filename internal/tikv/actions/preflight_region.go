package actions

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/operator-dev/operator/internal/tikv/pd"
)

// region reads the region named by region_id; a missing one fails.
func (p *preflight) region(ctx context.Context) (*pd.RegionInfo, error) {
	n, err := p.id("region_id")
	if err != nil {
		return nil, err
	}
	return p.fetchRegion(ctx, pd.RegionID(n))
}

// fetchRegion reads a region; a missing one fails (a proposal may name a
// region that was merged away since, or one that never existed).
func (p *preflight) fetchRegion(ctx context.Context, id pd.RegionID) (*pd.RegionInfo, error) {
	r, err := p.pdc.GetRegion(ctx, id)
	if errors.Is(err, pd.ErrNotFound) {
		return nil, p.fail("region %d does not exist in this cluster (merged away, or a wrong id)", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read region %d: %w", id, err)
	}
	p.ok("region %d exists (%d peers, leader on store %d, %d MiB)", id, len(r.Peers), r.Leader.StoreID, r.ApproximateSize)
	// What an approval is bound to: the region's replicas (and, for a
	// leader transfer, its leader). Not its key range (epoch version):
	// TiKV splits a growing region by size on its own, and balancers move
	// leaders, both leaving most approved actions as meant.
	peers := make([]string, 0, len(r.Peers))
	for _, pr := range r.Peers {
		peers = append(peers, fmt.Sprintf("%d@%d", pr.ID, pr.StoreID))
	}
	if p.spec.Name == TransferLeader {
		p.touch("region %d conf_ver %d leader on store %d peers %s", id, r.Epoch.ConfVer, r.Leader.StoreID, strings.Join(peers, ","))
	} else {
		p.touch("region %d conf_ver %d peers %s", id, r.Epoch.ConfVer, strings.Join(peers, ","))
	}
	return r, nil
}

// regionHealthy fails when the region reports a down or pending replica:
// its redundancy is already reduced, and PD's own repair of it would
// collide with (or be undone by) a manual change.
func (p *preflight) regionHealthy(r *pd.RegionInfo) error { return p.regionHealthyExcept(r, 0) }

// regionHealthyExcept is regionHealthy ignoring the replica on store
// except: removing or moving away a down or lagging replica is the repair
// itself (quorum is checked on its own, before).
func (p *preflight) regionHealthyExcept(r *pd.RegionInfo, except pd.StoreID) error {
	var down []string
	for _, d := range r.DownPeers {
		if except != 0 && d.Peer.StoreID == except {
			continue
		}
		down = append(down, fmt.Sprintf("peer %d on store %d, down %ds", d.Peer.ID, d.Peer.StoreID, d.DownSeconds))
	}
	if len(down) > 0 {
		return p.fail("region %d has %d down replica(s) (%s): repair it before changing it", r.ID, len(down), strings.Join(down, "; "))
	}
	var pending []pd.RegionPeer
	for _, pp := range r.PendingPeers {
		if except == 0 || pp.StoreID != except {
			pending = append(pending, pp)
		}
	}
	if len(pending) > 0 {
		return p.fail("region %d has pending replica(s) on store(s) %s (behind on the Raft log): wait until they catch up",
			r.ID, peerStores(pending))
	}
	if except != 0 {
		p.ok("region %d has no down or pending replica other than the one on store %d", r.ID, except)
		return nil
	}
	p.ok("region %d has no down or pending replica", r.ID)
	return nil
}

// peerOn is the region's replica on a store, nil when it has none there.
func peerOn(r *pd.RegionInfo, store pd.StoreID) *pd.RegionPeer {
	for i := range r.Peers {
		if r.Peers[i].StoreID == store {
			return &r.Peers[i]
		}
	}
	return nil
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
		return nil, p.fail("store %d does not exist in this cluster (a wrong id, or removed)", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read store %d: %w", id, err)
	}
	p.ok("store %d exists (%s)", id, s.Store.Address)
	p.touch("store %d %s", id, s.Store.StateName)
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

	// The leader's store loses the leadership and the target gains it;
	// only the target when it already leads (a no-op).
	stores := 2
	if r.Leader.StoreID == target {
		stores = 1
	}
	p.blast(stores, 1, 0)

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

	peer := peerOn(r, target)
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
