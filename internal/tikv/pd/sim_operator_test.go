package pd_test

import (
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

func TestSimOperatorTransferLeader(t *testing.T) {
	e := newSimEnv(t, pdsim.Options{}, nil)
	r := e.pickRegion()
	to := followerStore(t, r)
	must(t, "create", e.pd.CreateOperator(e.ctx(), pd.TransferLeader(r.ID, to)))

	op := e.operatorOf(r.ID)
	if op.State != pd.OperatorRunning || op.Desc != "admin-transfer-leader" || op.RegionID != r.ID ||
		!op.Kind.Has(pd.OpAdmin|pd.OpLeader) || len(op.Steps) != 1 || op.CurrentStep != 0 || op.Timeout != time.Minute {
		t.Fatalf("running operator: %+v", op)
	}
	if !op.CreateAt.Equal(simStart) || !op.StartAt.Equal(simStart) || op.Epoch != r.Epoch || op.Size != r.ApproximateSize {
		t.Errorf("createAt %s startAt %s epoch %+v size %d; want %s, %+v, %d", op.CreateAt, op.StartAt, op.Epoch, op.Size, simStart, r.Epoch, r.ApproximateSize)
	}
	for _, tc := range []struct {
		filter pd.OperatorFilter
		want   int
	}{{pd.FilterLeader, 1}, {pd.FilterRegion, 0}, {pd.FilterWaiting, 0}} {
		got, err := e.pd.GetOperators(e.ctx(), tc.filter)
		must(t, "filtered operators", err)
		if len(got) != tc.want {
			t.Errorf("filter %d: %d operators, want %d", tc.filter, len(got), tc.want)
		}
	}
	running, err := e.pd.GetOperators(e.ctx(), pd.FilterAdmin)
	must(t, "list admin operators", err)
	if len(running) != 1 || running[0].RegionID != r.ID || running[0].State != pd.OperatorRunning {
		t.Fatalf("admin operators: %+v", running)
	}
	objs, err := e.pd.GetOperatorObjects(e.ctx())
	must(t, "operator objects", err)
	found := false
	for _, o := range objs {
		if o.RegionID == r.ID {
			found = o.Status == pd.OpStatusStarted && o.Kind.Has(pd.OpAdmin|pd.OpLeader)
		}
	}
	if !found {
		t.Errorf("operator objects: %+v", objs)
	}

	e.advance(time.Second)
	op = e.operatorOf(r.ID)
	if op.State != pd.OperatorSuccess || !op.Finished || op.CurrentStep != len(op.Steps) {
		t.Fatalf("after 1s: %+v", op)
	}
	if got := e.region(r.ID); got.Leader.StoreID != to {
		t.Fatalf("leader on store %d, want %d", got.Leader.StoreID, to)
	}
	running, err = e.pd.GetOperators(e.ctx(), pd.FilterAdmin)
	must(t, "list admin operators", err)
	if len(running) != 0 {
		t.Errorf("admin operators after success: %+v", running)
	}
}

func TestSimOperatorTransferPeer(t *testing.T) {
	for _, tc := range []struct {
		name string
		from func(t *testing.T, r *pd.RegionInfo) pd.StoreID
	}{
		{"follower", followerStore},
		{"leader", func(_ *testing.T, r *pd.RegionInfo) pd.StoreID { return r.Leader.StoreID }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newSimEnv(t, pdsim.Options{}, nil)
			r := e.pickRegion()
			from, to := tc.from(t, r), freeStore(t, r, 5)
			must(t, "create", e.pd.CreateOperator(e.ctx(), pd.TransferPeer(r.ID, from, to)))
			op := e.operatorOf(r.ID)
			if op.State != pd.OperatorRunning || op.Desc != "admin-move-peer" || !op.Kind.Has(pd.OpAdmin|pd.OpRegion) {
				t.Fatalf("running: %+v", op)
			}
			e.advance(3 * time.Second)
			if op = e.operatorOf(r.ID); op.State != pd.OperatorSuccess {
				t.Fatalf("after 3s: %s", op.Raw)
			}
			got := e.region(r.ID)
			stores := storeIDs(got)
			if len(got.Peers) != 3 || stores[from] || !stores[to] {
				t.Fatalf("peers after moving %d->%d: %+v", from, to, got.Peers)
			}
			for _, p := range got.Peers {
				if p.Role != pd.RoleVoter {
					t.Errorf("peer %+v is not a voter", p)
				}
			}
			if got.Leader.StoreID == from {
				t.Errorf("leader still on the old store %d", from)
			}
			if got.Epoch.ConfVer <= r.Epoch.ConfVer {
				t.Errorf("conf_ver %d did not grow from %d", got.Epoch.ConfVer, r.Epoch.ConfVer)
			}
		})
	}
}

