package pdsim

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

var snapT0 = time.Date(2026, 11, 24, 21, 0, 0, 0, time.UTC)

// snapFixture is three stores and three adjacent regions of a larger live
// cluster: the stores' totals count regions the snapshot does not hold.
func snapFixture() Snapshot {
	store := func(id StoreID, leaders, regions int) SnapshotStore {
		return SnapshotStore{
			ID: id, Address: "tikv:20160", Version: "8.5.2", StateName: "Up", NodeState: NodeServing,
			LastHeartbeat: snapT0.Add(-3 * time.Second), StartTime: snapT0.Add(-time.Hour),
			Capacity: 1 << 40, Available: 1<<40 - 200<<30, LeaderWeight: 1, RegionWeight: 1,
			LeaderCount: leaders, RegionCount: regions, LeaderSize: int64(leaders) * 96, RegionSize: int64(regions) * 96,
		}
	}
	region := func(id RegionID, start, end string, leader PeerID, peers ...Peer) SnapshotRegion {
		return SnapshotRegion{ID: id, StartKey: start, EndKey: end, Epoch: Epoch{ConfVer: 5, Version: 9},
			Peers: peers, Leader: leader, ApproxSize: 96, ApproxKeys: 960000}
	}
	return Snapshot{
		Now:    snapT0,
		Stores: []SnapshotStore{store(1, 40, 100), store(2, 30, 100), store(3, 30, 100)},
		Regions: []SnapshotRegion{
			// Out of key order on purpose: NewFromSnapshot sorts.
			region(20, "7480", "7490", 201, Peer{201, 1, RoleVoter}, Peer{202, 2, RoleVoter}, Peer{203, 3, RoleVoter}),
			region(10, "7470", "7480", 101, Peer{101, 1, RoleVoter}, Peer{102, 2, RoleVoter}, Peer{103, 3, RoleVoter}),
			region(30, "7490", "74a0", 302, Peer{301, 1, RoleVoter}, Peer{302, 2, RoleVoter}, Peer{303, 3, RoleVoter}),
		},
		Schedule:    json.RawMessage(`{"leader-schedule-limit": 8, "low-space-ratio": 0.85, "store-limit": {"2": {"add-peer": 30, "remove-peer": 40}}}`),
		Replication: json.RawMessage(`{"max-replicas": 3, "location-labels": "zone,host", "enable-placement-rules": "true"}`),
		Schedulers:  []string{"balance-leader-scheduler", "balance-region-scheduler"},
	}
}

func TestNewFromSnapshotRejects(t *testing.T) {
	cases := []struct {
		name string
		edit func(s *Snapshot)
		want string
	}{
		{"no stores", func(s *Snapshot) { s.Stores = nil }, "no stores"},
		{"peer on unknown store", func(s *Snapshot) { s.Regions[0].Peers[2].StoreID = 9 }, "peer 203 is on store 9, which the snapshot does not list"},
		{"duplicate region", func(s *Snapshot) { s.Regions[1].ID = 20 }, "region 20 is listed twice"},
		{"duplicate store", func(s *Snapshot) { s.Stores[1].ID = 1 }, "store 1 is listed twice"},
		{"store id 0", func(s *Snapshot) { s.Stores[0].ID = 0 }, "store #1 has id 0"},
		{"reversed keys", func(s *Snapshot) { s.Regions[0].StartKey, s.Regions[0].EndKey = "7490", "7480" }, "start key 7490 is not before end key 7480"},
		{"not hex", func(s *Snapshot) { s.Regions[0].EndKey = "zz" }, `end key "zz" is not hex`},
		{"overlap", func(s *Snapshot) { s.Regions[0].StartKey = "7475" }, "regions 10 and 20 overlap"},
		{"leader not a peer", func(s *Snapshot) { s.Regions[0].Leader = 999 }, "leader 999 is not one of its peers"},
		{"two peers on a store", func(s *Snapshot) { s.Regions[0].Peers[1].StoreID = 1 }, "region 20 has two peers on store 1"},
		{"peer in two regions", func(s *Snapshot) { s.Regions[0].Peers[0].ID = 101 }, "peer 101 belongs to both region 20 and region 10"},
		{"down peer not a peer", func(s *Snapshot) { s.Regions[0].DownPeers = map[PeerID]time.Duration{7: time.Minute} }, "down peer 7 is not one of its peers"},
		{"no peers", func(s *Snapshot) { s.Regions[0].Peers, s.Regions[0].Leader = nil, 0 }, "region 20 has no peers"},
		{"bad schedule", func(s *Snapshot) { s.Schedule = json.RawMessage(`{"leader-schedule-limit": "many"}`) }, "schedule config"},
		{"bad ratio", func(s *Snapshot) { s.Schedule = json.RawMessage(`{"low-space-ratio": 0.5}`) }, "low-space-ratio should be larger than high-space-ratio"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := snapFixture()
			tc.edit(&s)
			c, err := NewFromSnapshot(s, Options{})
			if err == nil {
				t.Fatalf("NewFromSnapshot accepted the snapshot (%d regions)", len(c.regions))
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not say %q", err, tc.want)
			}
		})
	}
	// Several problems are named at once.
	s := snapFixture()
	s.Regions[0].Peers[2].StoreID = 9
	s.Regions[1].ID = 30
	_, err := NewFromSnapshot(s, Options{})
	if err == nil || !strings.Contains(err.Error(), "store 9") || !strings.Contains(err.Error(), "region 30 is listed twice") {
		t.Fatalf("want both problems named, got %v", err)
	}
}

