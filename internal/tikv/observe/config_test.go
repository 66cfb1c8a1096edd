package observe

import (
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/tikv/actions"
	"github.com/operator-dev/operator/internal/tikv/pd"
)

func TestConfigDefaults(t *testing.T) {
	c := DefaultConfig()
	checks := []struct {
		name      string
		got, want any
	}{
		{"DisconnectAfter", c.DisconnectAfter, 20 * time.Second},
		{"OfflineStuckAfter", c.OfflineStuckAfter, 30 * time.Minute},
		{"LowSpaceMargin", c.LowSpaceMargin, 0.05},
		{"RegionCheckLimit", c.RegionCheckLimit, 16},
		{"DownPeerMinRegions", c.DownPeerMinRegions, 1},
		{"LeaderImbalanceRatio", c.LeaderImbalanceRatio, 1.5},
		{"HotWriteRegionBytes", c.HotWriteRegionBytes, float64(8 << 20)},
		{"OperatorStuckFraction", c.OperatorStuckFraction, 0.5},
		{"LatencyThreshold", c.LatencyThreshold, 500 * time.Millisecond},
		{"LatencyMetric", c.LatencyMetric, "tikv_grpc_msg_duration_seconds"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
}

func TestConfigRefusesNonsense(t *testing.T) {
	cases := []struct {
		cfg  Config
		want string
	}{
		{Config{DisconnectAfter: -time.Second}, "DisconnectAfter -1s is negative"},
		{Config{RegionCheckLimit: -1}, "RegionCheckLimit -1 is negative"},
		{Config{LeaderImbalanceRatio: 0.5}, "must be at least 1"},
		{Config{OperatorStuckFraction: 1.5}, "OperatorStuckFraction 1.5"},
		{Config{LatencyQuantile: 1}, "LatencyQuantile 1"},
		{Config{LowSpaceMargin: 1}, "LowSpaceMargin 1"},
		{Config{LatencyMetric: `up) or vector(1`}, "not a Prometheus metric name"},
	}
	for _, tc := range cases {
		_, err := tc.cfg.normalize()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", tc.cfg, err, tc.want)
		}
	}
	pdc, err := pd.New(pd.Config{Endpoint: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{PDTimeout: -1}, pdc, nil, nil); err == nil {
		t.Error("New accepted a negative timeout")
	}
	if _, err := New(Config{}, nil, nil, nil); err == nil {
		t.Error("New accepted no PD client")
	}
}

// The list is the adapter's contract with the monitor and the tickets:
// names and order must not change by accident.
func TestInvariantsStableOrderAndNeeds(t *testing.T) {
	pdc, err := pd.New(pd.Config{Endpoint: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{}, pdc, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"store-down", "store-offline-stuck", "store-low-space",
		"region-miss-peer", "region-down-peer", "region-pending-peer", "region-extra-peer",
		"leader-imbalance", "region-imbalance", "hot-write-region", "hot-read-region", "hot-write-store", "hot-read-store",
		"operator-stuck", "region-oversized", "pd-unhealthy", "pd-no-leader",
	}
	names := func(invs []subject.Invariant) []string {
		var out []string
		for _, inv := range invs {
			out = append(out, inv.Name())
		}
		return out
	}
	if got := names(s.Invariants()); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("without Prometheus:\n got %v\nwant %v", got, want)
	}
	withProm := append(append(append([]string{}, want[:15]...), "store-high-latency"), want[15:]...)
	if got := names(invariants(DefaultConfig(), true)); strings.Join(got, " ") != strings.Join(withProm, " ") {
		t.Errorf("with Prometheus:\n got %v\nwant %v", got, withProm)
	}
	known := map[string]bool{SourceStores: true, SourceClusterStatus: true, SourceHealth: true, SourceLeader: true,
		SourceSchedule: true, SourceHotWrite: true, SourceHotRead: true, SourceHotStores: true, SourceOperators: true, SourcePrometheus: true}
	for _, k := range regionCheckKinds {
		known[SourceRegionCheck(k)] = true
	}
	for _, inv := range invariants(DefaultConfig(), true) {
		if len(inv.Needs()) == 0 {
			t.Errorf("%s needs nothing", inv.Name())
		}
		for _, n := range inv.Needs() {
			if !known[n] {
				t.Errorf("%s needs unknown source %q", inv.Name(), n)
			}
		}
		if _, err := inv.Check(&subject.Snapshot{Data: "not ours"}); err == nil {
			t.Errorf("%s accepted foreign snapshot data", inv.Name())
		}
		if vs, err := inv.Check(&subject.Snapshot{Time: t0, Data: &Data{}}); err != nil || len(vs) != 0 && inv.Name() != InvPDUnhealthy && inv.Name() != InvPDNoLeader {
			t.Errorf("%s on empty data: %v %v", inv.Name(), vs, err)
		}
	}
	if s.Name() != "tikv" || len(s.Actions()) != len(actions.Registry()) {
		t.Errorf("Name %q, %d actions, want the registry's %d", s.Name(), len(s.Actions()), len(actions.Registry()))
	}
	if SourceGroup("pd:regions-check/miss-peer") != "pd" || SourceGroup("prometheus") != "prometheus" {
		t.Error("SourceGroup")
	}
}

// Pending and extra replicas are how a move looks halfway: only those two
// checks wait before a ticket, as long as configured.
func TestRegionMoveChecksHoldDown(t *testing.T) {
	cfg, err := Config{ExtraPeerHoldDown: 3 * time.Minute}.normalize()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]time.Duration{InvRegionPendingPeer: time.Minute, InvRegionExtraPeer: 3 * time.Minute}
	for _, inv := range invariants(cfg, true) {
		var got time.Duration
		if h, ok := inv.(subject.HoldDowner); ok {
			got = h.HoldDown()
		}
		if got != want[inv.Name()] {
			t.Errorf("%s: hold-down %s, want %s", inv.Name(), got, want[inv.Name()])
		}
	}
}
