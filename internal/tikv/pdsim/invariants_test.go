package pdsim

import (
	"errors"
	"fmt"
	"sort"
)

// checkInvariants verifies that the model is self-consistent: everything
// kept incrementally equals a full recount, and the key space, the region
// maps, the statistics and the operator tables agree. It must be called
// with c.mu held (or with nothing else running).
func checkInvariants(c *Cluster) error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	// Key space: byKey sorted, contiguous, covering everything, and the
	// same regions as c.regions.
	if len(c.byKey) != len(c.regions) {
		bad("byKey has %d regions, c.regions %d", len(c.byKey), len(c.regions))
	}
	for i, r := range c.byKey {
		if c.regions[r.ID] != r {
			bad("byKey[%d] region %d is not c.regions[%d]", i, r.ID, r.ID)
		}
		if i == 0 && r.StartKey != "" {
			bad("first region %d starts at %q, want \"\"", r.ID, r.StartKey)
		}
		if i == len(c.byKey)-1 && r.EndKey != "" {
			bad("last region %d ends at %q, want \"\"", r.ID, r.EndKey)
		}
		if i > 0 && c.byKey[i-1].EndKey != r.StartKey {
			bad("hole/overlap: region %d ends at %q, next region %d starts at %q", c.byKey[i-1].ID, c.byKey[i-1].EndKey, r.ID, r.StartKey)
		}
		if r.EndKey != "" && r.StartKey >= r.EndKey {
			bad("region %d has empty range [%q, %q)", r.ID, r.StartKey, r.EndKey)
		}
	}

	// Regions: a leader among the peers and not a learner (a region that
	// lost its quorum keeps its old leader, which is still a peer), one
	// peer per store, pending and down peers are peers.
	for id, r := range c.regions {
		if r.ID != id {
			bad("c.regions[%d] holds region %d", id, r.ID)
		}
		lp := r.leaderPeer()
		switch {
		case lp == nil:
			bad("region %d: leader %d is not one of its peers %v", id, r.Leader, r.Peers)
		case lp.Role == RoleLearner:
			bad("region %d: leader %d is a learner", id, r.Leader)
		}
		stores, peers := map[StoreID]bool{}, map[PeerID]bool{}
		for _, p := range r.Peers {
			if stores[p.StoreID] {
				bad("region %d: two peers on store %d: %v", id, p.StoreID, r.Peers)
			}
			if peers[p.ID] {
				bad("region %d: peer id %d twice", id, p.ID)
			}
			stores[p.StoreID], peers[p.ID] = true, true
		}
		for p := range r.Pending {
			if !peers[p] {
				bad("region %d: pending peer %d is not a peer", id, p)
			}
		}
		for p := range r.DownSince {
			if !peers[p] {
				bad("region %d: down peer %d is not a peer", id, p)
			}
		}
	}

	// Store counters against a recount over regions.
	type counts struct {
		leaders, regions, learners, pending int
		leaderSize, regionSize              int64
		leaderKeys, regionKeys              int64
		sending, receiving                  int
	}
	want := map[StoreID]*counts{}
	for id := range c.stores {
		want[id] = &counts{}
	}
	for _, r := range c.regions {
		for _, p := range r.Peers {
			w := want[p.StoreID]
			if w == nil {
				continue
			}
			w.regions++
			w.regionSize += r.ApproxSize
			w.regionKeys += r.ApproxKeys
			if p.Role == RoleLearner {
				w.learners++
			}
			if r.Pending[p.ID] {
				w.pending++
			}
			if p.ID == r.Leader {
				w.leaders++
				w.leaderSize += r.ApproxSize
				w.leaderKeys += r.ApproxKeys
			}
		}
	}
	for _, op := range c.ops.running {
		if op.snap == nil {
			continue
		}
		if w := want[op.snap.to]; w != nil {
			w.receiving++
		}
		if w := want[op.snap.from]; w != nil {
			w.sending++
		}
	}
	for id, s := range c.stores {
		w := want[id]
		got := counts{s.leaderCount, s.regionCount, s.learnerCount, s.pendingCount,
			s.leaderSize, s.regionSize, s.leaderKeys, s.regionKeys, s.sendingSnaps, s.receivingSnaps}
		if got != *w {
			bad("store %d counters %+v, recount %+v", id, got, *w)
		}
	}

	// Statistics: flagged sets are the recomputed flags; what is shown is
	// a subset of the live regions and matches r.shown; stale lists
	// exactly the regions whose shown flags lag.
	for id, r := range c.regions {
		if f := c.flagsOf(r); f != r.flags {
			bad("region %d: flags %b, recomputed %b", id, r.flags, f)
		}
		for _, flag := range allFlags {
			if in := c.flagged[flag].has(id); in != (r.flags&flag != 0) {
				bad("region %d: in flagged[%b] = %v, flags %b", id, flag, in, r.flags)
			}
		}
		for _, flag := range checkKinds {
			_, shown := c.stats.shown[flag][id]
			if shown != (r.shown&flag != 0) {
				bad("region %d: in shown[%b] = %v, shown flags %b", id, flag, shown, r.shown)
			}
		}
		_, stale := c.stats.stale[id]
		if stale != (r.flags&statFlags != r.shown) {
			bad("region %d: stale = %v, flags %b shown %b", id, stale, r.flags, r.shown)
		}
	}
	for _, flag := range allFlags {
		set := c.flagged[flag]
		for i, id := range set.ids {
			if c.regions[id] == nil {
				bad("flagged[%b] holds missing region %d", flag, id)
			}
			if i > 0 && set.ids[i-1] >= id {
				bad("flagged[%b] is not sorted at %d", flag, i)
			}
		}
	}
	for _, flag := range checkKinds {
		for id := range c.stats.shown[flag] {
			if c.regions[id] == nil {
				bad("stats.shown[%b] holds missing region %d", flag, id)
			}
		}
	}
	for id := range c.stats.stale {
		if c.regions[id] == nil {
			bad("stats.stale holds missing region %d", id)
		}
	}

	// Operators: running ones are started, on live regions, under their
	// own region's id, and expect the region's current epoch; records
	// only hold finished ones.
	for id, op := range c.ops.running {
		if op.regionID != id {
			bad("running[%d] holds the operator of region %d", id, op.regionID)
		}
		if op.status != opStarted {
			bad("running operator on region %d has status %v", id, op.status)
		}
		r := c.regions[id]
		if r == nil {
			bad("running operator %s on missing region %d", op.desc, id)
			continue
		}
		if op.expect != r.Epoch {
			bad("running operator %s on region %d expects epoch %+v, region has %+v", op.desc, id, op.expect, r.Epoch)
		}
		if op.currentStep >= len(op.steps) {
			bad("running operator %s on region %d is past its last step", op.desc, id)
		}
	}
	for id, op := range c.ops.records {
		if !op.status.finished() {
			bad("record of region %d is not finished (status %v)", id, op.status)
		}
		if op.snap != nil {
			bad("record of region %d still holds a snapshot", id)
		}
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	if len(errs) > 10 {
		errs = append(errs[:10], fmt.Errorf("... and %d more", len(errs)-10))
	}
	return errors.Join(errs...)
}
