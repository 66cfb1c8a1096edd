package monitor

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/store/sqlite"
	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/ticket"
)

// scripted is a subject whose world the test sets before each cycle: which
// stores are down, which sources fail.
type scripted struct {
	down      map[string]bool // store id -> down
	failing   map[string]error
	observe   error
	checkErr  error
	latencyHi bool
	// stall makes Observe wait for its context's end, as a PD that stops
	// answering does.
	stall bool
	// latencyHold is the latency invariant's own hold-down.
	latencyHold time.Duration
}

func (s *scripted) Name() string                  { return "tikv" }
func (s *scripted) Actions() []subject.ActionSpec { return nil }
func (s *scripted) Invariants() []subject.Invariant {
	return []subject.Invariant{storeDown{s}, latency{s}}
}

func (s *scripted) Observe(ctx context.Context, now time.Time) (*subject.Snapshot, error) {
	if s.observe != nil {
		return nil, s.observe
	}
	if s.stall {
		<-ctx.Done()
		return nil, fmt.Errorf("read PD: %w", ctx.Err())
	}
	snap := &subject.Snapshot{Time: now}
	for _, name := range []string{"pd", "prometheus"} {
		snap.Sources = append(snap.Sources, subject.Source{Name: name, Err: s.failing[name]})
	}
	return snap, nil
}

type storeDown struct{ s *scripted }

func (storeDown) Name() string    { return "store-down" }
func (storeDown) Needs() []string { return []string{"pd"} }
func (i storeDown) Check(*subject.Snapshot) ([]subject.Violation, error) {
	if i.s.checkErr != nil {
		return nil, i.s.checkErr
	}
	var out []subject.Violation
	for id, down := range i.s.down {
		if down {
			out = append(out, subject.Violation{
				Invariant: "store-down", Labels: map[string]string{"store": id}, Severity: subject.Critical,
				Summary: "store " + id + " is down", Evidence: map[string]any{"store": id},
			})
		}
	}
	return out, nil
}

type latency struct{ s *scripted }

func (i latency) HoldDown() time.Duration { return i.s.latencyHold }

func (latency) Name() string    { return "store-high-latency" }
func (latency) Needs() []string { return []string{"prometheus"} }
func (i latency) Check(*subject.Snapshot) ([]subject.Violation, error) {
	if !i.s.latencyHi {
		return nil, nil
	}
	return []subject.Violation{{Invariant: "store-high-latency", Labels: map[string]string{"store": "2"}, Severity: subject.Warning, Summary: "slow"}}, nil
}

type rig struct {
	t     *testing.T
	subj  *scripted
	store store.Store
	mon   *Monitor
	now   time.Time
	reg   *prometheus.Registry
	path  string
	cfg   Config
}

func newRig(t *testing.T, cfg Config) *rig {
	t.Helper()
	path := filepath.Join(t.TempDir(), "operator.db")
	r := &rig{t: t, subj: &scripted{down: map[string]bool{}, failing: map[string]error{}}, path: path, cfg: cfg,
		now: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)}
	r.reopen()
	return r
}

// reopen starts a fresh monitor (and store handle) on the same database, as
// a restarted daemon would.
func (r *rig) reopen() {
	r.t.Helper()
	if r.store != nil {
		r.store.Close()
	}
	st, err := sqlite.Open(context.Background(), r.path, sqlite.Options{})
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { st.Close() })
	r.store = st
	r.reg = prometheus.NewRegistry()
	mon, err := New(r.cfg, r.subj, st, nil, NewMetrics(r.reg, st))
	if err != nil {
		r.t.Fatal(err)
	}
	r.mon = mon
}

func (r *rig) cycle(advance time.Duration) Report {
	r.t.Helper()
	r.now = r.now.Add(advance)
	rep, err := r.mon.Eval(context.Background(), r.now)
	if err != nil {
		r.t.Fatalf("Eval at %s: %v", r.now, err)
	}
	return rep
}

