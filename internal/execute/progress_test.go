package execute

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
)

// measuringDriver is the fake cluster with a long job behind its runs:
// total units when the intent was recorded, left now, as the test sets.
type measuringDriver struct {
	*fakeDriver
	mu          sync.Mutex
	total, left int64
	err         error
	asked       []action.Intent // the intents Progress was given
}

func (m *measuringDriver) Progress(_ context.Context, r action.Run, in action.Intent, now time.Time) (action.Progress, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.asked = append(m.asked, in)
	if m.err != nil {
		return action.Progress{}, false, m.err
	}
	return action.Measure(m.total, m.left, "regions", in.At, now), true, nil
}

func (e *env) progress(id action.ID) (action.Progress, bool) {
	e.t.Helper()
	p, ok, err := e.ex.Progress(e.t.Context(), id)
	if err != nil {
		e.t.Fatalf("progress of run %d: %v", id, err)
	}
	return p, ok
}

// A driver that measures: nothing before the run executes, then its
// measure from the recorded intent, also once the run has completed
// (the work outlives it); its errors say which run.
func TestProgressFromTheDriver(t *testing.T) {
	e := newEnv(t, executing())
	m := &measuringDriver{fakeDriver: e.driver, total: 100, left: 100}
	e.ex = New(e.cfg, e.st, map[string]Subject{"tikv": {Actions: testSpecs, Driver: m}}, nil, e.clock.now)
	r := e.propose()
	if p, ok := e.progress(r.ID); ok {
		t.Fatalf("a proposal has progress %+v", p)
	}
	if _, err := e.ex.Approve(t.Context(), r.ID, Approver{Name: "alice", Role: "approver"}, ""); err != nil {
		t.Fatal(err)
	}
	e.once() // queued
	e.clock.add(time.Second)
	executedAt := e.clock.now()
	e.once() // executing, intent recorded
	e.wantState(r.ID, action.Executing)
	if p, ok := e.progress(r.ID); !ok || p.Done != 0 || p.ETA != 0 {
		t.Fatalf("progress at submission: %+v, %v", p, ok)
	}
	e.clock.add(40 * time.Second)
	m.left = 60
	p, ok := e.progress(r.ID)
	if !ok || p.Done != 40 || p.ETA != time.Minute {
		t.Fatalf("progress after 40 of 100 in 40s: %+v, %v (want ETA 1m)", p, ok)
	}
	if at := m.asked[len(m.asked)-1].At; !at.Equal(executedAt) {
		t.Errorf("the driver was given an intent recorded at %s, want the executing transition's %s", at, executedAt)
	}
	e.resolveTicket()
	for i := 0; i < 5; i++ {
		e.once()
	}
	e.wantState(r.ID, action.Completed)
	m.left = 0
	if p, ok := e.progress(r.ID); !ok || !p.Finished {
		t.Fatalf("progress of the completed run: %+v, %v", p, ok)
	}
	m.err = context.DeadlineExceeded
	if _, _, err := e.ex.Progress(t.Context(), r.ID); err == nil || !strings.Contains(err.Error(), "progress of run 1 (transfer_leader)") {
		t.Fatalf("a failed measure: %v", err)
	}
	if _, _, err := e.ex.Progress(t.Context(), 99); err == nil || !strings.Contains(err.Error(), "progress of run 99") {
		t.Fatalf("progress of a run that does not exist: %v", err)
	}
}

// A driver that does not measure: a single run has no progress.
func TestProgressOfAnUnmeasuredRun(t *testing.T) {
	e := newEnv(t, executing())
	e.driver.phases = []action.Phase{action.PhaseRunning}
	r := e.propose()
	if _, err := e.ex.Approve(t.Context(), r.ID, Approver{Name: "alice", Role: "approver"}, ""); err != nil {
		t.Fatal(err)
	}
	e.once()
	e.once()
	e.wantState(r.ID, action.Executing)
	if p, ok := e.progress(r.ID); ok {
		t.Fatalf("progress %+v from a driver that measures nothing", p)
	}
}

// A plan's steps completed, from the store: the same for every step of
// it, the rate counted from the first step's start.
func TestPlanProgress(t *testing.T) {
	e := newEnv(t, executing())
	e.driver.phases = []action.Phase{action.PhaseFinished}
	e.resolveTicket()
	rs := e.plan(threeSteps())
	if p, ok := e.progress(rs[2].ID); !ok || p.String() != "0/3 steps (0%), ETA unknown (nothing moved yet)" {
		t.Fatalf("progress of a proposed plan: %s, %v", p, ok)
	}
	if _, err := e.ex.Approve(t.Context(), rs[0].ID, Approver{Name: "bob", Role: "approver"}, ""); err != nil {
		t.Fatal(err)
	}
	var seen []string
	for i := 0; i < 30; i++ {
		e.clock.add(10 * time.Second)
		e.once()
		p, ok := e.progress(rs[1].ID)
		if !ok {
			t.Fatal("a plan step without progress")
		}
		if s := p.String(); len(seen) == 0 || seen[len(seen)-1] != s {
			seen = append(seen, s)
		}
		if p.Finished {
			break
		}
	}
	t.Logf("plan progress: %q", seen)
	want := []string{"1/3 steps (33%), 1.5 steps/min, ETA 1m20s", "2/3 steps (66%)", "3/3 steps (100%), finished"}
	for _, w := range want {
		found := false
		for _, s := range seen {
			found = found || strings.HasPrefix(s, w)
		}
		if !found {
			t.Errorf("plan progress never read %q: %q", w, seen)
		}
	}
	if last := seen[len(seen)-1]; last != want[2] {
		t.Errorf("last progress %q, want %q", last, want[2])
	}
}
