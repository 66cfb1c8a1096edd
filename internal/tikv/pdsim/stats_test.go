package pdsim

import (
	"testing"
	"time"
)

// PD shows no offline-peer regions after a store goes Offline while nothing
// moves (section 14.12 of shared/pd/README.md); they appear once the rule
// checker patrols again.
func TestOfflinePeerStatisticsWaitForPatrol(t *testing.T) {
	s := newTestSim(t, Options{Stores: 5, Regions: 100})
	s.do("POST", "/pd/api/v1/checker/rule", `{"delay":600}`)
	if code, body, _ := s.do("POST", "/pd/api/v1/store/5/state?state=Offline", ""); code != 200 {
		t.Fatalf("offline: %d %s", code, body)
	}
	var out struct {
		Count int `json:"count"`
	}
	s.clock.Advance(5 * time.Minute)
	s.getJSON("/pd/api/v1/regions/check/offline-peer", &out)
	if out.Count != 0 {
		t.Fatalf("offline-peer while the checker is paused = %d, want 0", out.Count)
	}
	s.do("POST", "/pd/api/v1/checker/rule", `{"delay":0}`)
	// One patrol later the statistics show them; the moves have only begun.
	s.clock.Advance(time.Second)
	s.getJSON("/pd/api/v1/regions/check/offline-peer", &out)
	var st storeOut
	s.getJSON("/pd/api/v1/store/5", &st)
	if out.Count == 0 || out.Count != st.Status.RegionCount {
		t.Fatalf("after the patrol offline-peer = %d, store 5 still holds %d", out.Count, st.Status.RegionCount)
	}
}