func TestSimOperatorAddPeerRuleCheckerPaused(t *testing.T) {
	e := newSimEnv(t, pdsim.Options{}, nil)
	must(t, "pause rule checker", e.pd.PauseChecker(e.ctx(), pd.CheckerRule, 5*time.Minute))
	chk, err := e.pd.GetChecker(e.ctx(), pd.CheckerRule)
	must(t, "get checker", err)
	if !chk.Paused {
		t.Fatal("rule checker not paused")
	}
	r := e.pickRegion()
	to := freeStore(t, r, 5)
	must(t, "create", e.pd.CreateOperator(e.ctx(), pd.AddPeer(r.ID, to)))
	e.advance(2 * time.Second)
	if op := e.operatorOf(r.ID); op.State != pd.OperatorSuccess || op.Desc != "admin-add-peer" {
		t.Fatalf("add peer: %s", op.Raw)
	}
	// The extra voter stands while the checker is paused.
	e.advance(30 * time.Second)
	got := e.region(r.ID)
	if len(got.Peers) != 4 || !storeIDs(got)[to] {
		t.Fatalf("peers: %+v", got.Peers)
	}
	for _, p := range got.Peers {
		if p.Role != pd.RoleVoter {
			t.Errorf("peer %+v is not a voter", p)
		}
	}
	extra, err := e.pd.GetRegionsCheck(e.ctx(), pd.CheckExtraPeer, pd.Page{})
	must(t, "extra-peer", err)
	if !listsRegion(extra, r.ID) {
		t.Fatalf("extra-peer does not list region %d: %+v", r.ID, extra)
	}
	if op := e.operatorOf(r.ID); op.Desc != "admin-add-peer" {
		t.Fatalf("PD touched the region while the checker was paused: %s", op.Raw)
	}

	// Resuming lets PD remove the peer no rule asks for.
	must(t, "resume rule checker", e.pd.PauseChecker(e.ctx(), pd.CheckerRule, 0))
	e.waitSim(time.Second, 2*time.Minute, "extra peer removed", func() bool { return len(e.region(r.ID).Peers) == 3 })
	if op := e.operatorOf(r.ID); op.Desc != "remove-orphan-peer" {
		t.Fatalf("after resume: %s", op.Raw)
	}
}

func TestSimOperatorAddPeerUndoneByRuleChecker(t *testing.T) {
	e := newSimEnv(t, pdsim.Options{}, nil)
	r := e.pickRegion()
	to := freeStore(t, r, 5)
	must(t, "create", e.pd.CreateOperator(e.ctx(), pd.AddPeer(r.ID, to)))
	e.waitSim(time.Second, 2*time.Minute, "PD's remove-orphan-peer", func() bool {
		op := e.operatorOf(r.ID)
		return op.Desc == "remove-orphan-peer" && op.State.Ended()
	})
	op := e.operatorOf(r.ID)
	if op.State != pd.OperatorSuccess || op.Kind.Has(pd.OpAdmin) || !op.Kind.Has(pd.OpRegion) {
		t.Fatalf("record: %+v", op)
	}
	got := e.region(r.ID)
	if len(got.Peers) != 3 || storeIDs(got)[to] {
		t.Fatalf("peers after PD undid the add: %+v", got.Peers)
	}
}

