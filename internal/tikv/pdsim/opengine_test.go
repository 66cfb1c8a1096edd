package pdsim

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// Operator engine edge cases: operators whose region is changed under them,
// steps whose stores die, cancels in the middle of a snapshot or a joint
// state. Regions in a 5-store, 20-region cluster: region 9 has peers on
// stores 1, 2, 3 (leader 1), region 13 on 2, 3, 4 (leader 2), and region 9
// ends where region 13 starts.

// snapshotRegion returns a copy of the region, or nil.
func (s *testSim) snapshotRegion(id RegionID) *Region {
	s.t.Helper()
	s.c.Sync()
	s.c.mu.RLock()
	defer s.c.mu.RUnlock()
	r := s.c.regions[id]
	if r == nil {
		return nil
	}
	cp := *r
	cp.Peers = append([]Peer(nil), r.Peers...)
	return &cp
}

// regionOK checks what must hold of any region: its leader is one of its
// peers and not a learner, and no two peers share a store.
func regionOK(r *Region) error {
	lp := r.leaderPeer()
	if lp == nil {
		return fmt.Errorf("region %d: leader %d is not one of its peers %v", r.ID, r.Leader, r.Peers)
	}
	if lp.Role == RoleLearner {
		return fmt.Errorf("region %d: leader %d is a learner: %v", r.ID, r.Leader, r.Peers)
	}
	seen := map[StoreID]bool{}
	for _, p := range r.Peers {
		if seen[p.StoreID] {
			return fmt.Errorf("region %d: two peers on store %d", r.ID, p.StoreID)
		}
		seen[p.StoreID] = true
	}
	return nil
}

// opWord is the status word GET /operators/{id} answers ("" when none).
func (s *testSim) opWord(id RegionID) string {
	s.t.Helper()
	code, body, _ := s.do("GET", fmt.Sprintf("/pd/api/v1/operators/%d", id), "")
	if code != 200 {
		return ""
	}
	var text string
	if err := json.Unmarshal([]byte(body), &text); err != nil {
		s.t.Fatalf("operator %d: %v in %s", id, err, body)
	}
	word, _, _ := strings.Cut(strings.TrimPrefix(text, "status: "), ",")
	return word
}

func (s *testSim) fault(f Fault) {
	s.t.Helper()
	if err := s.c.Inject(f); err != nil {
		s.t.Fatal(err)
	}
}

func (s *testSim) slow(store StoreID, d time.Duration) {
	s.t.Helper()
	s.fault(Fault{Type: "slow-store", Store: uint64(store), Latency: d.String()})
}

// quiet stops PD's own checkers and leader balancing, so only the
// operators a test creates change regions.
func quiet(s *testSim) {
	pauseRule(s)
	s.post2("/pd/api/v1/checker/joint-state", `{"delay":3600}`)
	s.post2("/pd/api/v1/schedulers/balance-leader-scheduler", `{"delay":86400}`)
}

// snapCounts sums sending and receiving snapshots over the stores.
func (s *testSim) snapCounts() (sending, receiving map[StoreID]int) {
	s.c.Sync()
	s.c.mu.RLock()
	defer s.c.mu.RUnlock()
	sending, receiving = map[StoreID]int{}, map[StoreID]int{}
	for id, st := range s.c.stores {
		if st.sendingSnaps != 0 {
			sending[id] = st.sendingSnaps
		}
		if st.receivingSnaps != 0 {
			receiving[id] = st.receivingSnaps
		}
	}
	return sending, receiving
}

