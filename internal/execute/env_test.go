package execute

import (
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/audit"
	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/store/sqlite"
	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/ticket"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

var testSpecs = []subject.ActionSpec{{Name: "transfer_leader", Risk: subject.RiskLow, Timeout: time.Minute,
	Params: []subject.ParamSpec{{Name: "region_id", Type: subject.ParamRegionID, Required: true},
		{Name: "to_store_id", Type: subject.ParamStoreID, Required: true}}},
	{Name: "cancel_operator", Risk: subject.RiskLow, Timeout: time.Minute,
		Params: []subject.ParamSpec{{Name: "region_id", Type: subject.ParamRegionID, Required: true}}}}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	t      *testing.T
	path   string
	st     *sqlite.Store
	clock  *clock
	driver *fakeDriver
	cfg    Config
	ex     *Executor
	ticket ticket.Ticket
}

func newEnv(t *testing.T, cfg Config) *env {
	t.Helper()
	e := &env{t: t, path: filepath.Join(t.TempDir(), "op.db"), clock: &clock{t: t0}, driver: newFake(), cfg: cfg}
	e.open()
	tk, _, err := e.st.OpenOrTouch(t.Context(), ticket.Ticket{DedupKey: "hot-write-region/region=49", Invariant: "hot-write-region",
		Subject: "tikv", Severity: ticket.Warning, Summary: "region 49 is hot"}, time.Hour, t0)
	if err != nil {
		t.Fatal(err)
	}
	e.ticket = tk
	return e
}

// open (re)opens the store and builds a new executor on it: a restart.
func (e *env) open() {
	e.t.Helper()
	st, err := sqlite.Open(e.t.Context(), e.path, sqlite.Options{})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { st.Close() })
	e.st = st
	e.ex = New(e.cfg, st, map[string]Subject{"tikv": {Actions: testSpecs, Driver: e.driver}}, nil, e.clock.now)
}

func (e *env) propose() action.Run {
	e.t.Helper()
	r, err := e.st.CreateRun(e.t.Context(), action.Run{TicketID: e.ticket.ID, Subject: "tikv", Action: "transfer_leader",
		Params: map[string]any{"region_id": 49, "to_store_id": 2}, State: action.Proposed, Risk: "low",
		CreatedBy: ActorDiagnosis, Origin: "test"}, e.clock.now())
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *env) once() {
	e.t.Helper()
	if err := e.ex.Once(e.t.Context()); err != nil {
		e.t.Fatalf("Once: %v", err)
	}
}

func (e *env) run(id action.ID) action.Run {
	e.t.Helper()
	r, err := e.st.GetRun(e.t.Context(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *env) wantState(id action.ID, want action.State) action.Run {
	e.t.Helper()
	r := e.run(id)
	if r.State != want {
		e.t.Fatalf("run %d is %s (%s), want %s", id, r.State, r.Outcome, want)
	}
	return r
}

func (e *env) states(id action.ID) []action.State {
	e.t.Helper()
	trs, err := e.st.RunTransitions(e.t.Context(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	out := []action.State{}
	for _, tr := range trs {
		out = append(out, tr.To)
	}
	return out
}

func (e *env) verifyAudit() []audit.Record {
	e.t.Helper()
	rep, err := audit.Verify(e.t.Context(), e.st.Audit(), nil)
	if err != nil || !rep.OK {
		e.t.Fatalf("audit verify = %+v, %v", rep, err)
	}
	var recs []audit.Record
	_ = e.st.Audit().All(e.t.Context(), func(r audit.Record) error { recs = append(recs, r); return nil })
	return recs
}

func (e *env) resolveTicket() {
	e.t.Helper()
	if _, err := e.st.Resolve(e.t.Context(), e.ticket.ID, "the problem cleared", e.clock.now()); err != nil {
		e.t.Fatal(err)
	}
}

var _ store.Store = (*sqlite.Store)(nil)
