package pdsim

import (
	"fmt"
	"sort"
	"testing"
	"time"
)

// Operators that move peers and leaders: the leader never ends up on a
// learner or off the region, merges and joint states end cleanly, and
// timeouts are exact. The region layout and the helpers are described in
// opengine_test.go.

// Raft refuses to remove the leader's own peer. A remove-peer whose leader
// came back to the peer being removed waits, and times out, rather than
// leave the region without its leader.
func TestRemovePeerNeverRemovesTheLeader(t *testing.T) {
	s := newTestSim(t, Options{Stores: 5, Regions: 20})
	quiet(s)
	s.slow(2, 10*time.Second)
	s.post(`{"name":"remove-peer","region_id":9,"store_id":1}`)
	// Transfer 1 -> 2 (10.2s), then the removal starts.
	s.advance(10500 * time.Millisecond)
	if r := s.snapshotRegion(9); r.leaderStore() != 2 {
		t.Fatalf("setup: leader on store %d, want 2 after the first step", r.leaderStore())
	}
	s.fault(Fault{Type: "leader-imbalance", Store: 1, Fraction: 1})
	for i := 0; i < 130; i++ {
		s.advance(time.Second)
		if err := regionOK(s.snapshotRegion(9)); err != nil {
			t.Fatalf("after %ds: %v", i+1, err)
		}
	}
	if got := s.opWord(9); got != "TIMEOUT" {
		t.Fatalf("operator %q, want TIMEOUT", got)
	}
}

// Moving a region's peers keeps its leader on a voter throughout, learners
// are never made voters by demotion, and a learner already on a target store
// is promoted. (With 6 stores the first region, on stores 1, 2, 3, is
// region 10; the next, on 2, 3, 4, is region 14.)
func TestMovesKeepTheLeaderOnAVoter(t *testing.T) {
	const first, second = 10, 14
	addLearner := func(s *testSim) {
		s.post(`{"name":"add-learner","region_id":10,"store_id":4}`)
		s.finish(first)
	}
	for _, tc := range []struct {
		name  string
		prep  func(s *testSim)
		op    string
		check RegionID
		want  []StoreID
	}{
		{
			name: "transfer-region to stores that share none",
			op:   `{"name":"transfer-region","region_id":10,"to_store_ids":[4,5,6],"peer_roles":["voter","voter","voter"]}`,
			want: []StoreID{4, 5, 6},
		},
		{
			name: "transfer-region to a store holding a learner",
			prep: addLearner,
			op:   `{"name":"transfer-region","region_id":10,"to_store_ids":[1,2,4],"peer_roles":["leader","voter","voter"]}`,
			want: []StoreID{1, 2, 4},
		},
		{
			name: "transfer-region away from a learner",
			prep: addLearner,
			op:   `{"name":"transfer-region","region_id":10,"to_store_ids":[1,2,5],"peer_roles":["leader","voter","voter"]}`,
			want: []StoreID{1, 2, 5},
		},
		{
			name:  "merge into a region on other stores",
			prep:  func(s *testSim) { s.arrange(second, 4, 5, 6) },
			op:    `{"name":"merge-region","source_region_id":10,"target_region_id":14}`,
			check: second,
			want:  []StoreID{4, 5, 6},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestSim(t, Options{Stores: 6, Regions: 20})
			quiet(s)
			if tc.prep != nil {
				tc.prep(s)
			}
			s.post(tc.op)
			for i := 0; i < 200; i++ {
				s.advance(50 * time.Millisecond)
				for _, id := range []RegionID{first, second} {
					r := s.snapshotRegion(id)
					if r == nil {
						continue
					}
					if err := regionOK(r); err != nil {
						t.Fatalf("after %v: %v", time.Duration(i+1)*50*time.Millisecond, err)
					}
					if p := r.peerOnStore(4); id == first && p != nil && p.Role == RoleDemotingVoter && tc.want[2] != 4 {
						t.Fatalf("the learner on store 4 was demoted to a voter role: %v", r.Peers)
					}
				}
			}
			id := tc.check
			if id == 0 {
				id = first
			}
			if got := s.opWord(id); got != "SUCCESS" {
				t.Fatalf("operator on region %d: %q, want SUCCESS", id, got)
			}
			r := s.snapshotRegion(id)
			var got []StoreID
			for _, p := range r.Peers {
				if p.Role != RoleVoter {
					t.Fatalf("region %d ends with a %s: %v", id, p.Role, r.Peers)
				}
				got = append(got, p.StoreID)
			}
			sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("region %d voters on %v, want %v", id, got, tc.want)
			}
		})
	}
}

