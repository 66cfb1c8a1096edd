package actions

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

func TestPreflightCancelOperator(t *testing.T) {
	e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
	r, to := e.follower(0)
	wantInvalid(t, e.preflight(CancelOperator, map[string]any{"region_id": r.ID}),
		fmt.Sprintf("no operator is running on region %d", r.ID))

	e.create(pd.TransferLeader(r.ID, to))
	res := e.preflight(CancelOperator, map[string]any{"region_id": r.ID})
	wantValid(t, res)
	wantBlast(t, res, action.Blast{Regions: 1})
	if res.Predicted["operator"] != "admin-transfer-leader" ||
		res.Predicted["operator_brief"] != fmt.Sprintf("transfer leader: store %d to %d", r.Leader.StoreID, to) {
		t.Errorf("predicted %v", res.Predicted)
	}

	// Once it finished there is nothing to cancel, though PD still keeps
	// its record.
	e.clock.Advance(5 * time.Second)
	res = e.preflight(CancelOperator, map[string]any{"region_id": r.ID})
	wantInvalid(t, res, fmt.Sprintf("no operator is running on region %d: the last one", r.ID))
}

func TestPreflightCancelDrain(t *testing.T) {
	e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
	wantInvalid(t, e.preflight(CancelDrain, map[string]any{"store_id": 2}), "store 2 is Up: nothing to cancel")

	if err := e.writer.DeleteStore(context.Background(), 2, false); err != nil {
		t.Fatal(err)
	}
	res := e.preflight(CancelDrain, map[string]any{"store_id": 2})
	wantValid(t, res)
	wantBlast(t, res, action.Blast{Stores: 1})
	if res.Predicted["store_id"] != uint64(2) || res.Predicted["regions_left"] != e.storeInfo(2).Status.RegionCount {
		t.Errorf("predicted %v", res.Predicted)
	}

	if err := e.writer.DeleteStore(context.Background(), 3, true); err != nil {
		t.Fatal(err)
	}
	wantInvalid(t, e.preflight(CancelDrain, map[string]any{"store_id": 3}), "physically destroyed")

	e.fault(`{"type":"kill-store","store":4}`)
	e.clock.Advance(30 * time.Second)
	wantInvalid(t, e.preflight(CancelDrain, map[string]any{"store_id": 4}), "store 4 is Disconnected: nothing to cancel")
}

func TestPreflightEvictLeaders(t *testing.T) {
	e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
	leaders := e.storeInfo(1).Status.LeaderCount
	res := e.preflight(EvictLeader, map[string]any{"store_id": 1})
	wantValid(t, res)
	wantBlast(t, res, action.Blast{Stores: 1, Regions: leaders})
	if leaders == 0 || res.Predicted["leaders_to_move"] != leaders {
		t.Errorf("predicted %v (store 1 leads %d)", res.Predicted, leaders)
	}
	if len(res.Warnings) != 0 {
		t.Errorf("warnings on a fresh eviction: %v", res.Warnings)
	}

	e.evict(1)
	res = e.preflight(EvictLeader, map[string]any{"store_id": 1})
	wantValid(t, res)
	wantWarning(t, res, "already names store 1")

	// With 2 and 3 evicted as well, only 4 and 5 are left to take leaders
	// of 1: still enough. Evicting 4 as well leaves one.
	e.evict(2)
	e.evict(3)
	wantValid(t, e.preflight(EvictLeader, map[string]any{"store_id": 1}))
	wantInvalid(t, e.preflight(EvictLeader, map[string]any{"store_id": 4}), "only 1 other Up store(s) without evicted leaders ([5]) could take the leaders of store 4")
}

func TestPreflightEvictLeadersRefusals(t *testing.T) {
	t.Run("store not Up", func(t *testing.T) {
		e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
		e.fault(`{"type":"kill-store","store":2}`)
		e.clock.Advance(30 * time.Second)
		wantInvalid(t, e.preflight(EvictLeader, map[string]any{"store_id": 2}), "store 2 is Disconnected, not Up")
	})
	t.Run("too few other stores", func(t *testing.T) {
		e := newPFEnv(t, pdsim.Options{Stores: 3, Regions: 30})
		e.fault(`{"type":"kill-store","store":3}`)
		e.clock.Advance(30 * time.Second)
		wantInvalid(t, e.preflight(EvictLeader, map[string]any{"store_id": 1}), "only 1 other Up store(s)")
	})
}