// A snapshot is charged to the store that sends it, the leader's store when
// the learner is added. The leader may move before the snapshot lands; the
// counters must still come back to zero however the operator ends.
func TestSnapshotCountersReleasedOnTheSender(t *testing.T) {
	for _, end := range []string{"complete", "cancel", "timeout"} {
		t.Run(end, func(t *testing.T) {
			s := newTestSim(t, Options{Stores: 5, Regions: 20})
			quiet(s)
			s.slow(4, 2*time.Second)
			s.post(`{"name":"add-learner","region_id":9,"store_id":4}`)
			if snd, rcv := s.snapCounts(); snd[1] != 1 || rcv[4] != 1 {
				t.Fatalf("while sending: sending %v receiving %v, want store 1 -> store 4", snd, rcv)
			}
			// The leader moves to store 2 while the snapshot is in flight.
			s.fault(Fault{Type: "leader-imbalance", Store: 2, Fraction: 1})
			if r := s.snapshotRegion(9); r.leaderStore() != 2 {
				t.Fatalf("setup: leader of region 9 on store %d, want 2", r.leaderStore())
			}
			switch end {
			case "complete":
				s.advance(5 * time.Second)
			case "cancel":
				s.mustDo("DELETE", "/pd/api/v1/operators/9", "")
			case "timeout":
				s.kill(4)
				s.advance(11 * time.Minute)
			}
			want := map[string]string{"complete": "SUCCESS", "cancel": "CANCEL", "timeout": "TIMEOUT"}[end]
			if got := s.opWord(9); got != want {
				t.Fatalf("operator status %q, want %q", got, want)
			}
			if snd, rcv := s.snapCounts(); len(snd)+len(rcv) != 0 {
				t.Fatalf("after the operator ended: sending %v receiving %v, want none", snd, rcv)
			}
			r := s.snapshotRegion(9)
			if len(r.Pending) != 0 {
				t.Fatalf("pending peers left: %v", r.Pending)
			}
			// PD leaves the learner of an abandoned add; it is no longer pending.
			if p := r.peerOnStore(4); p == nil || p.Role != RoleLearner {
				t.Fatalf("peer on store 4 = %+v, want a learner", p)
			}
		})
	}
}

// A learner whose add was canceled is left in the region; the rule checker
// removes it soon after, as PD's does, leaving the region as it was.
func TestCanceledAddLeavesLearnerForTheRuleChecker(t *testing.T) {
	s := newTestSim(t, Options{Stores: 5, Regions: 20})
	s.slow(4, time.Hour)
	s.post(`{"name":"add-peer","region_id":9,"store_id":4}`)
	s.mustDo("DELETE", "/pd/api/v1/operators/9", "")
	s.slow(4, 0)
	s.advance(30 * time.Second)
	r := s.snapshotRegion(9)
	if len(r.Peers) != 3 || r.peerOnStore(4) != nil || len(r.Pending) != 0 {
		t.Fatalf("region 9 after the cancel: peers %v pending %v, want 3 voters on 1, 2, 3", r.Peers, r.Pending)
	}
	if snd, rcv := s.snapCounts(); len(snd)+len(rcv) != 0 {
		t.Fatalf("snapshots left: sending %v receiving %v", snd, rcv)
	}
}

// An add-learner step whose target store is down waits for it: the learner
// only appears once the store is back, and the operator only succeeds once
// the peer is really there.
func TestAddPeerWaitsForItsStore(t *testing.T) {
	s := newTestSim(t, Options{Stores: 5, Regions: 20})
	quiet(s)
	s.kill(4)
	s.post(`{"name":"add-peer","region_id":9,"store_id":4}`)
	s.advance(30 * time.Second)
	if got := s.opWord(9); got != "RUNNING" {
		t.Fatalf("with store 4 down: operator %q, want RUNNING", got)
	}
	if r := s.snapshotRegion(9); r.peerOnStore(4) != nil {
		t.Fatalf("a learner appeared on the dead store 4: %v", r.Peers)
	}
	s.fault(Fault{Type: "restore-store", Store: 4})
	s.advance(5 * time.Second)
	if got := s.opWord(9); got != "SUCCESS" {
		t.Fatalf("after the restore: operator %q, want SUCCESS", got)
	}
	r := s.snapshotRegion(9)
	if p := r.peerOnStore(4); p == nil || p.Role != RoleVoter {
		t.Fatalf("operator succeeded but region 9 has no voter on store 4: %v", r.Peers)
	}
	if snd, rcv := s.snapCounts(); len(snd)+len(rcv) != 0 {
		t.Fatalf("snapshots left: sending %v receiving %v", snd, rcv)
	}
}

