package actions

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

func TestPreflightTransferPeer(t *testing.T) {
	e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
	r, from := e.follower(0)
	to := storeWithout(r, 5)
	res := e.preflight(TransferPeer, map[string]any{"region_id": r.ID, "from_store_id": from, "to_store_id": to})
	wantValid(t, res)
	wantBlast(t, res, action.Blast{Stores: 2, Regions: 1, Bytes: r.ApproximateSize << 20})
	if res.Predicted["from_store_id"] != uint64(from) || res.Predicted["to_store_id"] != uint64(to) ||
		res.Predicted["bytes_to_copy"] != r.ApproximateSize<<20 {
		t.Errorf("predicted %v", res.Predicted)
	}
}

func TestPreflightTransferPeerRefusals(t *testing.T) {
	t.Run("source holds no replica", func(t *testing.T) {
		e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
		r, _ := e.follower(0)
		none := storeWithout(r, 5)
		res := e.preflight(TransferPeer, map[string]any{"region_id": r.ID, "from_store_id": none, "to_store_id": none})
		wantInvalid(t, res, "both")
		other := pd.StoreID(0)
		for s := pd.StoreID(1); s <= 5; s++ {
			if !hasPeerOn(r, s) && s != none {
				other = s
			}
		}
		res = e.preflight(TransferPeer, map[string]any{"region_id": r.ID, "from_store_id": none, "to_store_id": other})
		wantInvalid(t, res, fmt.Sprintf("store %d holds no replica of region %d", none, r.ID))
	})
	t.Run("target already holds a replica", func(t *testing.T) {
		e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
		r, from := e.follower(0)
		res := e.preflight(TransferPeer, map[string]any{"region_id": r.ID, "from_store_id": from, "to_store_id": r.Leader.StoreID})
		wantInvalid(t, res, fmt.Sprintf("target store %d already holds a replica of region %d", r.Leader.StoreID, r.ID))
	})
	t.Run("operator running", func(t *testing.T) {
		e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
		r, from := e.follower(0)
		e.create(pd.TransferLeader(r.ID, from))
		res := e.preflight(TransferPeer, map[string]any{"region_id": r.ID, "from_store_id": from, "to_store_id": storeWithout(r, 5)})
		wantInvalid(t, res, "already has an operator")
	})
	t.Run("two stores down lose the majority", func(t *testing.T) {
		e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
		r := e.regionWhere("with a replica on stores 2 and 3", func(r pd.RegionInfo) bool { return hasPeerOn(r, 2) && hasPeerOn(r, 3) })
		var from pd.StoreID
		for _, q := range r.Peers {
			if q.StoreID != 2 && q.StoreID != 3 {
				from = q.StoreID
			}
		}
		e.fault(`{"type":"kill-store","store":2}`)
		e.fault(`{"type":"kill-store","store":3}`)
		e.clock.Advance(30 * time.Second)
		res := e.preflight(TransferPeer, map[string]any{"region_id": r.ID, "from_store_id": from, "to_store_id": storeWithout(r, 5)})
		wantInvalid(t, res, "without a healthy majority (before: 1 healthy of 3")
		for _, s := range []string{"store 2 (store Disconnected", "store 3 (store Disconnected"} {
			if !strings.Contains(res.Message, s) {
				t.Errorf("message does not name %q: %s", s, res.Message)
			}
		}
	})
}

func TestPreflightAddPeer(t *testing.T) {
	e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
	r, _ := e.follower(0)
	to := storeWithout(r, 5)
	res := e.preflight(AddPeer, map[string]any{"region_id": r.ID, "store_id": to})
	wantValid(t, res)
	wantBlast(t, res, action.Blast{Stores: 1, Regions: 1, Bytes: r.ApproximateSize << 20})
	if res.Predicted["store_id"] != uint64(to) || res.Predicted["bytes_to_copy"] != r.ApproximateSize<<20 {
		t.Errorf("predicted %v", res.Predicted)
	}
}

