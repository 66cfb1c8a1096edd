package pdsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A PD leader change names a new leader on /leader, /members and /health,
// and forgets the finished operators' records (the old leader's memory),
// while an operator still running carries on and is recorded when it ends.
func TestFaultPDLeaderChange(t *testing.T) {
	s := newTestSim(t, Options{Stores: 5, Regions: 30, Seed: 1})
	s.c.mu.RLock()
	a, b := s.c.byKey[0].ID, s.c.byKey[1].ID
	s.c.mu.RUnlock()
	s.post(fmt.Sprintf(`{"name":"split-region","region_id":%d,"policy":"approximate"}`, a))
	s.finish(a)
	if code, out, _ := s.do("GET", "/pd/api/v1/operators/records", ""); code != 200 || !strings.Contains(out, fmt.Sprintf("region:%d(", a)) {
		t.Fatalf("records before the leader change: %d %s", code, out)
	}
	s.post(fmt.Sprintf(`{"name":"split-region","region_id":%d,"policy":"approximate"}`, b))
	if err := s.c.Inject(Fault{Type: "pd-leader-change"}); err != nil {
		t.Fatal(err)
	}
	var leader memberJSON
	if err := json.Unmarshal([]byte(s.mustDo("GET", "/pd/api/v1/leader", "")), &leader); err != nil || leader.Name != "pd2" {
		t.Fatalf("leader after the change: %+v %v", leader, err)
	}
	var members struct {
		Members []memberJSON `json:"members"`
		Leader  memberJSON   `json:"leader"`
	}
	if err := json.Unmarshal([]byte(s.mustDo("GET", "/pd/api/v1/members", "")), &members); err != nil {
		t.Fatal(err)
	}
	if len(members.Members) != 2 || members.Leader.Name != "pd2" || members.Leader.MemberID == members.Members[0].MemberID {
		t.Fatalf("members after the change: %+v", members)
	}
	if health := s.mustDo("GET", "/pd/api/v1/health", ""); !strings.Contains(health, `"pd2"`) {
		t.Errorf("health after the change: %s", health)
	}
	if code, out, _ := s.do("GET", fmt.Sprintf("/pd/api/v1/operators/%d", a), ""); code != http.StatusInternalServerError || !strings.Contains(out, "not found") {
		t.Errorf("region %d's finished operator after the change: %d %s, want PD's operator not found", a, code, out)
	}
	s.finish(b)
	code, out, _ := s.do("GET", "/pd/api/v1/operators/records", "")
	if code != 200 || strings.Contains(out, fmt.Sprintf("region:%d(", a)) || !strings.Contains(out, fmt.Sprintf("region:%d(", b)) {
		t.Fatalf("records after the change: %d %s, want region %d's and not region %d's", code, out, b, a)
	}
	// Leaders take turns among three members.
	for range 3 {
		if err := s.c.Inject(Fault{Type: "pd-leader-change"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := json.Unmarshal([]byte(s.mustDo("GET", "/pd/api/v1/leader", "")), &leader); err != nil || leader.Name != "pd2" {
		t.Fatalf("leader after four changes: %+v %v", leader, err)
	}
	if err := json.Unmarshal([]byte(s.mustDo("GET", "/pd/api/v1/members", "")), &members); err != nil || len(members.Members) != 3 {
		t.Fatalf("members after four changes: %+v %v", members, err)
	}
}

// A clock jump moves PD's Date header and makes every store's last
// heartbeat look that old until the stores' next heartbeats, which come
// on their own schedule; a running operator neither times out nor
// finishes early, and the scenario timeline does not fire early.
func TestFaultClockJump(t *testing.T) {
	s := newTestSim(t, Options{Stores: 5, Regions: 30, Seed: 1})
	s.advance(time.Second)
	before := s.clock.Now()
	// A replica move takes a snapshot: long enough to be running at the jump.
	s.c.mu.RLock()
	var id RegionID
	var from, to StoreID
	for _, r := range s.c.byKey {
		for st := StoreID(1); st <= 5; st++ {
			if r.peerOnStore(st) == nil {
				id, from, to = r.ID, r.leaderStore(), st
			}
		}
		if id != 0 {
			break
		}
	}
	s.c.mu.RUnlock()
	s.post(fmt.Sprintf(`{"name":"transfer-peer","region_id":%d,"from_store_id":%d,"to_store_id":%d}`, id, from, to))
	if err := s.c.Inject(Fault{Type: "clock-jump", By: "soon"}); err == nil {
		t.Fatal("a clock jump by \"soon\" was accepted")
	}
	if err := s.c.Inject(Fault{Type: "clock-jump", By: "90s"}); err != nil {
		t.Fatal(err)
	}
	_, out, h := s.do("GET", "/pd/api/v1/stores", "")
	date, err := http.ParseTime(h.Get("Date"))
	if err != nil || date.Sub(before) < 90*time.Second {
		t.Fatalf("Date after a 90s jump: %q (was %s)", h.Get("Date"), before)
	}
	if n := strings.Count(out, `"state_name": "Disconnected"`); n != 5 {
		t.Fatalf("%d stores Disconnected right after the jump, want all 5:\n%s", n, out)
	}
	s.c.mu.RLock()
	running := s.c.ops.running[id] != nil
	s.c.mu.RUnlock()
	if !running {
		t.Fatalf("the operator on region %d ended with the jump", id)
	}
	s.advance(11 * time.Second) // one store heartbeat interval and a bit
	if _, out, _ := s.do("GET", "/pd/api/v1/stores", ""); strings.Count(out, `"state_name": "Up"`) != 5 {
		t.Fatalf("stores after their next heartbeat:\n%s", out)
	}
	s.finish(id)
	if _, out, _ := s.do("GET", fmt.Sprintf("/pd/api/v1/operators/%d", id), ""); !strings.Contains(out, "finished") {
		t.Errorf("the operator on region %d after the jump: %s, want finished (not timeout)", id, out)
	}
}