func (r *rig) tickets(states ...ticket.State) []ticket.Ticket {
	r.t.Helper()
	ts, err := r.store.List(context.Background(), store.Filter{States: states})
	if err != nil {
		r.t.Fatal(err)
	}
	return ts
}

func TestTicketLifecycle(t *testing.T) {
	r := newRig(t, Config{ClearAfter: time.Minute, ReopenWithin: 30 * time.Minute})
	r.subj.down["4"] = true
	rep := r.cycle(0)
	if len(rep.Opened) != 1 {
		t.Fatalf("first cycle opened %v", rep.Opened)
	}
	id := rep.Opened[0]
	for i := 0; i < 3; i++ {
		if rep := r.cycle(10 * time.Second); len(rep.Updated) != 1 || rep.Updated[0] != id {
			t.Fatalf("repeat %d: %+v", i, rep)
		}
	}
	got, _ := r.store.Get(context.Background(), id)
	if got.Occurrences != 4 || got.DedupKey != "store-down/store=4" {
		t.Fatalf("ticket after repeats: %+v", got)
	}
	// Gone, but not for ClearAfter yet.
	r.subj.down["4"] = false
	if rep := r.cycle(10 * time.Second); len(rep.Resolved) != 0 {
		t.Fatalf("resolved before clear-after: %+v", rep)
	}
	if rep := r.cycle(time.Minute); len(rep.Resolved) != 1 || rep.Resolved[0] != id {
		t.Fatalf("not resolved after clear-after: %+v", rep)
	}
	// It comes back within the reopen window: the same ticket, reopened.
	r.subj.down["4"] = true
	if rep := r.cycle(5 * time.Minute); len(rep.Reopened) != 1 || rep.Reopened[0] != id {
		t.Fatalf("not reopened: %+v", rep)
	}
	if n := len(r.tickets()); n != 1 {
		t.Fatalf("%d tickets, want 1", n)
	}
	// Gone for good, then back after the window: a new ticket.
	r.subj.down["4"] = false
	r.cycle(2 * time.Minute)
	r.subj.down["4"] = true
	if rep := r.cycle(time.Hour); len(rep.Opened) != 1 || rep.Opened[0] == id {
		t.Fatalf("after the window: %+v", rep)
	}
}

func TestHoldDownAndFlapping(t *testing.T) {
	r := newRig(t, Config{HoldDown: 30 * time.Second, ClearAfter: time.Minute})
	r.subj.down["1"] = true
	if rep := r.cycle(0); len(rep.Opened) != 0 || len(rep.Held) != 1 {
		t.Fatalf("opened inside hold-down: %+v", rep)
	}
	// A blip shorter than the hold-down never opens a ticket.
	r.subj.down["1"] = false
	r.cycle(10 * time.Second)
	r.subj.down["1"] = true
	r.cycle(10 * time.Second)
	if rep := r.cycle(20 * time.Second); len(rep.Opened) != 0 {
		t.Fatalf("blip restarted the hold-down wrongly: %+v", rep)
	}
	if rep := r.cycle(10 * time.Second); len(rep.Opened) != 1 {
		t.Fatalf("not opened after 30s of violation: %+v", rep)
	}
	// Flapping every cycle keeps one ticket, never resolved.
	for i := 0; i < 20; i++ {
		r.subj.down["1"] = i%2 == 0
		if rep := r.cycle(10 * time.Second); len(rep.Opened)+len(rep.Resolved)+len(rep.Reopened) != 0 {
			t.Fatalf("flap %d changed tickets: %+v", i, rep)
		}
	}
	if n := len(r.tickets()); n != 1 {
		t.Fatalf("%d tickets after flapping, want 1", n)
	}
}