func TestPreflightAddPeerRefusals(t *testing.T) {
	t.Run("store already holds a replica", func(t *testing.T) {
		e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
		r, on := e.follower(0)
		wantInvalid(t, e.preflight(AddPeer, map[string]any{"region_id": r.ID, "store_id": on}),
			fmt.Sprintf("target store %d already holds a replica", on))
	})
	t.Run("target not Up", func(t *testing.T) {
		e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
		r := e.regionWhere("without a replica on store 4", func(r pd.RegionInfo) bool { return !hasPeerOn(r, 4) })
		e.fault(`{"type":"kill-store","store":4}`)
		e.clock.Advance(30 * time.Second)
		wantInvalid(t, e.preflight(AddPeer, map[string]any{"region_id": r.ID, "store_id": 4}), "target store 4 is Disconnected, not Up")
	})
	t.Run("target low on space", func(t *testing.T) {
		e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
		r := e.regionWhere("without a replica on store 4", func(r pd.RegionInfo) bool { return !hasPeerOn(r, 4) })
		e.fault(`{"type":"fill-disk","store":4,"available_ratio":0.1}`)
		e.clock.Advance(10 * time.Second)
		wantInvalid(t, e.preflight(AddPeer, map[string]any{"region_id": r.ID, "store_id": 4}), "target store 4 is low on space")
	})
	t.Run("pending replica", func(t *testing.T) {
		e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
		r, on := e.follower(0)
		e.fault(fmt.Sprintf(`{"type":"pending-peer","region":%d,"store":%d}`, r.ID, on))
		wantInvalid(t, e.preflight(AddPeer, map[string]any{"region_id": r.ID, "store_id": storeWithout(r, 5)}),
			fmt.Sprintf("region %d has pending replica(s) on store(s) %d", r.ID, on))
	})
	t.Run("down replica", func(t *testing.T) {
		e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
		r, on := e.follower(0)
		e.fault(fmt.Sprintf(`{"type":"down-peer","region":%d,"store":%d}`, r.ID, on))
		wantInvalid(t, e.preflight(AddPeer, map[string]any{"region_id": r.ID, "store_id": storeWithout(r, 5)}),
			fmt.Sprintf("region %d has 1 down replica(s)", r.ID))
	})
	t.Run("operator running", func(t *testing.T) {
		e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
		r, on := e.follower(0)
		e.create(pd.TransferLeader(r.ID, on))
		wantInvalid(t, e.preflight(AddPeer, map[string]any{"region_id": r.ID, "store_id": storeWithout(r, 5)}), "already has an operator")
	})
}

func TestPreflightRemovePeer(t *testing.T) {
	t.Run("a follower", func(t *testing.T) {
		e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
		r, on := e.follower(0)
		res := e.preflight(RemovePeer, map[string]any{"region_id": r.ID, "store_id": on})
		wantValid(t, res)
		wantBlast(t, res, action.Blast{Stores: 1, Regions: 1})
		if res.Predicted["voters_after"] != len(r.Peers)-1 {
			t.Errorf("predicted %v", res.Predicted)
		}
		wantWarning(t, res, "until PD adds a replica back")
	})
	t.Run("the leader", func(t *testing.T) {
		e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
		r, _ := e.follower(0)
		res := e.preflight(RemovePeer, map[string]any{"region_id": r.ID, "store_id": r.Leader.StoreID})
		wantValid(t, res)
		wantWarning(t, res, "PD transfers the leadership to another voter first")
	})
}

