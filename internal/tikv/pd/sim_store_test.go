package pd_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

func TestSimStoreDrainToTombstone(t *testing.T) {
	e := newSimEnv(t, pdsim.Options{}, nil)
	const id = pd.StoreID(5)
	held := e.store(id).Status.RegionCount
	must(t, "offline", e.pd.SetStoreState(e.ctx(), id, pd.StoreOffline))
	must(t, "offline again", e.pd.SetStoreState(e.ctx(), id, pd.StoreOffline))
	st := e.store(id)
	if st.Store.State != pd.StoreOffline || st.Store.StateName != pd.StateNameOffline || st.Store.NodeState != pd.NodeRemoving || held == 0 {
		t.Fatalf("after offline: %+v (held %d regions)", st.Store, held)
	}
	if off, err := e.pd.GetStoresCheck(e.ctx(), pd.StateNameOffline); err != nil || off.Count != 1 || off.Stores[0].Store.ID != id {
		t.Fatalf("check offline: %+v, %v", off, err)
	}

	// Drain over simulated time, reading progress as an operator would.
	var lastProgress float64
	sawPartial, sawAggregate := false, false
	e.waitSim(10*time.Second, 2*time.Hour, "drain of store 5", func() bool {
		st := e.store(id)
		if st.Store.State == pd.StoreTombstone {
			return true
		}
		p, err := e.pd.GetStoreProgress(e.ctx(), id)
		if err != nil {
			wantPDError(t, "progress", err, pd.ErrNotFound) // tolerated: PD may not have one yet
			return false
		}
		if p.Action != "removing" || p.StoreID != id || p.Progress < lastProgress || p.Progress > 1 {
			t.Fatalf("progress %+v after %v", p, lastProgress)
		}
		lastProgress = p.Progress
		if p.Progress > 0 && p.Progress < 1 && p.CurrentSpeed > 0 && p.LeftSeconds > 0 {
			sawPartial = true
		}
		if agg, err := e.pd.GetStoresProgress(e.ctx(), pd.ProgressRemoving); err == nil {
			sawAggregate = agg.Action == "removing" && agg.StoreID == 0
		}
		return false
	})
	if !sawPartial || !sawAggregate {
		t.Errorf("never saw a partial progress (%v) or the combined removing progress (%v)", sawPartial, sawAggregate)
	}
	st = e.store(id)
	if st.Status.RegionCount != 0 || st.Status.LeaderCount != 0 || st.Store.StateName != pd.StateNameTombstone || st.Store.NodeState != pd.NodeRemoved {
		t.Fatalf("tombstone: %+v %+v", st.Store, st.Status)
	}
	for _, r := range e.allRegions() {
		if len(r.Peers) != 3 || storeIDs(&r)[id] {
			t.Fatalf("region %d after the drain: %+v", r.ID, r.Peers)
		}
	}
	_, err := e.pd.GetStoreProgress(e.ctx(), id)
	wantPDError(t, "progress after the drain", err, pd.ErrNotFound)
	for _, tc := range []struct {
		opts pd.GetStoresOptions
		want int
	}{
		{pd.GetStoresOptions{}, 4},
		{pd.GetStoresOptions{States: []pd.StoreState{pd.StoreTombstone}}, 1},
		{pd.GetStoresOptions{States: []pd.StoreState{pd.StoreUp, pd.StoreOffline, pd.StoreTombstone}}, 5},
	} {
		got, err := e.pd.GetStores(e.ctx(), tc.opts)
		must(t, "get stores", err)
		if got.Count != tc.want {
			t.Errorf("GetStores(%v) = %d stores, want %d", tc.opts.States, got.Count, tc.want)
		}
	}

	err = e.pd.SetStoreState(e.ctx(), id, pd.StoreUp)
	pe := wantPDError(t, "up on a tombstone", err, pd.ErrGone)
	if pe.Status != 410 || pe.Code != "PD:core:ErrStoreRemoved" || pe.Message != "[PD:core:ErrStoreRemoved]store 5 has been removed" {
		t.Errorf("up on a tombstone: %+v", pe)
	}
	wantPDError(t, "delete a tombstone", e.pd.DeleteStore(e.ctx(), id, false), pd.ErrGone)

	must(t, "remove tombstones", e.pd.RemoveTombstones(e.ctx()))
	_, err = e.pd.GetStore(e.ctx(), id)
	wantPDError(t, "removed tombstone", err, pd.ErrNotFound)
	if all, err := e.pd.GetStoresCheck(e.ctx()); err != nil || all.Count != 4 {
		t.Errorf("stores after removing the tombstone: %+v, %v", all, err)
	}
	must(t, "remove tombstones with none", e.pd.RemoveTombstones(e.ctx()))
}

