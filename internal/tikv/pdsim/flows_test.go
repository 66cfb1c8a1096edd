package pdsim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// testSim is a simulator on a manual clock behind a real HTTP server.
type testSim struct {
	t     *testing.T
	clock *ManualClock
	c     *Cluster
	srv   *httptest.Server
}

func newTestSim(t *testing.T, opts Options) *testSim {
	t.Helper()
	clock := NewManualClock(time.Date(2026, 11, 24, 21, 0, 0, 0, time.UTC))
	opts.Clock = clock
	c := New(opts)
	srv := httptest.NewServer(NewServer(c, "http://127.0.0.1:2379"))
	t.Cleanup(srv.Close)
	return &testSim{t: t, clock: clock, c: c, srv: srv}
}

func (s *testSim) do(method, path, body string) (int, string, http.Header) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.srv.URL+path, strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func (s *testSim) getJSON(path string, v any) {
	s.t.Helper()
	code, body, _ := s.do("GET", path, "")
	if code != 200 {
		s.t.Fatalf("GET %s: %d %s", path, code, body)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		s.t.Fatalf("GET %s: %v in %s", path, err, body)
	}
}

type regionOut struct {
	ID     uint64 `json:"id"`
	Leader struct {
		StoreID uint64 `json:"store_id"`
	} `json:"leader"`
	Peers []struct {
		ID      uint64 `json:"id"`
		StoreID uint64 `json:"store_id"`
		Role    string `json:"role_name"`
	} `json:"peers"`
}

type storeOut struct {
	Store struct {
		ID        uint64 `json:"id"`
		State     int    `json:"state"`
		StateName string `json:"state_name"`
	} `json:"store"`
	Status struct {
		RegionCount int `json:"region_count"`
		LeaderCount int `json:"leader_count"`
	} `json:"status"`
}

func TestTransferLeaderCompletes(t *testing.T) {
	s := newTestSim(t, Options{Stores: 5, Regions: 100})
	var r regionOut
	s.getJSON("/pd/api/v1/region/id/9", &r)
	var to uint64
	for _, p := range r.Peers {
		if p.StoreID != r.Leader.StoreID {
			to = p.StoreID
			break
		}
	}
	code, body, _ := s.do("POST", "/pd/api/v1/operators", `{"name":"transfer-leader","region_id":9,"to_store_id":`+itoa(to)+`}`)
	if code != 200 || body != "\"The operator is created.\"\n" {
		t.Fatalf("create: %d %q", code, body)
	}
	var status string
	s.getJSON("/pd/api/v1/operators/9", &status)
	if !strings.HasPrefix(status, "status: RUNNING, operator: admin-transfer-leader") {
		t.Fatalf("running status = %q", status)
	}
	s.clock.Advance(time.Second)
	s.getJSON("/pd/api/v1/operators/9", &status)
	if !strings.HasPrefix(status, "status: SUCCESS") || !strings.HasSuffix(status, " finished") {
		t.Fatalf("finished status = %q", status)
	}
	s.getJSON("/pd/api/v1/region/id/9", &r)
	if r.Leader.StoreID != to {
		t.Fatalf("leader on store %d, want %d", r.Leader.StoreID, to)
	}
	// The record lingers ~10 minutes, then PD answers 500 not found.
	s.clock.Advance(12 * time.Minute)
	code, body, _ = s.do("GET", "/pd/api/v1/operators/9", "")
	if code != 500 || !strings.Contains(body, "ErrOperatorNotFound") {
		t.Fatalf("after expiry: %d %s", code, body)
	}
}

func TestOfflineStoreDrainsToTombstone(t *testing.T) {
	s := newTestSim(t, Options{Stores: 5, Regions: 200})
	code, body, _ := s.do("POST", "/pd/api/v1/store/5/state?state=Offline", "")
	if code != 200 {
		t.Fatalf("offline: %d %s", code, body)
	}
	var st storeOut
	s.getJSON("/pd/api/v1/store/5", &st)
	if st.Store.StateName != "Offline" || st.Status.RegionCount == 0 {
		t.Fatalf("after offline: %+v", st)
	}
	deadline := 2 * time.Hour
	for waited := time.Duration(0); waited < deadline; waited += time.Minute {
		s.clock.Advance(time.Minute)
		s.getJSON("/pd/api/v1/store/5", &st)
		if st.Store.StateName == "Tombstone" {
			break
		}
	}
	if st.Store.StateName != "Tombstone" || st.Status.RegionCount != 0 {
		t.Fatalf("store 5 did not drain: %+v", st)
	}
	// Every region still has 3 replicas on the other stores.
	var all struct {
		Regions []regionOut `json:"regions"`
	}
	s.getJSON("/pd/api/v1/regions", &all)
	for _, r := range all.Regions {
		if len(r.Peers) != 3 {
			t.Fatalf("region %d has %d peers", r.ID, len(r.Peers))
		}
		for _, p := range r.Peers {
			if p.StoreID == 5 {
				t.Fatalf("region %d still on store 5", r.ID)
			}
		}
	}
	code, body, _ = s.do("POST", "/pd/api/v1/store/5/state?state=Up", "")
	if code != 410 || !strings.Contains(body, "ErrStoreRemoved") {
		t.Fatalf("up on tombstone: %d %s", code, body)
	}
}

func TestKilledStoreGoesDisconnectedThenDown(t *testing.T) {
	s := newTestSim(t, Options{Stores: 5, Regions: 100})
	if code, body, _ := s.do("POST", "/pd/api/v1/config/schedule", `{"max-store-down-time":"1m"}`); code != 200 {
		t.Fatalf("config: %d %s", code, body)
	}
	// Keep PD from repairing, so the statistics stay visible.
	s.do("POST", "/pd/api/v1/checker/rule", `{"delay":3600}`)
	if code, body, _ := s.do("POST", "/pdsim/v1/faults", `{"type":"kill-store","store":2}`); code != 200 {
		t.Fatalf("fault: %d %s", code, body)
	}
	var st storeOut
	s.clock.Advance(15 * time.Second)
	s.getJSON("/pd/api/v1/store/2", &st)
	if st.Store.StateName != "Up" {
		t.Fatalf("15s after kill: %s", st.Store.StateName)
	}
	s.clock.Advance(15 * time.Second)
	s.getJSON("/pd/api/v1/store/2", &st)
	if st.Store.StateName != "Disconnected" {
		t.Fatalf("30s after kill: %s", st.Store.StateName)
	}
	s.clock.Advance(45 * time.Second)
	s.getJSON("/pd/api/v1/store/2", &st)
	if st.Store.StateName != "Down" {
		t.Fatalf("75s after kill: %s", st.Store.StateName)
	}
	var down struct {
		Count int `json:"count"`
	}
	s.getJSON("/pd/api/v1/regions/check/down-peer", &down)
	if down.Count != st.Status.RegionCount || down.Count == 0 {
		t.Fatalf("down-peer count %d, store 2 holds %d", down.Count, st.Status.RegionCount)
	}
	// Leaders left the dead store.
	if st.Status.LeaderCount != 0 {
		t.Fatalf("dead store still leads %d regions", st.Status.LeaderCount)
	}
}

func itoa(v uint64) string {
	b, _ := json.Marshal(v)
	return string(b)
}