func TestPreflightRemovePeerRefusals(t *testing.T) {
	t.Run("store holds no replica", func(t *testing.T) {
		e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
		r, _ := e.follower(0)
		none := storeWithout(r, 5)
		wantInvalid(t, e.preflight(RemovePeer, map[string]any{"region_id": r.ID, "store_id": none}),
			fmt.Sprintf("store %d holds no replica of region %d", none, r.ID))
	})
	t.Run("killed store: removing a healthy replica loses quorum", func(t *testing.T) {
		e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
		r := e.regionWhere("with a replica on store 2", func(r pd.RegionInfo) bool { return hasPeerOn(r, 2) && len(r.Peers) == 3 })
		var victim pd.StoreID
		for _, q := range r.Peers {
			if q.StoreID != 2 {
				victim = q.StoreID
			}
		}
		e.fault(`{"type":"kill-store","store":2}`)
		e.clock.Advance(30 * time.Second)
		res := e.preflight(RemovePeer, map[string]any{"region_id": r.ID, "store_id": victim})
		wantInvalid(t, res, fmt.Sprintf("removing the replica of region %d on store %d would leave 1 healthy of 2 voters, not a Raft majority", r.ID, victim))
		if !strings.Contains(res.Message, "voters on stores "+peerStores(r.Peers)) || !strings.Contains(res.Message, "store 2 (store Disconnected") {
			t.Errorf("message does not name the voters and the unhealthy one: %s", res.Message)
		}
	})
	t.Run("pending replica: removing another loses quorum", func(t *testing.T) {
		e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
		r := e.regionWhere("with two followers", func(r pd.RegionInfo) bool { return len(followerStores(r)) == 2 })
		fs := followerStores(r)
		e.fault(fmt.Sprintf(`{"type":"pending-peer","region":%d,"store":%d}`, r.ID, fs[0]))
		res := e.preflight(RemovePeer, map[string]any{"region_id": r.ID, "store_id": fs[1]})
		wantInvalid(t, res, "would leave 1 healthy of 2 voters")
		if !strings.Contains(res.Message, "pending") {
			t.Errorf("message does not say which replica is pending: %s", res.Message)
		}
		// Removing the pending replica itself keeps a healthy majority:
		// that is a repair, and allowed.
		if res = e.preflight(RemovePeer, map[string]any{"region_id": r.ID, "store_id": fs[0]}); !res.Valid {
			t.Errorf("removing the pending replica itself: %s", res.Message)
		}
	})
	t.Run("draining store counts as lost", func(t *testing.T) {
		e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
		e.post("/pd/api/v1/checker/rule", `{"delay":3600}`) // keep PD from moving replicas off the drained store
		r := e.regionWhere("with a follower on store 3", func(r pd.RegionInfo) bool {
			return hasPeerOn(r, 3) && r.Leader.StoreID != 3 && len(r.Peers) == 3
		})
		var victim pd.StoreID
		for _, q := range r.Peers {
			if q.StoreID != 3 {
				victim = q.StoreID
			}
		}
		e.post("/pd/api/v1/store/3/state?state=Offline", "")
		res := e.preflight(RemovePeer, map[string]any{"region_id": r.ID, "store_id": victim})
		wantInvalid(t, res, "store 3 (store Offline)")
	})
	t.Run("killed store itself", func(t *testing.T) {
		e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
		e.fault(`{"type":"kill-store","store":2}`)
		e.clock.Advance(30 * time.Second)
		r := e.regionWhere("with a replica on store 2", func(r pd.RegionInfo) bool { return hasPeerOn(r, 2) })
		// The replica on the dead store is the one to remove: the two
		// healthy ones stay a majority, as PD's own down-peer repair does.
		res := e.preflight(RemovePeer, map[string]any{"region_id": r.ID, "store_id": 2})
		if !res.Valid || !strings.Contains(strings.Join(res.Checked, "\n"), "2 healthy of 2 voters") {
			t.Fatalf("removing the dead store's replica: %s\n%v", res.Message, res.Checked)
		}
	})
}

// Removing or moving away the down replica itself is the repair: the
// region's other replicas are healthy, so both pass.
func TestPreflightRepairsTheDownReplicaItself(t *testing.T) {
	e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
	r, on := e.follower(0)
	e.fault(fmt.Sprintf(`{"type":"down-peer","region":%d,"store":%d}`, r.ID, on))
	if res := e.preflight(RemovePeer, map[string]any{"region_id": r.ID, "store_id": on}); !res.Valid {
		t.Errorf("removing the down replica: %s\n%v", res.Message, res.Checked)
	}
	if res := e.preflight(TransferPeer, map[string]any{"region_id": r.ID, "from_store_id": on, "to_store_id": storeWithout(r, 5)}); !res.Valid {
		t.Errorf("moving the down replica away: %s\n%v", res.Message, res.Checked)
	}
}
