package pdsim

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// PD's dynamic behaviour as shared/pd/README.md describes it: store
// removal, down stores, halted scheduling, evict-leader, operator records.

// runningDescs lists the descs of the running operators (GET /operators).
func (s *testSim) runningDescs() []string {
	s.t.Helper()
	var list []string
	s.getJSON("/pd/api/v1/operators", &list)
	var out []string
	for _, text := range list {
		desc, _, _ := strings.Cut(text, " ")
		out = append(out, desc)
	}
	return out
}

func (s *testSim) storeState(id StoreID) storeOut {
	s.t.Helper()
	var st storeOut
	s.getJSON(fmt.Sprintf("/pd/api/v1/store/%d", id), &st)
	return st
}

// created counts the operators of a kind ever created
// (pd_schedule_operators_count{event="create"}).
func (s *testSim) created(desc string) int {
	s.c.Sync()
	s.c.mu.RLock()
	defer s.c.mu.RUnlock()
	return int(s.c.metrics.ops[[2]string{desc, "create"}])
}

// Setting a removing store back Up cancels the removal: no more peers move
// off it once the moves under way have finished, and it has no progress.
func TestUpCancelsADrain(t *testing.T) {
	s := newTestSim(t, Options{Stores: 5, Regions: 100})
	s.mustDo("POST", "/pd/api/v1/store/5/state?state=Offline", "")
	s.advance(20 * time.Second)
	before := s.storeState(5).Status.RegionCount
	s.mustDo("POST", "/pd/api/v1/store/5/state?state=Up", "")
	s.advance(30 * time.Second)
	after := s.storeState(5)
	if after.Store.StateName != "Up" || after.Status.RegionCount == 0 || after.Status.RegionCount > before {
		t.Fatalf("after Up: %+v (had %d regions when set Up)", after, before)
	}
	s.advance(30 * time.Minute)
	if later := s.storeState(5); later.Status.RegionCount != after.Status.RegionCount || later.Store.StateName != "Up" {
		t.Fatalf("the drain went on after Up: %d regions, then %d (%s)", after.Status.RegionCount, later.Status.RegionCount, later.Store.StateName)
	}
	if code, _, _ := s.do("GET", "/pd/api/v1/stores/progress?id=5", ""); code != 404 {
		t.Fatalf("progress of a store set back Up: %d, want 404", code)
	}
}

// A crashed store turns Disconnected, then Down only after
// max-store-down-time; PD replaces its peers (replace-rule-down-peer) only
// once it is Down, and only with enable-remove-down-replica on.
func TestDownPeersReplacedOnlyOnceDownAndEnabled(t *testing.T) {
	for _, enabled := range []bool{true, false} {
		t.Run(fmt.Sprintf("enable-remove-down-replica=%v", enabled), func(t *testing.T) {
			s := newTestSim(t, Options{Stores: 5, Regions: 50})
			s.mustDo("POST", "/pd/api/v1/config/schedule",
				fmt.Sprintf(`{"max-store-down-time":"5m","enable-remove-down-replica":"%v"}`, enabled))
			s.kill(2)
			held := s.storeState(2).Status.RegionCount
			for waited := time.Duration(0); waited < 5*time.Minute; waited += 10 * time.Second {
				s.advance(10 * time.Second)
				st := s.storeState(2)
				if st.Store.StateName == "Down" {
					t.Fatalf("Down after %v, before max-store-down-time", waited+10*time.Second)
				}
				if n := s.created("replace-rule-down-peer"); n > 0 {
					t.Fatalf("%d replace-rule-down-peer operators %v after the crash, before Down", n, waited+10*time.Second)
				}
			}
			// down_seconds counts from the last heartbeat.
			var r struct {
				DownPeers []struct {
					DownSeconds int `json:"down_seconds"`
				} `json:"down_peers"`
			}
			s.getJSON("/pd/api/v1/region/id/9", &r)
			if len(r.DownPeers) != 1 || r.DownPeers[0].DownSeconds < 290 || r.DownPeers[0].DownSeconds > 310 {
				t.Fatalf("region 9 down peers %+v, want one down ~300s", r.DownPeers)
			}
			s.advance(2 * time.Second)
			if st := s.storeState(2); st.Store.StateName != "Down" {
				t.Fatalf("just past max-store-down-time: %s, want Down", st.Store.StateName)
			}
			s.advance(time.Second)
			if n := s.created("replace-rule-down-peer"); (n > 0) != enabled {
				t.Fatalf("%d replace-rule-down-peer operators once Down", n)
			}
			s.advance(30 * time.Minute)
			left := s.storeState(2).Status.RegionCount
			if enabled && left != 0 {
				t.Fatalf("down store still holds %d of %d regions after 30m", left, held)
			}
			if !enabled && left != held {
				t.Fatalf("down store's peers moved (%d -> %d) with enable-remove-down-replica off", held, left)
			}
		})
	}
}

// While scheduling is halted PD's checkers create nothing, but admin
// operators still run; once resumed the checkers catch up.
func TestHaltSchedulingStopsCheckersNotAdminOperators(t *testing.T) {
	s := newTestSim(t, Options{Stores: 5, Regions: 20})
	halt(s)
	s.fault(Fault{Type: "lose-peers", Region: 13, Count: 1})
	s.post(`{"name":"transfer-leader","region_id":9,"to_store_id":2}`)
	s.advance(time.Minute)
	if got := s.opWord(9); got != "SUCCESS" {
		t.Fatalf("admin operator while halted: %q, want SUCCESS", got)
	}
	if got := s.opWord(13); got != "" {
		t.Fatalf("a checker operator on region 13 while halted: %q", got)
	}
	s.mustDo("POST", "/pd/api/v1/config/schedule", `{"halt-scheduling":"false"}`)
	s.advance(10 * time.Second)
	if r := s.snapshotRegion(13); len(r.Peers) != 3 {
		t.Fatalf("after resuming, region 13 has %d peers, want its replica made up", len(r.Peers))
	}
}

