package app

import (
	"context"
	"fmt"
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
	// One ticket per problem: the dead store's down replicas are evidence on
	// its ticket, not a region-down-peer ticket of their own.
	if got, want := strings.Join(active(), " "), "store-down/store=3 store-low-space/store=2"; got != want {
		t.Fatalf("after the faults, active tickets %q, want %q", got, want)
	}
	low, err := st.GetByKey(ctx, "store-low-space/store=2")
	if err != nil || low.Evidence == nil || low.Occurrences < 2 {
		t.Fatalf("low-space ticket: %+v %v", low, err)
	}
	dead, err := st.GetByKey(ctx, "store-down/store=3")
	if err != nil || dead.Severity != ticket.Warning || dead.Evidence["phase"] != "disconnected" {
		t.Fatalf("store-down ticket while only disconnected: %+v %v", dead, err)
	}
	if n := fmt.Sprint(dead.Evidence["down_peer_regions_total"]); n == "0" || n == "<nil>" {
		t.Fatalf("store-down ticket lacks the down replicas: %v", dead.Evidence)
	}
	// Past max-store-down-time PD calls the store Down: the same ticket
	// turns critical, with the escalation on its timeline.
	run(3 * time.Minute)
	all, _ := st.List(ctx, store.Filter{DedupKey: "store-down/store=3"})
	if len(all) != 1 || all[0].ID != dead.ID || all[0].Severity != ticket.Critical || all[0].Evidence["phase"] != "down" {
		t.Fatalf("store-down tickets for store 3 after Down: %+v", all)
	}
	events, err := st.Events(ctx, dead.ID)
	if err != nil {
		t.Fatal(err)
	}
	escalated := false
	for _, e := range events {
		escalated = escalated || strings.Contains(e.Message, "critical")
	}
	if !escalated {
		t.Fatalf("no escalation on the timeline: %+v", events)
	}
	if keys := strings.Join(active(), " "); strings.Contains(keys, "region-down-peer") {
		t.Fatalf("down replicas got a ticket of their own: %q", keys)
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
	if keys := active(); len(keys) != 0 {
		t.Fatalf("still active after healing: %q", keys)
	}
	// Over the whole run: exactly one ticket per problem, nothing else.
	every, err := st.List(ctx, store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tk := range every {
		got = append(got, tk.DedupKey)
		if len(tk.Evidence) == 0 || tk.State != ticket.Resolved {
			t.Errorf("ticket %s: state %s, evidence %v", tk.DedupKey, tk.State, tk.Evidence)
		}
	}
	sort.Strings(got)
	want := "hot-write-region/region=49 store-down/store=3 store-low-space/store=2"
	if strings.Join(got, " ") != want {
		t.Fatalf("tickets over the run:\n got %q\nwant %q", got, want)
	}
}
