package observe

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

var simOpts = pdsim.Options{Stores: 5, Regions: 100}

func TestSimHealthyClusterHasNoViolations(t *testing.T) {
	e := newSimEnv(t, simOpts, Config{}, pd.Config{})
	for _, step := range []time.Duration{0, 10 * time.Second, 5 * time.Minute, time.Hour} {
		e.clock.Advance(step)
		snap, vs := e.observe()
		if len(snap.Failed()) != 0 || len(vs) != 0 {
			t.Fatalf("after %s: failed %v, violations %v", step, snap.Failed(), keyList(vs))
		}
		if got := len(snap.Sources); got != 9+len(regionCheckKinds) {
			t.Errorf("%d sources", got)
		}
		d := snap.Data.(*Data)
		if len(d.Stores) != 5 || d.Schedule == nil || d.Leader == nil || len(d.Health) != 1 || len(d.RegionChecks) != len(regionCheckKinds) {
			t.Errorf("data incomplete: %d stores, schedule %v, leader %v, %d health, %d checks",
				len(d.Stores), d.Schedule != nil, d.Leader, len(d.Health), len(d.RegionChecks))
		}
	}
}

// A killed store is one problem from its first missed heartbeats to PD's
// Down: one store-down key whose severity rises, with the regions that lost
// a replica there as its evidence, never a region-down-peer of their own.
func TestSimKilledStoreDisconnectsThenGoesDown(t *testing.T) {
	e := newSimEnv(t, simOpts, Config{}, pd.Config{})
	e.post("/pd/api/v1/config/schedule", `{"max-store-down-time":"1m"}`)
	// Killed right after its heartbeat at t0: its heartbeat age is the time since the kill.
	e.fault(`{"type":"kill-store","store":2}`)
	steps := []struct {
		at       time.Duration
		severity subject.Severity // of store-down/store=2; 0: absent
		summary  string
	}{
		{at: 10 * time.Second},
		{at: 19 * time.Second},
		{at: 20 * time.Second, severity: subject.Warning,
			summary: "store 2 (tikv-2:20160) has not heartbeated for 20s: PD reports it still Up; Down after max-store-down-time 1m0s; PD lists 60 regions with a down replica"},
		{at: 21 * time.Second, severity: subject.Warning},
		{at: 60 * time.Second, severity: subject.Warning},
		{at: 65 * time.Second, severity: subject.Critical},
		{at: 2 * time.Minute, severity: subject.Critical},
	}
	var at time.Duration
	for _, s := range steps {
		e.clock.Advance(s.at - at)
		at = s.at
		vs := e.observeOK()
		when := fmt.Sprintf("%s after the kill", at)
		want(t, when, vs, nil, []string{"region-down-peer", "store-disconnected/store=2"})
		for k := range vs {
			if strings.HasPrefix(k, "store-") && !strings.HasSuffix(k, "store=2") {
				t.Errorf("%s: a live store is reported: %s", when, k)
			}
		}
		v, ok := vs["store-down/store=2"]
		if s.severity == 0 {
			if ok {
				t.Errorf("%s: store-down raised early: %s", when, v.Summary)
			}
			continue
		}
		if !ok {
			t.Errorf("%s: no store-down/store=2; have %v", when, keyList(vs))
			continue
		}
		if v.Severity != s.severity {
			t.Errorf("%s: severity %s, want %s", when, v.Severity, s.severity)
		}
		if s.summary != "" && v.Summary != s.summary {
			t.Errorf("%s: summary %q\nwant %q", when, v.Summary, s.summary)
		}
		// Until PD has replaced them (max-store-down-time, 1m).
		if n, _ := v.Evidence["down_peer_regions_total"].(int); n == 0 && at <= time.Minute {
			t.Errorf("%s: the down replicas are not evidence on the store: %v", when, v.Evidence)
		}
	}
	// Back: nothing left, and no down-peer ticket in the lag after.
	e.fault(`{"type":"restore-store","store":2}`)
	e.clock.Advance(10 * time.Second)
	want(t, "restored", e.observeOK(), nil, []string{"store-down/store=2", "region-down-peer"})
}

func TestSimFillDiskIsLowSpace(t *testing.T) {
	cases := []struct {
		ratio float64
		want  subject.Severity
	}{
		{0.5, 0}, {0.22, subject.Warning}, {0.1, subject.Critical},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.ratio), func(t *testing.T) {
			e := newSimEnv(t, simOpts, Config{}, pd.Config{})
			e.fault(fmt.Sprintf(`{"type":"fill-disk","store":3,"available_ratio":%v}`, tc.ratio))
			e.clock.Advance(10 * time.Second)
			vs := e.observeOK()
			v, ok := vs["store-low-space/store=3"]
			if tc.want == 0 {
				want(t, "half full", vs, nil, []string{"store-low-space/store=3"})
				return
			}
			if !ok || v.Severity != tc.want {
				t.Fatalf("store-low-space/store=3: %v %+v; all %v", ok, v, keyList(vs))
			}
			if len(vs) != 1 {
				t.Errorf("other violations: %v", keyList(vs))
			}
		})
	}
}