func TestSimStoreOfflineCanceledAndForced(t *testing.T) {
	e := newSimEnv(t, pdsim.Options{}, nil)
	must(t, "offline", e.pd.SetStoreState(e.ctx(), 4, pd.StoreOffline))
	e.advance(5 * time.Second)
	must(t, "up", e.pd.SetStoreState(e.ctx(), 4, pd.StoreUp))
	if st := e.store(4); st.Store.State != pd.StoreUp || st.Store.StateName != pd.StateNameUp || st.Store.NodeState != pd.NodeServing {
		t.Fatalf("after cancelling the drain: %+v", st.Store)
	}
	must(t, "up on an up store", e.pd.SetStoreState(e.ctx(), 4, pd.StoreUp))

	must(t, "force delete", e.pd.DeleteStore(e.ctx(), 3, true))
	if st := e.store(3); st.Store.State != pd.StoreOffline || !st.Store.PhysicallyDestroyed {
		t.Fatalf("after force delete: %+v", st.Store)
	}
	err := e.pd.SetStoreState(e.ctx(), 3, pd.StoreUp)
	pe := wantPDError(t, "up on a destroyed store", err, pd.ErrGone)
	if pe.Code != "PD:core:ErrStoreDestroyed" {
		t.Errorf("up on a destroyed store: %+v", pe)
	}
	err = e.pd.SetStoreState(e.ctx(), 99, pd.StoreOffline)
	wantPDError(t, "offline a missing store", err, pd.ErrNotFound)

	before := e.requests.Load()
	wantKind(t, "tombstone by hand", e.pd.SetStoreState(e.ctx(), 2, pd.StoreTombstone), pd.ErrInvalidArgument)
	wantKind(t, "store 0", e.pd.SetStoreState(e.ctx(), 0, pd.StoreOffline), pd.ErrInvalidArgument)
	if n := e.requests.Load() - before; n != 0 {
		t.Errorf("refused state changes sent %d requests", n)
	}
}

func TestSimStoreOfflineStoresNotEnough(t *testing.T) {
	for _, tc := range []struct {
		stores  int
		offline []pd.StoreID // set Offline first
		target  pd.StoreID
	}{
		{stores: 3, target: 1},
		{stores: 4, offline: []pd.StoreID{4}, target: 3},
	} {
		t.Run(fmt.Sprintf("%d stores", tc.stores), func(t *testing.T) {
			e := newSimEnv(t, pdsim.Options{Stores: tc.stores, Regions: 60}, nil)
			for _, id := range tc.offline {
				must(t, "offline", e.pd.SetStoreState(e.ctx(), id, pd.StoreOffline))
			}
			want := fmt.Sprintf("[PD:core:ErrStoresNotEnough]can not remove store %d since the number of up stores would be 2 while need 3", tc.target)
			for name, err := range map[string]error{
				"set offline": e.pd.SetStoreState(e.ctx(), tc.target, pd.StoreOffline),
				"delete":      e.pd.DeleteStore(e.ctx(), tc.target, false),
			} {
				pe := wantPDError(t, name, err, pd.ErrBadRequest)
				if pe.Status != 400 || pe.Code != "PD:core:ErrStoresNotEnough" || pe.Message != want {
					t.Errorf("%s: status %d code %q message %q; want %q", name, pe.Status, pe.Code, pe.Message, want)
				}
			}
			if st := e.store(tc.target); st.Store.State != pd.StoreUp {
				t.Errorf("store %d is %v after the refusal", tc.target, st.Store.State)
			}
		})
	}
}