// An operator planned against one epoch of a region is stale once something
// else changes the region's membership (here the lose-peers fault): PD
// cancels it rather than run steps that no longer fit.
func TestOperatorCanceledWhenItsRegionChangesUnderIt(t *testing.T) {
	for _, tc := range []struct {
		name, op string
		lost     int
	}{
		{"transfer-leader to a lost peer", `{"name":"transfer-leader","region_id":9,"to_store_id":2}`, 1},
		{"add-peer", `{"name":"add-peer","region_id":9,"store_id":4}`, 1},
		{"remove-peer", `{"name":"remove-peer","region_id":9,"store_id":3}`, 1},
		{"move peer, the new learner lost too", `{"name":"transfer-peer","region_id":9,"from_store_id":3,"to_store_id":4}`, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestSim(t, Options{Stores: 5, Regions: 20})
			quiet(s)
			for _, id := range []StoreID{2, 3, 4} {
				s.slow(id, time.Hour)
			}
			s.post(tc.op)
			s.fault(Fault{Type: "lose-peers", Region: 9, Count: tc.lost})
			s.advance(time.Second)
			if got := s.opWord(9); got != "CANCEL" {
				t.Fatalf("operator after its region changed: %q, want CANCEL", got)
			}
			r := s.snapshotRegion(9)
			if err := regionOK(r); err != nil {
				t.Fatal(err)
			}
			if len(r.Pending) != 0 {
				t.Fatalf("pending peers left: %v", r.Pending)
			}
			if snd, rcv := s.snapCounts(); len(snd)+len(rcv) != 0 {
				t.Fatalf("snapshots left: sending %v receiving %v", snd, rcv)
			}
		})
	}
}

// Peers a region loses take their down and pending state with them: the
// region no longer reports them, and its JSON stays well formed.
func TestLostPeersLeaveNoDownOrPendingState(t *testing.T) {
	for _, tc := range []struct {
		name     string
		kill     []StoreID
		lost     int
		wantDown int
	}{
		{"the down peer is lost", []StoreID{2}, 1, 0},
		{"one of two down peers is lost", []StoreID{2, 3}, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestSim(t, Options{Stores: 5, Regions: 20})
			quiet(s)
			s.kill(tc.kill...)
			s.advance(15 * time.Second)
			s.fault(Fault{Type: "lose-peers", Region: 9, Count: tc.lost})
			_, body, _ := s.do("GET", "/pd/api/v1/region/id/9", "")
			var out struct {
				DownPeers *[]json.RawMessage `json:"down_peers"`
			}
			if err := json.Unmarshal([]byte(body), &out); err != nil {
				t.Fatalf("region 9 is not valid JSON (%v): %s", err, body)
			}
			got := 0
			if out.DownPeers != nil {
				got = len(*out.DownPeers)
				if got == 0 {
					t.Fatalf("empty down_peers list served; PD omits it: %s", body)
				}
			}
			if got != tc.wantDown {
				t.Fatalf("down_peers has %d entries, want %d: %s", got, tc.wantDown, body)
			}
		})
	}
}

// A fault cannot hand leaders to a crashed store: nothing would elect new
// ones, and the regions would stay leaderless forever.
func TestLeaderImbalanceRefusesADeadStore(t *testing.T) {
	s := newTestSim(t, Options{Stores: 5, Regions: 20})
	s.kill(3)
	s.advance(15 * time.Second)
	code, body, _ := s.do("POST", "/pdsim/v1/faults", `{"type":"leader-imbalance","store":3,"fraction":1}`)
	if code != 400 {
		t.Fatalf("leader-imbalance onto a dead store: %d %s, want 400", code, body)
	}
	s.c.mu.RLock()
	defer s.c.mu.RUnlock()
	if n := s.c.stores[3].leaderCount; n != 0 {
		t.Fatalf("the dead store 3 leads %d regions", n)
	}
}