// evict-leader-scheduler moves every leader off its store and keeps them
// off: balance-leader does not bring them back while it runs.
func TestEvictLeaderKeepsLeadersOff(t *testing.T) {
	s := newTestSim(t, Options{Stores: 5, Regions: 100})
	s.mustDo("POST", "/pd/api/v1/schedulers", `{"name":"evict-leader-scheduler","store_id":1}`)
	s.advance(2 * time.Minute)
	if n := s.storeState(1).Status.LeaderCount; n != 0 {
		t.Fatalf("store 1 still leads %d regions", n)
	}
	s.advance(30 * time.Minute)
	if n := s.storeState(1).Status.LeaderCount; n != 0 {
		t.Fatalf("leaders came back to the evicted store: %d", n)
	}
	s.mustDo("DELETE", "/pd/api/v1/schedulers/evict-leader-scheduler", "")
	s.advance(30 * time.Minute)
	if n := s.storeState(1).Status.LeaderCount; n < 15 {
		t.Fatalf("after removing the scheduler balance-leader gave store 1 only %d leaders", n)
	}
}

// GET /operators lists running operators only; a finished one stays
// readable by region for about ten minutes (swept once a minute), then PD
// answers operator not found.
func TestOperatorRecordsLiveAboutTenMinutes(t *testing.T) {
	s := newTestSim(t, Options{Stores: 5, Regions: 20})
	quiet(s)
	s.post(`{"name":"transfer-leader","region_id":9,"to_store_id":2}`)
	s.advance(time.Second)
	if got := s.opWord(9); got != "SUCCESS" {
		t.Fatalf("status %q, want SUCCESS", got)
	}
	if list := s.runningDescs(); len(list) != 0 {
		t.Fatalf("GET /operators lists finished operators: %v", list)
	}
	s.advance(9*time.Minute + 58*time.Second)
	if got := s.opWord(9); got != "SUCCESS" {
		t.Fatalf("record gone before 10 minutes: %q", got)
	}
	s.advance(62 * time.Second)
	if got := s.opWord(9); got != "" {
		t.Fatalf("record still there 11 minutes after the end: %q", got)
	}
}

// The checkers act on regions flagged against the current config: when
// max-replicas or the merge size limits change, every region is checked
// again, whichever endpoint changed them.
func TestConfigChangesRecheckEveryRegion(t *testing.T) {
	for _, tc := range []struct{ path, body string }{
		{"/pd/api/v1/config/replicate", `{"max-replicas":4}`},
		{"/pd/api/v1/config", `{"replication.max-replicas":4}`},
		{"/pd/api/v1/config", `{"max-replicas":4}`},
	} {
		t.Run("POST "+tc.path+" "+tc.body, func(t *testing.T) {
			s := newTestSim(t, Options{Stores: 5, Regions: 20})
			s.mustDo("POST", tc.path, tc.body)
			s.advance(5 * time.Minute)
			var all struct {
				Regions []regionOut `json:"regions"`
			}
			s.getJSON("/pd/api/v1/regions", &all)
			for _, r := range all.Regions {
				if len(r.Peers) != 4 {
					t.Fatalf("region %d has %d peers 5 minutes after max-replicas became 4", r.ID, len(r.Peers))
				}
			}
		})
	}
	t.Run("max-merge-region-size", func(t *testing.T) {
		s := newTestSim(t, Options{Stores: 5, Regions: 20})
		s.mustDo("POST", "/pd/api/v1/config/schedule", `{"max-merge-region-size":100,"max-merge-region-keys":1000000}`)
		s.advance(time.Second)
		var out struct {
			Count int `json:"count"`
		}
		s.getJSON("/pd/api/v1/regions/check/undersized-region", &out)
		if out.Count != 20 {
			t.Fatalf("undersized-region count %d after raising the merge limits above the region size, want 20", out.Count)
		}
	})
}

// schedulers-v2 in /config/schedule is the live scheduler list, however the
// config was posted.
func TestScheduleConfigListsTheLiveSchedulers(t *testing.T) {
	s := newTestSim(t, Options{Stores: 5, Regions: 20})
	s.mustDo("POST", "/pd/api/v1/config/schedule", `{"schedulers-v2":[{"type":"shuffle-leader"},{"type":"shuffle-region"}]}`)
	s.mustDo("POST", "/pd/api/v1/schedulers", `{"name":"evict-leader-scheduler","store_id":1}`)
	for _, path := range []string{"/pd/api/v1/config/schedule", "/pd/api/v1/config"} {
		_, body, _ := s.do("GET", path, "")
		var out struct {
			SchedulersV2 []schedulerEntry `json:"schedulers-v2"`
			Schedule     *struct {
				SchedulersV2 []schedulerEntry `json:"schedulers-v2"`
			} `json:"schedule"`
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatal(err)
		}
		list := out.SchedulersV2
		if out.Schedule != nil {
			list = out.Schedule.SchedulersV2
		}
		var types []string
		for _, e := range list {
			types = append(types, e.Type)
		}
		want := "balance-leader balance-region hot-region evict-slow-store evict-stopping-store evict-leader"
		if strings.Join(types, " ") != want {
			t.Fatalf("GET %s schedulers-v2 = %v, want %s", path, types, want)
		}
	}
}
