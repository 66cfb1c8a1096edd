package pd_test

import (
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

func TestSimStoresAddUp(t *testing.T) {
	e := newSimEnv(t, pdsim.Options{}, nil)
	stores, err := e.pd.GetStores(e.ctx(), pd.GetStoresOptions{})
	must(t, "get stores", err)
	if stores.Count != 5 || len(stores.Stores) != 5 {
		t.Fatalf("stores: count %d, %d listed", stores.Count, len(stores.Stores))
	}
	regions, leaders := 0, 0
	for _, s := range stores.Stores {
		if s.Store.StateName != pd.StateNameUp || s.Store.State != pd.StoreUp || s.Store.NodeState != pd.NodeServing {
			t.Errorf("store %d: state %v/%v/%v", s.Store.ID, s.Store.State, s.Store.NodeState, s.Store.StateName)
		}
		if s.Status.Capacity == 0 || s.Status.Available == 0 || s.Status.Available > s.Status.Capacity {
			t.Errorf("store %d: capacity %v available %v", s.Store.ID, s.Status.Capacity, s.Status.Available)
		}
		if s.Store.LastHeartbeatTime().IsZero() || s.Store.Address == "" {
			t.Errorf("store %d: meta %+v", s.Store.ID, s.Store)
		}
		regions += s.Status.RegionCount
		leaders += s.Status.LeaderCount
		one, err := e.pd.GetStore(e.ctx(), s.Store.ID)
		must(t, "get store", err)
		if one.Store.ID != s.Store.ID || one.Status.RegionCount != s.Status.RegionCount {
			t.Errorf("GetStore(%d) = %+v, list said %+v", s.Store.ID, one, s)
		}
	}
	if regions != 3*300 || leaders != 300 {
		t.Fatalf("sum of region_count %d (want 900), leader_count %d (want 300)", regions, leaders)
	}
	for _, tc := range []struct {
		states []pd.StoreStateName
		want   int
	}{
		{nil, 5}, {[]pd.StoreStateName{pd.StateNameUp}, 5}, {[]pd.StoreStateName{pd.StateNameDown}, 0},
		{[]pd.StoreStateName{pd.StateNameOffline, pd.StateNameTombstone}, 0},
	} {
		got, err := e.pd.GetStoresCheck(e.ctx(), tc.states...)
		must(t, "check stores", err)
		if got.Count != tc.want || len(got.Stores) != tc.want {
			t.Errorf("GetStoresCheck(%v) = %d stores, want %d", tc.states, got.Count, tc.want)
		}
	}
	_, err = e.pd.GetStore(e.ctx(), 99)
	pe := wantPDError(t, "get store 99", err, pd.ErrNotFound)
	if pe.Code != "PD:core:ErrStoreNotFound" || pe.Status != 404 {
		t.Errorf("get store 99: %+v", pe)
	}
	_, err = e.pd.GetStoresProgress(e.ctx(), pd.ProgressRemoving)
	wantPDError(t, "progress with nothing removing", err, pd.ErrNotFound)
}

func TestSimRegionCountsAndPaging(t *testing.T) {
	e := newSimEnv(t, pdsim.Options{}, nil)
	n, err := e.pd.GetRegionCount(e.ctx())
	must(t, "region count", err)
	if n != 300 {
		t.Fatalf("GetRegionCount = %d, want 300", n)
	}
	all, err := e.pd.GetRegions(e.ctx())
	must(t, "get regions", err)
	if all.Count != 300 || len(all.Regions) != 300 {
		t.Fatalf("GetRegions: count %d, %d listed", all.Count, len(all.Regions))
	}

	// Page through the key space 64 at a time.
	seen := map[pd.RegionID]bool{}
	key, pages, prevEnd := "", 0, ""
	for {
		page, err := e.pd.GetRegionsByKey(e.ctx(), key, 64)
		must(t, "scan", err)
		pages++
		if page.Count != len(page.Regions) || len(page.Regions) == 0 || len(page.Regions) > 64 {
			t.Fatalf("page %d: count %d, %d regions", pages, page.Count, len(page.Regions))
		}
		for _, r := range page.Regions {
			if seen[r.ID] {
				t.Fatalf("region %d seen twice", r.ID)
			}
			seen[r.ID] = true
			if r.StartKey != prevEnd {
				t.Fatalf("region %d starts at %q, previous ended at %q: a hole or overlap", r.ID, r.StartKey, prevEnd)
			}
			prevEnd = r.EndKey
		}
		key = page.Regions[len(page.Regions)-1].EndKey
		if key == "" {
			break
		}
		if pages > 10 {
			t.Fatal("paging does not end")
		}
	}
	if len(seen) != 300 || pages != 5 {
		t.Fatalf("paging saw %d regions in %d pages, want 300 in 5", len(seen), pages)
	}
	for _, r := range all.Regions {
		if !seen[r.ID] {
			t.Errorf("region %d missed by paging", r.ID)
		}
	}
}

func TestSimRegionLookups(t *testing.T) {
	e := newSimEnv(t, pdsim.Options{}, nil)
	regions := e.allRegions()
	for _, i := range []int{0, 1, 150, 298, 299} {
		want := regions[i]
		got := e.region(want.ID)
		if got.ID != want.ID || got.StartKey != want.StartKey || len(got.Peers) != 3 || got.Leader.ID == 0 {
			t.Fatalf("GetRegion(%d) = %+v", want.ID, got)
		}
		if _, ok := got.PeerOnStore(got.Leader.StoreID); !ok {
			t.Errorf("region %d: leader %+v is not one of its peers", got.ID, got.Leader)
		}
		if got.ApproximateSize <= 0 || got.Epoch.Version == 0 || got.Epoch.ConfVer == 0 {
			t.Errorf("region %d: size %d epoch %+v", got.ID, got.ApproximateSize, got.Epoch)
		}
		// A key strictly inside the region (its start key plus a byte),
		// and the start key itself, both belong to it.
		keys := []string{want.StartKey + "00"}
		if want.StartKey != "" {
			keys = append(keys, want.StartKey)
		}
		for _, k := range keys {
			byKey, err := e.pd.GetRegionByKey(e.ctx(), k)
			must(t, "region by key", err)
			if byKey.ID != want.ID {
				t.Errorf("GetRegionByKey(%s) = region %d [%q,%q), want %d [%q,%q)", k, byKey.ID, byKey.StartKey, byKey.EndKey, want.ID, want.StartKey, want.EndKey)
			}
		}
		sib, err := e.pd.GetRegionSiblings(e.ctx(), want.ID)
		must(t, "siblings", err)
		wantSibs := 2
		if i == 0 || i == 299 {
			wantSibs = 1
		}
		if sib.Count != wantSibs || len(sib.Regions) != wantSibs {
			t.Errorf("siblings of region #%d: %d", i, sib.Count)
		}
		for _, s := range sib.Regions {
			if s.EndKey != want.StartKey && s.StartKey != want.EndKey {
				t.Errorf("sibling %d [%q,%q) is not adjacent to %d", s.ID, s.StartKey, s.EndKey, want.ID)
			}
		}
	}
	_, err := e.pd.GetRegion(e.ctx(), 999999)
	pe := wantPDError(t, "missing region", err, pd.ErrNotFound)
	if pe.Code != "PD:region:ErrRegionNotFound" {
		t.Errorf("missing region: code %q", pe.Code)
	}
	_, err = e.pd.GetRegionSiblings(e.ctx(), 999999)
	wantPDError(t, "siblings of a missing region", err, pd.ErrNotFound)

	for _, m := range []pd.TopMetric{pd.TopWriteFlow, pd.TopReadFlow, pd.TopWriteQuery, pd.TopReadQuery, pd.TopConfVer, pd.TopVersion, pd.TopSize, pd.TopKeys, pd.TopCPU} {
		top, err := e.pd.GetTopRegions(e.ctx(), m, 7)
		must(t, "top "+m.String(), err)
		if top.Count != 7 || len(top.Regions) != 7 {
			t.Errorf("top %s: count %d, %d listed", m, top.Count, len(top.Regions))
		}
	}
	stats, err := e.pd.GetRegionStats(e.ctx())
	must(t, "region stats", err)
	sumLeaders, sumPeers := 0, 0
	for _, n := range stats.StoreLeaderCount {
		sumLeaders += n
	}
	for _, n := range stats.StorePeerCount {
		sumPeers += n
	}
	if stats.Count != 300 || sumLeaders != 300 || sumPeers != 900 || stats.StorageSize <= 0 {
		t.Errorf("region stats: count %d, leaders %d, peers %d, size %d", stats.Count, sumLeaders, sumPeers, stats.StorageSize)
	}
}

func TestSimRegionsByStore(t *testing.T) {
	e := newSimEnv(t, pdsim.Options{}, nil)
	// A learner somewhere makes the learner type non-trivial.
	must(t, "pause rule checker", e.pd.PauseChecker(e.ctx(), pd.CheckerRule, 10*time.Minute))
	r := e.pickRegion()
	learnerOn := freeStore(t, r, 5)
	must(t, "add learner", e.pd.CreateOperator(e.ctx(), pd.AddLearner(r.ID, learnerOn)))
	e.advance(2 * time.Second)
	if op := e.operatorOf(r.ID); op.State != pd.OperatorSuccess {
		t.Fatalf("add learner: %s", op.Raw)
	}

	totalLeaders := 0
	for id := pd.StoreID(1); id <= 5; id++ {
		st := e.store(id)
		byType := map[pd.RegionType]*pd.RegionsInfo{}
		for _, typ := range []pd.RegionType{pd.RegionTypeAll, pd.RegionTypeLeader, pd.RegionTypeFollower, pd.RegionTypeLearner} {
			rs, err := e.pd.GetRegionsByStore(e.ctx(), id, typ)
			must(t, "regions of store "+typ.String(), err)
			if rs.Count != len(rs.Regions) {
				t.Fatalf("store %d %s: count %d, %d listed", id, typ, rs.Count, len(rs.Regions))
			}
			byType[typ] = rs
			for _, reg := range rs.Regions {
				p, ok := reg.PeerOnStore(id)
				if !ok {
					t.Fatalf("store %d %s: region %d has no peer there", id, typ, reg.ID)
				}
				isLeader := reg.Leader.StoreID == id
				var good bool
				switch typ {
				case pd.RegionTypeAll:
					good = true
				case pd.RegionTypeLeader:
					good = isLeader
				case pd.RegionTypeFollower:
					good = !isLeader && p.Role != pd.RoleLearner
				case pd.RegionTypeLearner:
					good = p.Role == pd.RoleLearner && p.IsLearner && p.RoleName == "Learner"
				}
				if !good {
					t.Errorf("store %d %s: region %d peer %+v leader %+v", id, typ, reg.ID, p, reg.Leader)
				}
			}
		}
		all, lead, fol, lrn := byType[pd.RegionTypeAll].Count, byType[pd.RegionTypeLeader].Count, byType[pd.RegionTypeFollower].Count, byType[pd.RegionTypeLearner].Count
		if all != lead+fol+lrn {
			t.Errorf("store %d: all %d != leader %d + follower %d + learner %d", id, all, lead, fol, lrn)
		}
		if all != st.Status.RegionCount || lead != st.Status.LeaderCount || lrn != st.Status.LearnerCount {
			t.Errorf("store %d: lists all/leader/learner %d/%d/%d, status says %d/%d/%d", id, all, lead, lrn,
				st.Status.RegionCount, st.Status.LeaderCount, st.Status.LearnerCount)
		}
		if wantLearners := map[bool]int{true: 1, false: 0}[id == learnerOn]; lrn != wantLearners {
			t.Errorf("store %d: %d learners, want %d", id, lrn, wantLearners)
		}
		totalLeaders += lead
	}
	if totalLeaders != 300 {
		t.Errorf("leaders over all stores: %d", totalLeaders)
	}
	empty, err := e.pd.GetRegionsByStore(e.ctx(), 99, pd.RegionTypeAll)
	must(t, "regions of a missing store", err)
	if empty.Count != 0 || len(empty.Regions) != 0 {
		t.Errorf("missing store: %+v", empty)
	}
	_, err = e.pd.GetRegionsByStore(e.ctx(), 1, pd.RegionType(42))
	wantKind(t, "unknown region type", err, pd.ErrInvalidArgument)
}

func TestSimRegionsCheckDecodes(t *testing.T) {
	e := newSimEnv(t, pdsim.Options{}, nil)
	// Keep PD from repairing, so one region misses a peer and another
	// carries a learner.
	must(t, "pause rule checker", e.pd.PauseChecker(e.ctx(), pd.CheckerRule, 10*time.Minute))
	lost := e.pickRegion()
	e.inject(pdsim.Fault{Type: "lose-peers", Region: uint64(lost.ID), Count: 1})
	learner := e.pickRegion(lost.ID)
	must(t, "add learner", e.pd.CreateOperator(e.ctx(), pd.AddLearner(learner.ID, freeStore(t, learner, 5))))
	e.advance(2 * time.Second)
	want := map[pd.RegionCheck]pd.RegionID{pd.CheckMissPeer: lost.ID, pd.CheckLearnerPeer: learner.ID}
	for _, kind := range []pd.RegionCheck{pd.CheckMissPeer, pd.CheckExtraPeer, pd.CheckPendingPeer, pd.CheckDownPeer,
		pd.CheckLearnerPeer, pd.CheckEmptyRegion, pd.CheckOfflinePeer, pd.CheckOversizedRegion, pd.CheckUndersizedRegion} {
		t.Run(kind.String(), func(t *testing.T) {
			all, err := e.pd.GetRegionsCheck(e.ctx(), kind, pd.Page{})
			must(t, "check", err)
			if all.Count != len(all.Regions) {
				t.Fatalf("count %d, %d listed", all.Count, len(all.Regions))
			}
			if id, ok := want[kind]; ok && !listsRegion(all, id) {
				t.Fatalf("region %d missing from %s: %+v", id, kind, all.Regions)
			}
			for _, r := range all.Regions {
				if r.ID == 0 || len(r.Peers) == 0 {
					t.Fatalf("bad region in %s: %+v", kind, r)
				}
			}
			page, err := e.pd.GetRegionsCheck(e.ctx(), kind, pd.Page{Page: 1, Limit: 2})
			must(t, "check page", err)
			if page.Count != all.Count || len(page.Regions) != min(2, all.Count) {
				t.Fatalf("page 1/2: count %d, %d listed; whole list %d", page.Count, len(page.Regions), all.Count)
			}
		})
	}
}
