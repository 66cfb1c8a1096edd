package pdsim

import (
	"strings"
	"testing"
	"time"
)

// checkList is the part of GET /regions/check/{kind} these tests read.
type checkList struct {
	Count   int `json:"count"`
	Regions []struct {
		ID        uint64 `json:"id"`
		DownPeers []struct {
			Peer struct {
				StoreID uint64 `json:"store_id"`
			} `json:"peer"`
			DownSeconds uint64 `json:"down_seconds"`
		} `json:"down_peers"`
		PendingPeers []struct {
			StoreID uint64 `json:"store_id"`
		} `json:"pending_peers"`
	} `json:"regions"`
}

// followerOf returns a store holding a follower of the region, and its leader's store.
func followerOf(t *testing.T, s *testSim, region string) (follower, leader uint64) {
	t.Helper()
	var r regionOut
	s.getJSON("/pd/api/v1/region/id/"+region, &r)
	for _, p := range r.Peers {
		if p.StoreID != r.Leader.StoreID {
			return p.StoreID, r.Leader.StoreID
		}
	}
	t.Fatalf("region %s has no follower: %+v", region, r)
	return 0, 0
}

// A down replica on a live store stays down: PD replaces down replicas
// only on Down stores. Removing it is what ends it.
func TestDownPeerOnALiveStoreStaysUntilRemoved(t *testing.T) {
	s := newTestSim(t, Options{Stores: 5, Regions: 100, MaxStoreDownTime: time.Minute})
	store, _ := followerOf(t, s, "9")
	code, body, _ := s.do("POST", "/pdsim/v1/faults", `{"type":"down-peer","region":9,"store":`+itoa(store)+`}`)
	if code != 200 {
		t.Fatalf("inject: %d %s", code, body)
	}
	s.clock.Advance(5 * time.Minute)
	var list checkList
	s.getJSON("/pd/api/v1/regions/check/down-peer", &list)
	if list.Count != 1 || list.Regions[0].ID != 9 || len(list.Regions[0].DownPeers) != 1 ||
		list.Regions[0].DownPeers[0].Peer.StoreID != store || list.Regions[0].DownPeers[0].DownSeconds != 300 {
		t.Fatalf("down-peer list after 5m: %+v", list)
	}
	var st storeOut
	s.getJSON("/pd/api/v1/store/"+itoa(store), &st)
	if st.Store.StateName != "Up" {
		t.Fatalf("store %d is %s, want Up", store, st.Store.StateName)
	}
	var ops []any
	s.getJSON("/pd/api/v1/operators", &ops)
	if len(ops) != 0 {
		t.Fatalf("PD started operators on its own: %v", ops)
	}

	code, body, _ = s.do("POST", "/pd/api/v1/operators", `{"name":"remove-peer","region_id":9,"store_id":`+itoa(store)+`}`)
	if code != 200 {
		t.Fatalf("remove-peer: %d %s", code, body)
	}
	s.clock.Advance(2 * time.Minute)
	s.getJSON("/pd/api/v1/regions/check/down-peer", &list)
	if list.Count != 0 {
		t.Fatalf("down-peer list after the removal: %+v", list)
	}
	var r regionOut
	s.getJSON("/pd/api/v1/region/id/9", &r)
	if len(r.Peers) != 3 {
		t.Fatalf("region 9 after the removal: %+v (want 3 peers, the replacement added)", r.Peers)
	}
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	if err := checkInvariants(s.c); err != nil {
		t.Fatal(err)
	}
}

// A pending replica without its store named is the region's first
// follower, and it stays pending.
func TestPendingPeerDefaultsToAFollower(t *testing.T) {
	s := newTestSim(t, Options{Stores: 5, Regions: 100})
	code, body, _ := s.do("POST", "/pdsim/v1/faults", `{"type":"pending-peer","region":13}`)
	if code != 200 {
		t.Fatalf("inject: %d %s", code, body)
	}
	s.clock.Advance(10 * time.Minute)
	var list checkList
	s.getJSON("/pd/api/v1/regions/check/pending-peer", &list)
	if list.Count != 1 || list.Regions[0].ID != 13 || len(list.Regions[0].PendingPeers) != 1 {
		t.Fatalf("pending-peer list: %+v", list)
	}
	var r regionOut
	s.getJSON("/pd/api/v1/region/id/13", &r)
	if got := list.Regions[0].PendingPeers[0].StoreID; got == r.Leader.StoreID {
		t.Fatalf("the pending replica is the leader's (store %d)", got)
	}
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	if err := checkInvariants(s.c); err != nil {
		t.Fatal(err)
	}
}

func TestStallPeerRefusesWhatCannotBe(t *testing.T) {
	s := newTestSim(t, Options{Stores: 5, Regions: 100})
	_, leader := followerOf(t, s, "9")
	var r regionOut
	s.getJSON("/pd/api/v1/region/id/9", &r)
	missing := uint64(0)
	for id := uint64(1); id <= 5 && missing == 0; id++ {
		held := false
		for _, p := range r.Peers {
			held = held || p.StoreID == id
		}
		if !held {
			missing = id
		}
	}
	cases := []struct{ body, want string }{
		{`{"type":"down-peer","region":999999}`, "region 999999 does not exist"},
		{`{"type":"pending-peer","region":9,"store":` + itoa(missing) + `}`, "has no replica on store " + itoa(missing)},
		{`{"type":"down-peer","region":9,"store":` + itoa(leader) + `}`, "is its leader"},
	}
	for _, tc := range cases {
		code, body, _ := s.do("POST", "/pdsim/v1/faults", tc.body)
		if code != 400 || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d %s, want 400 with %q", tc.body, code, body, tc.want)
		}
	}
	sc, err := ParseScenario(strings.NewReader("name: x\nevents:\n  - at: 1s\n    fault: {type: down-peer, region: 9}\n  - at: 2s\n    fault: {type: pending-peer, region: 9}\n"))
	if err != nil || len(sc.Events) != 2 {
		t.Fatalf("scenario with the new faults: %v", err)
	}
}

// Healing a full disk to a free share its regions cannot leave clears the
// filler: what remains used is the regions' data.
func TestFillDiskHealsToWhatTheDataAllows(t *testing.T) {
	c := New(Options{Stores: 5, Regions: 1000, StoreCapacity: 96 << 30, Clock: NewManualClock(time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC))})
	if err := c.Inject(Fault{Type: "fill-disk", Store: 2, AvailableRatio: 0.1}); err != nil {
		t.Fatal(err)
	}
	s := c.stores[2]
	if got := float64(s.Available) / float64(s.Capacity); got > 0.11 {
		t.Fatalf("filled: %.2f free", got)
	}
	if err := c.Inject(Fault{Type: "fill-disk", Store: 2, AvailableRatio: 0.8}); err != nil {
		t.Fatal(err)
	}
	data := uint64(s.regionSize) << 20
	if s.baseUsed != 0 || s.Available != s.Capacity-data {
		t.Fatalf("healed: filler %d, available %d, want capacity minus the %d of data", s.baseUsed, s.Available, data)
	}
}
