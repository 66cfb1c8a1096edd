package pd

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// neverCalled fails the test if a refused call reaches the server.
func neverCalled(t *testing.T) *Client {
	t.Helper()
	var hits atomic.Int32
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		t.Errorf("refused call reached PD: %s %s", r.Method, r.URL)
	}), nil)
	return c
}

func TestSplitKeyValidation(t *testing.T) {
	c := neverCalled(t)
	for _, tc := range []struct {
		name   string
		policy SplitPolicy
		keys   []string
		ok     bool
	}{
		{"usekey with hex", SplitUseKey, []string{"7480000000000000FF015F728000000000FF000103FF00000000FB00"}, true},
		{"usekey lower-case hex", SplitUseKey, []string{"7480ff", "7481"}, true},
		{"approximate", SplitApproximate, nil, true},
		{"scan", SplitScan, nil, true},
		{"usekey without keys", SplitUseKey, nil, false},
		{"non-hex key", SplitUseKey, []string{"zz"}, false},
		{"odd-length key", SplitUseKey, []string{"748"}, false},
		{"empty key", SplitUseKey, []string{""}, false},
		{"one bad among good", SplitUseKey, []string{"7480", "74 80"}, false},
		{"keys with approximate", SplitApproximate, []string{"7480"}, false},
		{"zero policy", 0, nil, false},
		{"unknown policy", SplitPolicy(42), nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := SplitRegion(1049, tc.policy, tc.keys...)
			if err := req.Validate(); (err == nil) != tc.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tc.ok)
			}
			if !tc.ok {
				if err := c.CreateOperator(context.Background(), req); !errors.Is(err, ErrInvalidArgument) {
					t.Fatalf("CreateOperator = %v, want ErrInvalidArgument", err)
				}
			}
		})
	}
}

func TestRegionTypeIsNeverSentUnknown(t *testing.T) {
	c := neverCalled(t)
	for _, typ := range []RegionType{0, RegionTypeLearner + 1, 99, 255} {
		_, err := c.GetRegionsByStore(context.Background(), 1, typ)
		if !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("RegionType(%d): %v, want ErrInvalidArgument", typ, err)
		}
	}
	// The known ones map to exactly PD's words.
	for typ, want := range map[RegionType]string{RegionTypeAll: "", RegionTypeLeader: "leader", RegionTypeFollower: "follower", RegionTypeLearner: "learner"} {
		if got, ok := typ.wire(); !ok || got != want {
			t.Errorf("%v.wire() = %q, %v", typ, got, ok)
		}
	}
}