// An invariant's own hold-down delays only its tickets.
func TestInvariantHoldDown(t *testing.T) {
	r := newRig(t, Config{ClearAfter: time.Minute})
	r.subj.latencyHold = 30 * time.Second
	r.reopen() // the monitor reads the hold-downs when it is built
	r.subj.latencyHi = true
	r.subj.down["1"] = true
	rep := r.cycle(0)
	if len(rep.Opened) != 1 || len(rep.Held) != 1 || rep.Held[0] != "store-high-latency/store=2" {
		t.Fatalf("first cycle: %+v", rep)
	}
	if rep := r.cycle(20 * time.Second); len(rep.Opened) != 0 {
		t.Fatalf("latency opened inside its hold-down: %+v", rep)
	}
	if rep := r.cycle(10 * time.Second); len(rep.Opened) != 1 {
		t.Fatalf("latency not opened after its 30s hold-down: %+v", rep)
	}
}

func TestFailingSourceSkipsOnlyItsInvariants(t *testing.T) {
	r := newRig(t, Config{ClearAfter: time.Second})
	r.subj.latencyHi = true
	r.subj.down["3"] = true
	r.cycle(0)
	if n := len(r.tickets(ticket.Open)); n != 2 {
		t.Fatalf("%d open tickets, want 2", n)
	}
	// Prometheus goes away and latency recovers: the latency ticket must
	// not resolve on missing data, the store ticket keeps updating.
	r.subj.failing["prometheus"] = errors.New("connection refused")
	r.subj.latencyHi = false
	rep := r.cycle(time.Minute)
	if len(rep.Skipped) != 1 || rep.Skipped[0] != "store-high-latency" {
		t.Fatalf("skipped = %v", rep.Skipped)
	}
	if len(rep.Resolved) != 0 {
		t.Fatalf("resolved on missing data: %+v", rep)
	}
	src, err := r.store.GetByKey(context.Background(), "source-unavailable/source=prometheus")
	if err != nil || !strings.Contains(src.Summary, "connection refused") {
		t.Fatalf("source ticket: %+v %v", src, err)
	}
	// Prometheus is back: its ticket and the latency ticket resolve.
	delete(r.subj.failing, "prometheus")
	rep = r.cycle(time.Minute)
	if len(rep.Resolved) != 2 {
		t.Fatalf("resolved %v, want the source and latency tickets", rep.Resolved)
	}
}

func TestSourceFailuresAreOneTicketPerSystem(t *testing.T) {
	failed := []subject.Source{
		{Name: "pd:stores", Err: errors.New("500")}, {Name: "pd:health", Err: errors.New("500")},
		{Name: "prometheus", Err: errors.New("refused")},
	}
	vs := sourceViolations(failed)
	if len(vs) != 2 || vs[0].Key() != "source-unavailable/source=pd" || vs[1].Key() != "source-unavailable/source=prometheus" {
		t.Fatalf("violations: %+v", vs)
	}
	if names := vs[0].Evidence["failed_sources"].([]string); len(names) != 2 {
		t.Fatalf("pd evidence: %+v", vs[0].Evidence)
	}
}

func TestObserveFailureAndInvariantErrors(t *testing.T) {
	r := newRig(t, Config{})
	r.subj.observe = errors.New("dial tcp: connection refused")
	rep := r.cycle(0)
	if len(rep.Skipped) != 2 || len(rep.Opened) != 1 {
		t.Fatalf("observe failure: %+v", rep)
	}
	r.subj.observe = nil
	r.subj.checkErr = errors.New("bad data")
	r.subj.latencyHi = true
	rep = r.cycle(10 * time.Second)
	if rep.Errors["store-down"] == nil || len(rep.Opened) != 1 {
		t.Fatalf("invariant error should not stop the others: %+v", rep)
	}
}

func TestRestartKeepsOneTicketAndResolvesFromStore(t *testing.T) {
	r := newRig(t, Config{ClearAfter: time.Minute})
	r.subj.down["2"] = true
	r.cycle(0)
	r.reopen()
	if rep := r.cycle(10 * time.Second); len(rep.Opened) != 0 || len(rep.Updated) != 1 {
		t.Fatalf("after restart: %+v", rep)
	}
	r.subj.down["2"] = false
	r.reopen()
	if rep := r.cycle(2 * time.Minute); len(rep.Resolved) != 1 {
		t.Fatalf("restarted monitor did not resolve from the store's last-seen: %+v", rep)
	}
}