func TestSimOperatorRemovePeerMadeUp(t *testing.T) {
	e := newSimEnv(t, pdsim.Options{}, nil)
	r := e.pickRegion()
	from := followerStore(t, r)
	must(t, "create", e.pd.CreateOperator(e.ctx(), pd.RemovePeer(r.ID, from)))
	e.advance(500 * time.Millisecond)
	if op := e.operatorOf(r.ID); op.State != pd.OperatorSuccess || op.Desc != "admin-remove-peer" {
		t.Fatalf("remove peer: %s", op.Raw)
	}
	if got := e.region(r.ID); len(got.Peers) != 2 || storeIDs(got)[from] {
		t.Fatalf("peers after remove: %+v", got.Peers)
	}
	miss, err := e.pd.GetRegionsCheck(e.ctx(), pd.CheckMissPeer, pd.Page{})
	must(t, "miss-peer", err)
	if !listsRegion(miss, r.ID) {
		t.Fatalf("miss-peer does not list region %d", r.ID)
	}
	e.waitSim(time.Second, 5*time.Minute, "PD's add-rule-peer", func() bool {
		op := e.operatorOf(r.ID)
		return op.Desc == "add-rule-peer" && op.State.Ended()
	})
	if op := e.operatorOf(r.ID); op.State != pd.OperatorSuccess {
		t.Fatalf("add-rule-peer: %s", op.Raw)
	}
	if got := e.region(r.ID); len(got.Peers) != 3 {
		t.Fatalf("peers after make-up: %+v", got.Peers)
	}
	miss, err = e.pd.GetRegionsCheck(e.ctx(), pd.CheckMissPeer, pd.Page{})
	must(t, "miss-peer", err)
	if listsRegion(miss, r.ID) {
		t.Errorf("miss-peer still lists region %d", r.ID)
	}
}

func TestSimOperatorSplit(t *testing.T) {
	e := newSimEnv(t, pdsim.Options{}, nil)
	count := 300
	var used []pd.RegionID
	for _, policy := range []pd.SplitPolicy{pd.SplitApproximate, pd.SplitScan, pd.SplitUseKey} {
		r := e.pickRegion(used...)
		used = append(used, r.ID)
		var keys []string
		if policy == pd.SplitUseKey {
			keys = []string{r.StartKey + "00"} // strictly inside [start, end)
		}
		req := pd.SplitRegion(r.ID, policy, keys...)
		must(t, req.String(), e.pd.CreateOperator(e.ctx(), req))
		if op := e.operatorOf(r.ID); op.State != pd.OperatorRunning || op.Desc != "admin-split-region" || op.Kind != pd.OpAdmin {
			t.Fatalf("%s: running %+v", req, op)
		}
		e.advance(time.Second)
		if op := e.operatorOf(r.ID); op.State != pd.OperatorSuccess {
			t.Fatalf("%s: %s", req, op.Raw)
		}
		count++
		n, err := e.pd.GetRegionCount(e.ctx())
		must(t, "count", err)
		if n != count {
			t.Fatalf("%s: %d regions, want %d", req, n, count)
		}
		// TiKV splits right-derived: the region keeps its id and the
		// right part; a new region holds [old start, split key).
		right := e.region(r.ID)
		if right.EndKey != r.EndKey || right.StartKey <= r.StartKey || right.StartKey >= r.EndKey {
			t.Fatalf("%s: region now [%q,%q), was [%q,%q)", req, right.StartKey, right.EndKey, r.StartKey, r.EndKey)
		}
		if policy == pd.SplitUseKey && right.StartKey != keys[0] {
			t.Fatalf("%s: split at %q", req, right.StartKey)
		}
		left, err := e.pd.GetRegionByKey(e.ctx(), r.StartKey)
		must(t, "left part", err)
		if left.ID == r.ID || left.StartKey != r.StartKey || left.EndKey != right.StartKey {
			t.Fatalf("%s: left part %d [%q,%q)", req, left.ID, left.StartKey, left.EndKey)
		}
		used = append(used, left.ID)
	}
	_ = e.allRegions() // still a hole-free chain
}