// Canceling either half of a merge cancels the other: the other region is
// free again at once, and the half left behind can never merge a region
// that has changed since (which would overlap the key space).
func TestMergeHalvesEndTogether(t *testing.T) {
	for _, cancel := range []RegionID{9, 13} {
		t.Run(fmt.Sprintf("cancel %d", cancel), func(t *testing.T) {
			s := newTestSim(t, Options{Stores: 5, Regions: 20})
			quiet(s)
			s.arrange(13, 2, 1, 3)
			// The merge waits on region 9's leader, on store 1.
			s.slow(1, time.Hour)
			s.post(`{"name":"merge-region","source_region_id":9,"target_region_id":13}`)
			s.mustDo("DELETE", fmt.Sprintf("/pd/api/v1/operators/%d", cancel), "")
			for _, id := range []RegionID{9, 13} {
				if got := s.opWord(id); got != "CANCEL" {
					t.Fatalf("operator on region %d: %q, want CANCEL", id, got)
				}
			}
			// Region 13 splits; the merge must not come back to life.
			s.post(`{"name":"split-region","region_id":13,"policy":"approximate"}`)
			s.advance(time.Second)
			s.slow(1, 0)
			s.advance(time.Minute)
			var all struct {
				Regions []struct {
					ID       uint64 `json:"id"`
					StartKey string `json:"start_key"`
					EndKey   string `json:"end_key"`
				} `json:"regions"`
			}
			s.getJSON("/pd/api/v1/regions", &all)
			sort.Slice(all.Regions, func(i, j int) bool { return all.Regions[i].StartKey < all.Regions[j].StartKey })
			prev := ""
			for _, r := range all.Regions {
				if r.StartKey != prev {
					t.Fatalf("key space broken at region %d: starts at %q, previous region ends at %q", r.ID, r.StartKey, prev)
				}
				prev = r.EndKey
			}
			if prev != "" || len(all.Regions) != 21 {
				t.Fatalf("%d regions, last ends at %q; want 21 regions covering the key space", len(all.Regions), prev)
			}
		})
	}
}

// An operator that ends between entering and leaving a joint state leaves
// the region in it; PD's joint-state checker then makes it leave, moving
// the leader off a demoted peer first.
func TestJointStateCheckerLeavesAbandonedJointState(t *testing.T) {
	for _, tc := range []struct {
		name string
		from StoreID
	}{
		{"follower moving", 3},
		{"leader moving", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestSim(t, Options{Stores: 5, Regions: 20})
			s.post2("/pd/api/v1/schedulers/balance-leader-scheduler", `{"delay":86400}`)
			s.slow(4, 10*time.Second)
			s.post(fmt.Sprintf(`{"name":"transfer-peer","region_id":9,"from_store_id":%d,"to_store_id":4}`, tc.from))
			s.until("region 9 in a joint state", time.Minute, func(c *Cluster) bool { return c.regions[9].inJoint() })
			s.mustDo("DELETE", "/pd/api/v1/operators/9", "")
			s.slow(4, 0)
			s.advance(time.Minute)
			r := s.snapshotRegion(9)
			if err := regionOK(r); err != nil {
				t.Fatal(err)
			}
			for _, p := range r.Peers {
				if p.Role != RoleVoter {
					t.Fatalf("region 9 a minute after the cancel: %v, want voters only", r.Peers)
				}
			}
			if len(r.Peers) != 3 {
				t.Fatalf("region 9 has %d peers, want 3", len(r.Peers))
			}
		})
	}
}

// Timeouts fire at createAt + timeout exactly, not a moment before or after.
func TestOperatorTimesOutExactlyAtItsTimeout(t *testing.T) {
	for _, tc := range []struct {
		name    string
		opts    Options
		prep    func(s *testSim)
		op      string
		timeout time.Duration
	}{
		{"transfer-leader to a dead store", Options{}, func(s *testSim) { s.kill(2) },
			`{"name":"transfer-leader","region_id":9,"to_store_id":2}`, time.Minute},
		{"add-learner to a dead store", Options{}, func(s *testSim) { s.kill(4) },
			`{"name":"add-learner","region_id":9,"store_id":4}`, 10 * time.Minute},
		{"split the simulator does not do", Options{NoSplit: true}, nil,
			`{"name":"split-region","region_id":9,"policy":"approximate"}`, time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Stores, tc.opts.Regions = 5, 20
			s := newTestSim(t, tc.opts)
			quiet(s)
			if tc.prep != nil {
				tc.prep(s)
			}
			created := s.clock.Now()
			s.post(tc.op)
			s.clock.Advance(tc.timeout - time.Nanosecond)
			if got := s.opWord(9); got != "RUNNING" {
				t.Fatalf("1ns before the timeout: %q, want RUNNING", got)
			}
			s.clock.Advance(time.Nanosecond)
			if got := s.opWord(9); got != "TIMEOUT" {
				t.Fatalf("at the timeout: %q, want TIMEOUT", got)
			}
			s.c.mu.RLock()
			op := s.c.ops.records[9]
			s.c.mu.RUnlock()
			if !op.finishAt.Equal(created.Add(tc.timeout)) {
				t.Fatalf("finished at %v, want createAt+%v = %v", op.finishAt, tc.timeout, created.Add(tc.timeout))
			}
		})
	}
}
