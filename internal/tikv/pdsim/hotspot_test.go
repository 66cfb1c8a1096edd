package pdsim

import (
	"testing"
	"time"
)

func TestHotspotComesAndGoes(t *testing.T) {
	s := newTestSim(t, Options{Stores: 5, Regions: 100})
	hot := func() int {
		t.Helper()
		var out struct {
			AsLeader map[string]struct {
				RegionsCount int `json:"regions_count"`
			} `json:"as_leader"`
		}
		s.getJSON("/pd/api/v1/hotspot/regions/write", &out)
		n := 0
		for _, st := range out.AsLeader {
			n += st.RegionsCount
		}
		return n
	}
	if err := s.c.Inject(Fault{Type: "hotspot", StartKey: rowKey(10), EndKey: rowKey(13), BytesPerSecond: 16 << 20}); err != nil {
		t.Fatal(err)
	}
	s.clock.Advance(4 * time.Minute)
	if n := hot(); n != 3 {
		t.Fatalf("%d hot regions after 4 heartbeats, want 3", n)
	}
	if err := s.c.Inject(Fault{Type: "clear-hotspot"}); err != nil {
		t.Fatal(err)
	}
	s.clock.Advance(2 * time.Minute)
	if n := hot(); n != 0 {
		t.Fatalf("%d hot regions after the hotspot cleared, want 0", n)
	}
	if err := s.c.Inject(Fault{Type: "clear-hotspot", Region: 424242}); err == nil {
		t.Fatal("clear-hotspot on a missing region accepted")
	}
}