func TestMetricsReportTicketsAndViolations(t *testing.T) {
	r := newRig(t, Config{})
	r.subj.down["1"], r.subj.down["2"] = true, true
	r.cycle(0)
	mfs, err := r.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			key := mf.GetName()
			for _, l := range m.GetLabel() {
				key += "," + l.GetName() + "=" + l.GetValue()
			}
			if m.GetGauge() != nil {
				got[key] = m.GetGauge().GetValue()
			}
			if m.GetHistogram() != nil {
				got[key] = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	for key, want := range map[string]float64{
		"operator_tickets,state=open":                                             2,
		"operator_tickets,state=resolved":                                         0,
		"operator_monitor_invariant_violations,invariant=store-down,subject=tikv": 2,
		"operator_monitor_cycle_duration_seconds,subject=tikv":                    1,
	} {
		if got[key] != want {
			t.Errorf("%s = %v, want %v (all: %v)", key, got[key], want, got)
		}
	}
}

func TestConfigRejectsNonsense(t *testing.T) {
	for _, cfg := range []Config{{Interval: time.Millisecond}, {ClearAfter: -time.Second}} {
		if _, err := New(cfg, &scripted{}, nil, nil, nil); err == nil {
			t.Errorf("New(%+v) accepted it", cfg)
		}
	}
}

// An alert that fired before the monitor saw the problem has its own
// ticket; when the monitor opens the problem's ticket, the alert's is
// resolved in its favour. Alerts mapping elsewhere are left alone.
func TestOpeningFoldsAlertTickets(t *testing.T) {
	r := newRig(t, Config{})
	ctx := context.Background()
	alert := func(key, maps string) ticket.Ticket {
		tk, _, err := r.store.OpenOrTouch(ctx, ticket.Ticket{DedupKey: key, Invariant: "TiKV_server_is_down", Subject: ticket.SubjectAlertmanager,
			Severity: ticket.Critical, State: ticket.Open, Summary: "TiKV server is down", Evidence: map[string]any{"maps_to": maps},
			FirstSeen: r.now, LastSeen: r.now, Occurrences: 1}, time.Hour, r.now)
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	mine := alert("alert:TiKV_server_is_down/instance=tikv-4:20160", "store-down/store=4")
	other := alert("alert:TiKV_server_is_down/instance=tikv-5:20160", "store-down/store=5")
	r.subj.down["4"] = true
	rep := r.cycle(10 * time.Second)
	if len(rep.Opened) != 1 || len(rep.Resolved) != 1 || rep.Resolved[0] != mine.ID {
		t.Fatalf("report %+v", rep)
	}
	got, _ := r.store.Get(ctx, mine.ID)
	if got.State != ticket.Resolved || got.ResolvedAt == nil {
		t.Fatalf("the alert's ticket: %+v", got)
	}
	if o, _ := r.store.Get(ctx, other.ID); o.State != ticket.Open {
		t.Errorf("an alert about another store was folded: %+v", o)
	}
	// Repeats of the monitor's problem fold nothing more.
	if rep := r.cycle(10 * time.Second); len(rep.Resolved) != 0 {
		t.Errorf("repeat resolved %v", rep.Resolved)
	}
}

// A PD that does not answer uses up the cycle's whole budget; the cycle
// still records that, in a ticket, with time of its own for the store.
func TestStalledSubjectStillRecordsItsTicket(t *testing.T) {
	r := newRig(t, Config{Interval: time.Second})
	r.subj.stall = true
	ctx, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0)) // already spent
	defer cancel()
	r.now = r.now.Add(time.Second)
	if _, err := r.mon.Eval(ctx, r.now); err != nil {
		t.Fatalf("a cycle whose subject stalled failed in the store: %v", err)
	}
	ts := r.tickets(ticket.Open)
	if len(ts) != 1 || ts[0].Invariant != SourceInvariant {
		t.Fatalf("open tickets after a stalled cycle: %+v, want the source-unavailable one", ts)
	}
}