func TestLocalRefusals(t *testing.T) {
	c := neverCalled(t)
	ctx := context.Background()
	for name, f := range map[string]func() error{
		"GetStore 0":                                func() error { _, err := c.GetStore(ctx, 0); return err },
		"GetRegion 0":                               func() error { _, err := c.GetRegion(ctx, 0); return err },
		"GetOperator 0":                             func() error { _, err := c.GetOperator(ctx, 0); return err },
		"CancelOperator 0":                          func() error { return c.CancelOperator(ctx, 0) },
		"GetStores state 7":                         func() error { _, err := c.GetStores(ctx, GetStoresOptions{States: []StoreState{7}}); return err },
		"GetStoresCheck bogus":                      func() error { _, err := c.GetStoresCheck(ctx, "bogus"); return err },
		"SetStoreState Tombstone":                   func() error { return c.SetStoreState(ctx, 1, StoreTombstone) },
		"SetStoreState 0":                           func() error { return c.SetStoreState(ctx, 0, StoreOffline) },
		"DeleteStore 0":                             func() error { return c.DeleteStore(ctx, 0, false) },
		"GetStoreProgress 0":                        func() error { _, err := c.GetStoreProgress(ctx, 0); return err },
		"GetStoresProgress 9":                       func() error { _, err := c.GetStoresProgress(ctx, 9); return err },
		"GetRegionByKey non-hex":                    func() error { _, err := c.GetRegionByKey(ctx, "t\x80_r"); return err },
		"GetRegionByKey empty":                      func() error { _, err := c.GetRegionByKey(ctx, ""); return err },
		"GetRegionsByKey limit 0":                   func() error { _, err := c.GetRegionsByKey(ctx, "", 0); return err },
		"GetRegionsByKey limit -1 (PD: everything)": func() error { _, err := c.GetRegionsByKey(ctx, "", -1); return err },
		"GetRegionsByKey above cap":                 func() error { _, err := c.GetRegionsByKey(ctx, "", MaxRegionLimit+1); return err },
		"GetRegionsByKey bad key":                   func() error { _, err := c.GetRegionsByKey(ctx, "xyz", 10); return err },
		"GetRegionsByStore 0":                       func() error { _, err := c.GetRegionsByStore(ctx, 0, RegionTypeAll); return err },
		"GetRegionsCheck 0":                         func() error { _, err := c.GetRegionsCheck(ctx, 0, Page{}); return err },
		"GetRegionsCheck negative page":             func() error { _, err := c.GetRegionsCheck(ctx, CheckMissPeer, Page{Page: -1}); return err },
		"GetTopRegions unknown":                     func() error { _, err := c.GetTopRegions(ctx, 77, 3); return err },
		"GetTopRegions limit 0":                     func() error { _, err := c.GetTopRegions(ctx, TopCPU, 0); return err },
		"GetSchedulers 0":                           func() error { _, err := c.GetSchedulers(ctx, 0); return err },
		"GetOperators unknown filter":               func() error { _, err := c.GetOperators(ctx, 9); return err },
		"AddScheduler evict without store":          func() error { return c.AddScheduler(ctx, "evict-leader-scheduler", 0) },
		"AddScheduler bad name":                     func() error { return c.AddScheduler(ctx, "../config", 0) },
		"PauseScheduler sub-second":                 func() error { return c.PauseScheduler(ctx, "balance-leader-scheduler", 500*time.Millisecond) },
		"PauseScheduler negative":                   func() error { return c.PauseScheduler(ctx, "balance-leader-scheduler", -time.Second) },
		"PauseChecker empty name":                   func() error { return c.PauseChecker(ctx, "", time.Second) },
		"StartMaintenance slash":                    func() error { return c.StartMaintenance(ctx, "tikv/restart", "1", "") },
		"StartMaintenance empty id":                 func() error { return c.StartMaintenance(ctx, "tikv-restart", "", "") },
		"zero operator":                             func() error { return c.CreateOperator(ctx, OperatorRequest{}) },
		"transfer leader to store 0":                func() error { return c.CreateOperator(ctx, TransferLeader(1, 0)) },
		"transfer peer to itself":                   func() error { return c.CreateOperator(ctx, TransferPeer(1, 2, 2)) },
		"merge into itself":                         func() error { return c.CreateOperator(ctx, MergeRegion(5, 5)) },
		"transfer region, no stores":                func() error { return c.CreateOperator(ctx, TransferRegion(1)) },
		"transfer region, two leaders": func() error {
			return c.CreateOperator(ctx, TransferRegion(1, PeerTarget{1, TargetLeader}, PeerTarget{2, TargetLeader}, PeerTarget{3, TargetVoter}))
		},
		"transfer region, some roles": func() error {
			return c.CreateOperator(ctx, TransferRegion(1, PeerTarget{1, TargetLeader}, PeerTarget{Store: 2}))
		},
		"transfer region, duplicate store": func() error {
			return c.CreateOperator(ctx, TransferRegion(1, PeerTarget{Store: 2}, PeerTarget{Store: 2}))
		},
		"schedule patch: down time too short": func() error {
			return c.SetScheduleConfig(ctx, SchedulePatch{MaxStoreDownTime: Ptr(Duration(10 * time.Second))})
		},
		"schedule patch: low <= high": func() error {
			return c.SetScheduleConfig(ctx, SchedulePatch{LowSpaceRatio: Ptr(0.6), HighSpaceRatio: Ptr(0.7)})
		},
		"schedule patch: ratio 1.5": func() error { return c.SetScheduleConfig(ctx, SchedulePatch{LowSpaceRatio: Ptr(1.5)}) },
		"schedule patch: policy":    func() error { return c.SetScheduleConfig(ctx, SchedulePatch{LeaderSchedulePolicy: Ptr("weird")}) },
	} {
		if err := f(); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: got %v, want ErrInvalidArgument", name, err)
		}
	}
}

