package app

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/monitor"
	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/store/sqlite"
	"github.com/operator-dev/operator/internal/ticket"
	"github.com/operator-dev/operator/internal/tikv/observe"
	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

// TestPipelineAgainstPDSim runs the observe-only pipeline (TiKV subject,
// monitor, SQLite) against pdsim on one simulated clock: a store crash, a
// filling disk and a write hotspot each open exactly one ticket per problem,
// with evidence, and each resolves once the fault heals.
func TestPipelineAgainstPDSim(t *testing.T) {
	ctx := context.Background()
	clock := pdsim.NewManualClock(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	sim := pdsim.New(pdsim.Options{Stores: 5, Regions: 300, Clock: clock, MaxStoreDownTime: 2 * time.Minute})
	srv := httptest.NewServer(pdsim.NewServer(sim, "http://127.0.0.1:2379"))
	defer srv.Close()
	pdc, err := pd.New(pd.Config{Endpoint: srv.URL, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	subj, err := observe.New(observe.DefaultConfig(), pdc, nil, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "op.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	mon, err := monitor.New(monitor.Config{ClearAfter: time.Minute, ReopenWithin: 30 * time.Minute}, subj, st, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	// run advances the simulated clock in monitor intervals.
	run := func(d time.Duration) {
		t.Helper()
		for elapsed := time.Duration(0); elapsed < d; elapsed += 10 * time.Second {
			clock.Advance(10 * time.Second)
			if _, err := mon.Eval(ctx, clock.Now()); err != nil {
				t.Fatal(err)
			}
		}
	}
	active := func() []string {
		t.Helper()
		ts, err := st.List(ctx, store.Filter{States: []ticket.State{ticket.Open, ticket.Diagnosed}})
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, tk := range ts {
			keys = append(keys, tk.DedupKey)
		}
		sort.Strings(keys)
		return keys
	}

	run(30 * time.Second)
	if keys := active(); len(keys) != 0 {
		t.Fatalf("healthy cluster has tickets: %v", keys)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(sim.Inject(pdsim.Fault{Type: "kill-store", Store: 3}))
	must(sim.Inject(pdsim.Fault{Type: "fill-disk", Store: 2, AvailableRatio: 0.1}))
	// One hot region (the tenth), written at 32 MiB/s.
	must(sim.Inject(pdsim.Fault{Type: "hotspot", Region: 9 + 4*10, BytesPerSecond: 32 << 20}))
	run(40 * time.Second)
	keys := strings.Join(active(), " ")
	for _, want := range []string{"store-disconnected/store=3", "store-low-space/store=2", "region-down-peer"} {
		if !strings.Contains(keys, want) {
			t.Fatalf("after the faults, active tickets %q lack %q", keys, want)
		}
	}
	low, err := st.GetByKey(ctx, "store-low-space/store=2")
	if err != nil || low.Evidence == nil || low.Occurrences < 2 {
		t.Fatalf("low-space ticket: %+v %v", low, err)
	}
	// Past max-store-down-time the store is Down: one store-down ticket; the
	// disconnected one clears.
	run(3 * time.Minute)
	keys = strings.Join(active(), " ")
	if !strings.Contains(keys, "store-down/store=3") || strings.Contains(keys, "store-disconnected/store=3") {
		t.Fatalf("after max-store-down-time: %q", keys)
	}
	all, _ := st.List(ctx, store.Filter{DedupKey: "store-down/store=3"})
	if len(all) != 1 {
		t.Fatalf("%d store-down tickets for store 3, want 1", len(all))
	}
	// PD counts the region hot after three region heartbeats (60s each).
	hot, _ := st.List(ctx, store.Filter{Invariant: "hot-write-region"})
	if len(hot) != 1 || !strings.Contains(hot[0].DedupKey, "region=49") {
		t.Fatalf("hot-write-region tickets: %+v", hot)
	}
	// Heal both: the tickets resolve after clear-after.
	must(sim.Inject(pdsim.Fault{Type: "restore-store", Store: 3}))
	must(sim.Inject(pdsim.Fault{Type: "fill-disk", Store: 2, AvailableRatio: 0.9}))
	must(sim.Inject(pdsim.Fault{Type: "clear-hotspot"}))
	run(3 * time.Minute)
	keys = strings.Join(active(), " ")
	for _, gone := range []string{"store-down/store=3", "store-low-space/store=2", "hot-write-region"} {
		if strings.Contains(keys, gone) {
			t.Fatalf("%s still active after healing: %q", gone, keys)
		}
	}
}