func TestSimStoreKilledDisconnectedThenDown(t *testing.T) {
	e := newSimEnv(t, pdsim.Options{}, nil)
	before := e.requests.Load()
	err := e.pd.SetScheduleConfig(e.ctx(), pd.SchedulePatch{MaxStoreDownTime: pd.Ptr(pd.Duration(30 * time.Second))})
	wantKind(t, "max-store-down-time 30s", err, pd.ErrInvalidArgument)
	if n := e.requests.Load() - before; n != 0 {
		t.Fatalf("a refused patch sent %d requests", n)
	}
	must(t, "max-store-down-time 1m", e.pd.SetScheduleConfig(e.ctx(), pd.SchedulePatch{MaxStoreDownTime: pd.Ptr(pd.Duration(time.Minute))}))
	sc, err := e.pd.GetScheduleConfig(e.ctx())
	must(t, "schedule config", err)
	if sc.MaxStoreDownTime.D() != time.Minute || string(sc.Raw["max-store-down-time"]) != `"1m0s"` {
		t.Fatalf("max-store-down-time now %v (raw %s)", sc.MaxStoreDownTime, sc.Raw["max-store-down-time"])
	}
	// Keep PD from replacing the dead peers so the statistics stay put.
	must(t, "pause rule checker", e.pd.PauseChecker(e.ctx(), pd.CheckerRule, time.Hour))
	const dead = pd.StoreID(2)
	e.inject(pdsim.Fault{Type: "kill-store", Store: uint64(dead)})

	checkOnly := func(at string, name pd.StoreStateName, want ...pd.StoreID) {
		t.Helper()
		got, err := e.pd.GetStoresCheck(e.ctx(), name)
		must(t, "check "+string(name), err)
		if got.Count != len(want) {
			t.Fatalf("%s: %s stores %+v, want %v", at, name, got.Stores, want)
		}
		for i, id := range want {
			if got.Stores[i].Store.ID != id || got.Stores[i].Store.StateName != name {
				t.Fatalf("%s: %s lists %+v, want %v", at, name, got.Stores[i].Store, want)
			}
		}
	}
	e.advance(15 * time.Second)
	checkOnly("15s", pd.StateNameDisconnected)
	e.advance(15 * time.Second)
	checkOnly("30s", pd.StateNameDisconnected, dead)
	checkOnly("30s", pd.StateNameDown)
	if up, err := e.pd.GetStoresCheck(e.ctx(), pd.StateNameUp); err != nil || up.Count != 4 {
		t.Fatalf("30s: up stores %+v, %v", up, err)
	}
	// Stored state stays Up: /stores?state=0 still lists it.
	if up, err := e.pd.GetStores(e.ctx(), pd.GetStoresOptions{States: []pd.StoreState{pd.StoreUp}}); err != nil || up.Count != 5 {
		t.Fatalf("stored-Up stores: %+v, %v", up, err)
	}

	e.advance(45 * time.Second)
	checkOnly("75s", pd.StateNameDown, dead)
	checkOnly("75s", pd.StateNameDisconnected)
	st := e.store(dead)
	if st.Status.RegionCount == 0 || st.Status.LeaderCount != 0 {
		t.Fatalf("dead store: %d regions, %d leaders", st.Status.RegionCount, st.Status.LeaderCount)
	}
	down, err := e.pd.GetRegionsCheck(e.ctx(), pd.CheckDownPeer, pd.Page{})
	must(t, "down-peer", err)
	if down.Count != st.Status.RegionCount || len(down.Regions) != down.Count {
		t.Fatalf("down-peer lists %d regions, the dead store holds %d", down.Count, st.Status.RegionCount)
	}
	for _, r := range down.Regions {
		if len(r.DownPeers) != 1 || r.DownPeers[0].Peer.StoreID != dead || r.Leader.StoreID == dead {
			t.Fatalf("region %d: down peers %+v, leader %+v", r.ID, r.DownPeers, r.Leader)
		}
	}

	e.inject(pdsim.Fault{Type: "restore-store", Store: uint64(dead)})
	e.advance(10 * time.Second)
	checkOnly("restored", pd.StateNameDown)
	if up, err := e.pd.GetStoresCheck(e.ctx(), pd.StateNameUp); err != nil || up.Count != 5 {
		t.Fatalf("after restore: up stores %+v, %v", up, err)
	}
	if down, err := e.pd.GetRegionsCheck(e.ctx(), pd.CheckDownPeer, pd.Page{}); err != nil || down.Count != 0 {
		t.Errorf("after restore: down-peer %d, %v", down.Count, err)
	}
}