func TestOperatorRequestBodies(t *testing.T) {
	for _, tc := range []struct {
		req  OperatorRequest
		body string
		desc string
	}{
		{TransferLeader(281, 5), `{"name":"transfer-leader","region_id":281,"to_store_id":5}`, "transfer leader of region 281 to store 5"},
		{TransferRegion(1029, PeerTarget{1, TargetLeader}, PeerTarget{2, TargetVoter}, PeerTarget{4, TargetVoter}),
			`{"name":"transfer-region","region_id":1029,"to_store_ids":[1,2,4],"peer_roles":["leader","voter","voter"]}`, "move region 1029 to stores [1 2 4]"},
		{TransferRegion(9, PeerTarget{Store: 1}, PeerTarget{Store: 2}), `{"name":"transfer-region","region_id":9,"to_store_ids":[1,2]}`, "move region 9 to stores [1 2]"},
		{TransferPeer(1065, 4, 1), `{"name":"transfer-peer","region_id":1065,"from_store_id":4,"to_store_id":1}`, "move the peer of region 1065 from store 4 to store 1"},
		{AddPeer(1029, 5), `{"name":"add-peer","region_id":1029,"store_id":5}`, "add a voter of region 1029 on store 5"},
		{AddLearner(1061, 1), `{"name":"add-learner","region_id":1061,"store_id":1}`, "add a learner of region 1061 on store 1"},
		{RemovePeer(1029, 4), `{"name":"remove-peer","region_id":1029,"store_id":4}`, "remove the peer of region 1029 on store 4"},
		{MergeRegion(1069, 1073), `{"name":"merge-region","source_region_id":1069,"target_region_id":1073}`, "merge region 1069 into region 1073"},
		{SplitRegion(1009, SplitApproximate), `{"name":"split-region","region_id":1009,"policy":"approximate"}`, "split region 1009 by policy approximate"},
		{SplitRegion(1049, SplitUseKey, "7480"), `{"name":"split-region","region_id":1049,"policy":"usekey","keys":["7480"]}`, "split region 1049 by policy usekey at [7480]"},
	} {
		if err := tc.req.Validate(); err != nil {
			t.Errorf("%s: %v", tc.desc, err)
		}
		got, err := json.Marshal(tc.req)
		if err != nil || !sameJSON(got, []byte(tc.body)) {
			t.Errorf("%s: body %s, want %s (%v)", tc.desc, got, tc.body, err)
		}
		if tc.req.String() != tc.desc {
			t.Errorf("String() = %q, want %q", tc.req.String(), tc.desc)
		}
	}
}

func TestSchedulePatchEncoding(t *testing.T) {
	p := SchedulePatch{
		HaltScheduling:          Ptr(StringBool(false)),
		EnableRemoveDownReplica: Ptr(StringBool(true)),
		MaxStoreDownTime:        Ptr(Duration(30 * time.Minute)),
		RegionScheduleLimit:     Ptr(uint64(0)),
	}
	got, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"max-store-down-time":"30m0s","region-schedule-limit":0,"halt-scheduling":"false","enable-remove-down-replica":"true"}`
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if empty, _ := json.Marshal(SchedulePatch{}); string(empty) != "{}" {
		t.Fatalf("empty patch: %s", empty)
	}
}
