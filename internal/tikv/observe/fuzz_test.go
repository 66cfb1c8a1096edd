package observe

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/tikv/pd"
)

// FuzzInvariants feeds PD-shaped answers (decoded through the client's
// own types, as Observe does) to every invariant: whatever PD sends, a
// check must not panic, and its violations must be complete with
// JSON-friendly evidence.
func FuzzInvariants(f *testing.F) {
	seed := &Data{
		Stores: []pd.StoreInfo{upStore(1, 40, 100), withState(upStore(2, 0, 90), pd.StoreUp, pd.StateNameDown),
			withState(upStore(5, 0, 9), pd.StoreOffline, pd.StateNameOffline)},
		Schedule:     &pd.ScheduleConfig{LowSpaceRatio: 0.8, SchedulersV2: []pd.SchedulerConfig{{Type: "evict-leader", Args: []string{"1"}}}},
		RegionChecks: map[pd.RegionCheck]*pd.RegionsInfo{pd.CheckDownPeer: {Count: 3, Regions: []pd.RegionInfo{withDownPeer(region(9, 1, 2, 3), 2)}}},
		HotWrite:     hotInfo(hotPeer(9, 1, 9*mib)),
		HotStores:    &pd.HotStoreStats{BytesWriteStats: map[pd.StoreID]float64{1: 100 * mib}},
		Operators:    []TrackedOperator{tracked(9, "admin-transfer-leader", time.Minute, time.Hour)},
		Offline:      map[pd.StoreID]OfflineProgress{5: {9, t0.Add(-time.Hour)}},
		Latency:      []StoreLatency{{Store: "1", Seconds: 2}},
		Health:       []pd.MemberHealth{{Name: "pd1"}},
		LeaderErr:    "boom",
	}
	b, err := json.Marshal(seed)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"Stores":[{"store":{"id":1,"state_name":"Up","last_heartbeat":1},"status":{"capacity":"0B","available":"1EiB","leader_weight":1e-300,"leader_count":5}},{"store":{"id":2,"state_name":"Up"},"status":{"leader_weight":1,"region_weight":-1}}]}`))
	f.Add([]byte(`{"Operators":[{"desc":"x","region_id":1,"timeout":"2562047h","FirstSeen":"0001-01-01T00:00:00Z"}]}`))
	invs := invariants(DefaultConfig(), true)
	f.Fuzz(func(t *testing.T, raw []byte) {
		var d Data
		if json.Unmarshal(raw, &d) != nil {
			return
		}
		snap := &subject.Snapshot{Time: t0, Data: &d}
		for _, inv := range invs {
			vs, err := inv.Check(snap)
			if err != nil {
				t.Fatalf("%s: %v", inv.Name(), err)
			}
			for _, v := range vs {
				checkViolation(t, v)
			}
		}
	})
}