func TestSimWriteHotspot(t *testing.T) {
	e := newSimEnv(t, simOpts, Config{}, pd.Config{})
	r := e.regionWith(0, 0)
	e.fault(fmt.Sprintf(`{"type":"hotspot","region":%d,"bytes_per_second":%d}`, r.ID, 32<<20))
	// PD lists a region hot only after hot-region-cache-hits-threshold (3)
	// region heartbeats (60s each) above the threshold.
	e.clock.Advance(2 * time.Minute)
	vs := e.observeOK()
	for k := range vs {
		if strings.HasPrefix(k, "hot-") {
			t.Errorf("hot after 2 heartbeats: %s", k)
		}
	}
	e.clock.Advance(2 * time.Minute)
	vs = e.observeOK()
	now, err := e.writer.GetRegion(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	key := fmt.Sprintf("hot-write-region/region=%d", r.ID)
	want(t, "after 4 heartbeats", vs, []string{key}, []string{"hot-read-region/region=" + r.ID.String()})
	if got := vs[key].Evidence["leader_store_id"]; got != uint64(now.Leader.StoreID) {
		t.Errorf("leader_store_id %v, want the leader's store %d", got, now.Leader.StoreID)
	}
}

func TestSimLeaderImbalance(t *testing.T) {
	e := newSimEnv(t, simOpts, Config{}, pd.Config{})
	e.post("/pd/api/v1/schedulers/balance-leader-scheduler", `{"delay":3600}`)
	vs := e.observeOK()
	want(t, "before", vs, nil, []string{"leader-imbalance"})
	e.fault(`{"type":"leader-imbalance","store":1,"fraction":0.8}`)
	e.clock.Advance(10 * time.Second)
	vs = e.observeOK()
	want(t, "after", vs, []string{"leader-imbalance"}, nil)
	if v := vs["leader-imbalance"]; v.Evidence["busiest_store_id"] != uint64(1) {
		t.Errorf("busiest store %v: %s", v.Evidence["busiest_store_id"], v.Summary)
	}
}

func TestSimLostPeerIsMissPeer(t *testing.T) {
	e := newSimEnv(t, simOpts, Config{}, pd.Config{})
	e.post("/pd/api/v1/checker/rule", `{"delay":3600}`)
	r := e.regionWith(0, 0)
	e.fault(fmt.Sprintf(`{"type":"lose-peers","region":%d,"count":1}`, r.ID))
	e.clock.Advance(time.Second)
	vs := e.observeOK()
	want(t, "after losing a peer", vs, []string{"region-miss-peer"}, nil)
	ids, _ := vs["region-miss-peer"].Evidence["sample_region_ids"].([]uint64)
	if !slices.Contains(ids, uint64(r.ID)) {
		t.Errorf("region %d not in the evidence: %s", r.ID, vs["region-miss-peer"].Summary)
	}
}

func TestSimOperatorOnDeadStoreIsStuck(t *testing.T) {
	e := newSimEnv(t, simOpts, Config{}, pd.Config{})
	e.fault(`{"type":"kill-store","store":2}`)
	r := e.regionWith(2, 2)
	err := e.writer.CreateOperator(context.Background(), pd.TransferLeader(r.ID, 2))
	if err != nil {
		t.Fatal(err)
	}
	key := fmt.Sprintf("operator-stuck/desc=admin-transfer-leader,region=%d", r.ID)
	for _, s := range []struct {
		after time.Duration
		stuck bool
	}{{0, false}, {29 * time.Second, false}, {31 * time.Second, true}, {61 * time.Second, false}} {
		e.clock.Advance(s.after - (e.clock.Now().Sub(t0)))
		vs := e.observeOK()
		if _, ok := vs[key]; ok != s.stuck {
			t.Errorf("%s after creating it: stuck %v, want %v (%v)", s.after, ok, s.stuck, keyList(vs))
		}
	}
}

func TestSimOfflineDrainThatStopsIsStuck(t *testing.T) {
	e := newSimEnv(t, simOpts, Config{}, pd.Config{})
	e.post("/pd/api/v1/config/schedule", `{"halt-scheduling":"true"}`)
	if err := e.writer.SetStoreState(context.Background(), 5, pd.StoreOffline); err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		at    time.Duration
		stuck bool
	}{{0, false}, {29 * time.Minute, false}, {30 * time.Minute, true}} {
		e.clock.Advance(s.at - (e.clock.Now().Sub(t0)))
		vs := e.observeOK()
		if _, ok := vs["store-offline-stuck/store=5"]; ok != s.stuck {
			t.Errorf("%s into the drain: stuck %v, want %v (%v)", s.at, ok, s.stuck, keyList(vs))
		}
	}
}