func TestSimOperatorMerge(t *testing.T) {
	e := newSimEnv(t, pdsim.Options{}, nil)
	src := e.pickRegion()
	sib, err := e.pd.GetRegionSiblings(e.ctx(), src.ID)
	must(t, "siblings", err)
	var dst *pd.RegionInfo
	for i := range sib.Regions {
		if sib.Regions[i].StartKey == src.EndKey {
			dst = &sib.Regions[i]
		}
	}
	if dst == nil {
		t.Fatalf("region %d has no right neighbour: %+v", src.ID, sib)
	}
	must(t, "merge", e.pd.CreateOperator(e.ctx(), pd.MergeRegion(src.ID, dst.ID)))
	for _, id := range []pd.RegionID{src.ID, dst.ID} {
		if op := e.operatorOf(id); op.State != pd.OperatorRunning || op.Desc != "admin-merge-region" {
			t.Fatalf("region %d: %+v", id, op)
		}
	}
	// The list form carries both halves, with joint-consensus steps whose
	// texts contain ", " themselves.
	e.advance(400 * time.Millisecond)
	list, err := e.pd.GetOperators(e.ctx())
	must(t, "list during the merge", err)
	halves := 0
	for _, op := range list {
		if op.Desc == "admin-merge-region" && (op.RegionID == src.ID || op.RegionID == dst.ID) {
			halves++
			if op.State != pd.OperatorRunning || len(op.Steps) == 0 || !strings.HasPrefix(op.Steps[len(op.Steps)-1], "merge region") {
				t.Errorf("merge operator in the list: %+v", op)
			}
		}
	}
	if halves != 2 {
		t.Errorf("%d merge operators listed, want 2: %+v", halves, list)
	}
	e.waitSim(500*time.Millisecond, 5*time.Minute, "merge", func() bool { return e.operatorOf(src.ID).State.Ended() })
	if op := e.operatorOf(src.ID); op.State != pd.OperatorCancel {
		t.Errorf("source operator: %s", op.Raw)
	}
	if op := e.operatorOf(dst.ID); op.State != pd.OperatorSuccess {
		t.Errorf("target operator: %s", op.Raw)
	}
	_, err = e.pd.GetRegion(e.ctx(), src.ID)
	wantPDError(t, "merged-away source", err, pd.ErrNotFound)
	got := e.region(dst.ID)
	if got.StartKey != src.StartKey || got.EndKey != dst.EndKey {
		t.Errorf("target now [%q,%q), want [%q,%q)", got.StartKey, got.EndKey, src.StartKey, dst.EndKey)
	}
	if n, err := e.pd.GetRegionCount(e.ctx()); err != nil || n != 299 {
		t.Errorf("region count %d, %v; want 299", n, err)
	}
	if byKey, err := e.pd.GetRegionByKey(e.ctx(), src.StartKey); err != nil || byKey.ID != dst.ID {
		t.Errorf("the source's start key now belongs to %v (%v), want %d", byKey, err, dst.ID)
	}
}

func TestSimOperatorTransferRegion(t *testing.T) {
	e := newSimEnv(t, pdsim.Options{}, nil)
	r := e.pickRegion()
	free, keep := freeStore(t, r, 5), followerStore(t, r)
	var other pd.StoreID // a second store without a peer of r
	for id := pd.StoreID(1); id <= 5; id++ {
		if _, ok := r.PeerOnStore(id); !ok && id != free {
			other = id
		}
	}
	req := pd.TransferRegion(r.ID,
		pd.PeerTarget{Store: free, Role: pd.TargetLeader},
		pd.PeerTarget{Store: keep, Role: pd.TargetVoter},
		pd.PeerTarget{Store: other, Role: pd.TargetFollower})
	must(t, req.String(), e.pd.CreateOperator(e.ctx(), req))
	if op := e.operatorOf(r.ID); op.Desc != "admin-move-region" || op.State != pd.OperatorRunning || !op.Kind.Has(pd.OpAdmin|pd.OpRegion) {
		t.Fatalf("running: %+v", op)
	}
	e.waitSim(time.Second, time.Minute, "move region", func() bool { return e.operatorOf(r.ID).State.Ended() })
	if op := e.operatorOf(r.ID); op.State != pd.OperatorSuccess {
		t.Fatalf("move region: %s", op.Raw)
	}
	got := e.region(r.ID)
	stores := storeIDs(got)
	if len(got.Peers) != 3 || !stores[free] || !stores[keep] || !stores[other] || got.Leader.StoreID != free {
		t.Fatalf("after the move: peers %+v, leader %+v", got.Peers, got.Leader)
	}

	// Without roles PD refuses while placement rules are on; the client
	// keeps PD's reason verbatim.
	r2 := e.pickRegion(r.ID)
	err := e.pd.CreateOperator(e.ctx(), pd.TransferRegion(r2.ID, pd.PeerTarget{Store: 1}, pd.PeerTarget{Store: 2}, pd.PeerTarget{Store: 3}))
	pe := wantPDError(t, "transfer region without roles", err, pd.ErrInternal)
	if pe.Message != "transfer region without peer role is not supported when placement rules enabled" {
		t.Errorf("without roles: %+v", pe)
	}
}