func TestNewFromSnapshotLoads(t *testing.T) {
	clock := NewManualClock(snapT0.Add(48 * time.Hour)) // its own time: ages are kept
	s := snapFixture()
	s.Stores = append(s.Stores, SnapshotStore{ID: 4, StateName: "Down", LastHeartbeat: snapT0.Add(-2 * time.Hour),
		Capacity: 1 << 40, Available: 1 << 39, RegionCount: 50})
	c, err := NewFromSnapshot(s, Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.regions) != 3 || len(c.byKey) != 3 {
		t.Fatalf("%d regions, %d by key; want 3", len(c.regions), len(c.byKey))
	}
	for i, want := range []RegionID{10, 20, 30} {
		if c.byKey[i].ID != want {
			t.Fatalf("byKey[%d] = region %d, want %d", i, c.byKey[i].ID, want)
		}
	}
	if r := c.regionByKey("7485"); r == nil || r.ID != 20 {
		t.Fatalf("key 7485 is in %v, want region 20", r)
	}
	if r := c.regionByKey("7500"); r != nil {
		t.Fatalf("key 7500 (outside the snapshot) is in region %d", r.ID)
	}
	st1 := c.stores[1]
	if st1.regionCount != 100 || st1.leaderCount != 40 || st1.regionSize != 9600 {
		t.Fatalf("store 1 counts %d regions, %d leaders, %d MiB; want the live 100, 40, 9600", st1.regionCount, st1.leaderCount, st1.regionSize)
	}
	if got, want := st1.Available, uint64(1<<40-200<<30); got != want {
		t.Fatalf("store 1 available %d, want the live %d", got, want)
	}
	if c.schedule.LeaderScheduleLimit != 8 || c.schedule.LowSpaceRatio != 0.85 || c.schedule.RegionScheduleLimit != 2048 {
		t.Fatalf("schedule config not loaded onto the defaults: %+v", c.schedule)
	}
	if c.stores[2].limitAddPeer != 30 || c.stores[2].limitRemovePeer != 40 || c.stores[1].limitAddPeer != 15 {
		t.Fatalf("store limits: 2 has %v/%v, 1 has %v", c.stores[2].limitAddPeer, c.stores[2].limitRemovePeer, c.stores[1].limitAddPeer)
	}
	if got := strings.Join(c.replicate.LocationLabels, ","); got != "zone,host" {
		t.Fatalf("location labels %q", got)
	}
	if got := strings.Join(c.schedulerNames(), ","); got != "balance-leader-scheduler,balance-region-scheduler" {
		t.Fatalf("schedulers %s", got)
	}
	if age := c.now.Sub(st1.LastHeartbeat); age != 3*time.Second {
		t.Fatalf("store 1 heartbeat age %s, want the live 3s", age)
	}
	if got := c.stateName(c.stores[4]); got != "Down" {
		t.Fatalf("store 4 is %s, want Down as live", got)
	}
	if c.nextID < 303 {
		t.Fatalf("next id %d would reuse a snapshot id", c.nextID)
	}

	// A minute on: live stores heartbeat, the Down one stays silent.
	clock.Advance(time.Minute)
	c.Sync()
	if got := c.stateName(c.stores[1]); got != "Up" {
		t.Fatalf("store 1 is %s after a minute, want Up", got)
	}
	if got := c.stateName(c.stores[4]); got != "Down" {
		t.Fatalf("store 4 is %s after a minute, want Down", got)
	}
}

// A leader moved in the snapshot moves the live totals by one.
func TestNewFromSnapshotTransferLeader(t *testing.T) {
	clock := NewManualClock(snapT0)
	c, err := NewFromSnapshot(snapFixture(), Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(c, "http://127.0.0.1:2379")
	post := func(body string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/pd/api/v1/operators", strings.NewReader(body)))
		return w
	}
	if w := post(`{"name":"transfer-leader","region_id":10,"to_store_id":3}`); w.Code != 200 {
		t.Fatalf("transfer-leader: %d %s", w.Code, w.Body)
	}
	if w := post(`{"name":"transfer-leader","region_id":99,"to_store_id":3}`); w.Code != 500 || !strings.Contains(w.Body.String(), "region 99 not found") {
		t.Fatalf("a region outside the snapshot: %d %s, want PD's 500 region not found", w.Code, w.Body)
	}
	clock.Advance(time.Second)
	c.Sync()
	if got := c.regions[10].leaderStore(); got != 3 {
		t.Fatalf("region 10 leader on store %d, want 3", got)
	}
	if c.stores[1].leaderCount != 39 || c.stores[3].leaderCount != 31 {
		t.Fatalf("leader counts %d and %d, want 39 and 31", c.stores[1].leaderCount, c.stores[3].leaderCount)
	}
}

// The snapshot's regions need not cover the key space: the one at the end
// of it (empty end key) and a gap before it are fine.
func TestNewFromSnapshotGapsAndEnds(t *testing.T) {
	s := snapFixture()
	s.Regions[2].StartKey, s.Regions[2].EndKey = "7500", ""
	c, err := NewFromSnapshot(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if last := c.byKey[len(c.byKey)-1]; last.ID != 30 || last.EndKey != "" {
		t.Fatalf("last region %d ends %q", last.ID, last.EndKey)
	}
	if _, ok := c.clock.(*ManualClock); !ok {
		t.Fatalf("with no clock given the cluster runs on %T, want a ManualClock", c.clock)
	}
	if !c.clock.Now().Equal(snapT0) {
		t.Fatalf("clock starts at %s, want the snapshot's %s", c.clock.Now(), snapT0)
	}
}