func TestPreflightRemoveEvictLeaders(t *testing.T) {
	e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
	wantInvalid(t, e.preflight(CancelEvictLeader, map[string]any{"store_id": 2}), "evict-leader-scheduler does not name store 2")
	e.evict(3)
	wantInvalid(t, e.preflight(CancelEvictLeader, map[string]any{"store_id": 2}), "evict-leader-scheduler does not name store 2 (it names stores [3])")
	e.evict(2)
	res := e.preflight(CancelEvictLeader, map[string]any{"store_id": 2})
	wantValid(t, res)
	wantBlast(t, res, action.Blast{Stores: 1})
}

func TestPreflightSetStoreWeight(t *testing.T) {
	e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
	if err := e.writer.SetStoreWeight(context.Background(), 2, 3, 0.5); err != nil {
		t.Fatal(err)
	}
	res := e.preflight(SetStoreWeight, map[string]any{"store_id": 2, "leader_weight": 1, "region_weight": 0})
	wantValid(t, res)
	wantBlast(t, res, action.Blast{Stores: 1})
	from, _ := res.Predicted["from"].(map[string]any)
	if from["leader_weight"] != 3.0 || from["region_weight"] != 0.5 {
		t.Errorf("from %v, want the weights set before (3, 0.5)", res.Predicted["from"])
	}
	to, _ := res.Predicted["to"].(map[string]any)
	if to["leader_weight"] != 1.0 || to["region_weight"] != 0.0 {
		t.Errorf("to %v", res.Predicted["to"])
	}
	wantWarning(t, res, "region_weight 0 makes PD move nearly every replica off store 2")

	wantInvalid(t, e.preflight(SetStoreWeight, map[string]any{"store_id": 2, "leader_weight": 101, "region_weight": 1}),
		"parameter leader_weight is 101; the registry allows 0 to 100")
	wantInvalid(t, e.preflight(SetStoreWeight, map[string]any{"store_id": 2, "leader_weight": 1}), "parameter region_weight is missing")
	wantInvalid(t, e.preflight(SetStoreWeight, map[string]any{"store_id": 2, "leader_weight": -1, "region_weight": 1}), "the registry allows 0 to 100")
}

func TestPreflightSetStoreLimit(t *testing.T) {
	e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
	if err := e.writer.SetStoreLimit(context.Background(), 2, pd.StoreLimitRemovePeer, 40); err != nil {
		t.Fatal(err)
	}
	res := e.preflight(SetStoreLimit, map[string]any{"store_id": 2, "type": "remove-peer", "rate": 60})
	wantValid(t, res)
	wantBlast(t, res, action.Blast{Stores: 1})
	if res.Predicted["from"] != 40.0 || res.Predicted["to"] != 60.0 || res.Predicted["type"] != "remove-peer" {
		t.Errorf("predicted %v, want from 40 (set before) to 60", res.Predicted)
	}
	// The other direction is untouched: PD's default.
	res = e.preflight(SetStoreLimit, map[string]any{"store_id": 2, "type": "add-peer", "rate": 15})
	wantValid(t, res)
	if res.Predicted["from"] != 15.0 {
		t.Errorf("predicted %v, want from 15 (PD's default)", res.Predicted)
	}
	wantWarning(t, res, "already 15")

	wantInvalid(t, e.preflight(SetStoreLimit, map[string]any{"store_id": 2, "type": "both", "rate": 10}), "the registry allows only add-peer, remove-peer")
	wantInvalid(t, e.preflight(SetStoreLimit, map[string]any{"store_id": 2, "type": "add-peer", "rate": 0}), "the registry allows 1 to 200")
	wantInvalid(t, e.preflight(SetStoreLimit, map[string]any{"store_id": 2, "type": "add-peer", "rate": 500}), "the registry allows 1 to 200")
}

// A Tombstone store is still listed by PD, but refuses every change.
func TestPreflightTombstoneStore(t *testing.T) {
	e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 20})
	if err := e.writer.DeleteStore(context.Background(), 5, false); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 120 && e.storeInfo(5).Store.StateName != pd.StateNameTombstone; i++ {
		e.clock.Advance(10 * time.Second)
	}
	if st := e.storeInfo(5).Store.StateName; st != pd.StateNameTombstone {
		t.Fatalf("store 5 is %s after 20 simulated minutes of draining", st)
	}
	wantInvalid(t, e.preflight(SetStoreWeight, map[string]any{"store_id": 5, "leader_weight": 1, "region_weight": 1}), "store 5 is Tombstone")
	wantInvalid(t, e.preflight(SetStoreLimit, map[string]any{"store_id": 5, "type": "add-peer", "rate": 10}), "store 5 is Tombstone")
	wantInvalid(t, e.preflight(CancelDrain, map[string]any{"store_id": 5}), "store 5 is Tombstone: its drain finished")
}
