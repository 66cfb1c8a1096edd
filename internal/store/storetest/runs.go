package storetest

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/ticket"
)

func runCases() []testCase {
	return []testCase{
		{"RunCreateGetList", testRunCreateGetList},
		{"RunCreateRefusesBadRuns", testRunCreateRefuses},
		{"RunHappyPath", testRunHappyPath},
		{"RunForbiddenTransitionWritesNothing", testRunForbidden},
		{"RunVersionConflict", testRunVersionConflict},
		{"RunConcurrentMovesOneWins", testRunConcurrentMoves},
		{"RunTerminalStatesDoNotMove", testRunTerminal},
		{"RunMissing", testRunMissing},
	}
}

// proposal is a run a diagnosis would propose for ticket id.
func proposal(id ticket.ID) action.Run {
	return action.Run{TicketID: id, Subject: "tikv", Action: "transfer_leader", State: action.Proposed, Risk: "low", CreatedBy: "diagnosis", Origin: "round 1 (rules)",
		Params: map[string]any{"region_id": json.Number("9007199254740993"), "to_store": json.Number("5"), "why": "hot"}}
}

func createRun(t *testing.T, s store.Store, r action.Run, now time.Time) action.Run {
	t.Helper()
	got, err := s.CreateRun(t.Context(), r, now)
	if err != nil {
		t.Fatalf("CreateRun(%s): %v", r.Action, err)
	}
	return got
}

func move(t *testing.T, s store.Store, r action.Run, to action.State, at time.Time) action.Run {
	t.Helper()
	got, err := s.TransitionRun(t.Context(), r.ID, r.Version,
		action.Transition{To: to, At: at, Actor: "tester", Reason: "to " + string(to), Data: map[string]any{"step": string(to)}})
	if err != nil {
		t.Fatalf("TransitionRun(%d, v%d, %s -> %s): %v", r.ID, r.Version, r.State, to, err)
	}
	return got
}

func getRun(t *testing.T, s store.Store, id action.ID) action.Run {
	t.Helper()
	got, err := s.GetRun(t.Context(), id)
	if err != nil {
		t.Fatalf("GetRun(%d): %v", id, err)
	}
	return got
}

func history(t *testing.T, s store.Store, id action.ID) []action.Transition {
	t.Helper()
	trs, err := s.RunTransitions(t.Context(), id)
	if err != nil {
		t.Fatalf("RunTransitions(%d): %v", id, err)
	}
	return trs
}

func runIDs(rs []action.Run) []action.ID {
	out := make([]action.ID, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func listRuns(t *testing.T, s store.Store, f store.RunFilter) []action.ID {
	t.Helper()
	rs, err := s.ListRuns(t.Context(), f)
	if err != nil {
		t.Fatalf("ListRuns(%+v): %v", f, err)
	}
	return runIDs(rs)
}

// sameRun compares every field a caller can see.
func sameRun(t *testing.T, what string, got, want action.Run) {
	t.Helper()
	if got.ID != want.ID || got.TicketID != want.TicketID || got.Subject != want.Subject || got.Action != want.Action ||
		got.State != want.State || got.Version != want.Version || got.Risk != want.Risk ||
		got.Outcome != want.Outcome || got.Error != want.Error {
		t.Fatalf("%s:\n got  %+v\n want %+v", what, got, want)
	}
	sameTime(t, what+" CreatedAt", got.CreatedAt, want.CreatedAt)
	sameTime(t, what+" UpdatedAt", got.UpdatedAt, want.UpdatedAt)
	sameJSON(t, what+" Params", got.Params, want.Params)
	if (got.DryRun == nil) != (want.DryRun == nil) {
		t.Fatalf("%s DryRun = %+v, want %+v", what, got.DryRun, want.DryRun)
	}
	if got.DryRun != nil {
		sameJSON(t, what+" DryRun", got.DryRun, want.DryRun)
	}
}

func testRunCreateGetList(t *testing.T, s store.Store) {
	now := base()
	a := observeWant(t, s, violation("store-down", "1", ticket.Critical), window, now, store.OutcomeOpened)
	b := observeWant(t, s, violation("store-down", "2", ticket.Critical), window, now, store.OutcomeOpened)

	p := proposal(a.ID)
	r1 := createRun(t, s, p, now)
	if r1.ID == 0 || r1.Version != 1 || r1.State != action.Proposed {
		t.Fatalf("CreateRun = %+v, want an ID, version 1, proposed", r1)
	}
	want := p
	want.ID, want.Version, want.CreatedAt, want.UpdatedAt = r1.ID, 1, now, now
	sameRun(t, "created run", r1, want)
	got := getRun(t, s, r1.ID)
	sameRun(t, "GetRun", got, want)
	// 64-bit numbers survive exactly.
	if n, ok := got.Params["region_id"].(json.Number); !ok || n.String() != "9007199254740993" {
		t.Fatalf("region_id = %#v, want json.Number 9007199254740993", got.Params["region_id"])
	}
	if trs := history(t, s, r1.ID); len(trs) != 0 {
		t.Fatalf("a new run has history %+v", trs)
	}

	dry := proposal(b.ID)
	dry.State = action.DryRun
	dry.DryRun = &action.DryRunResult{Valid: true, Message: "would move 1 leader", Checked: []string{"store 5 is up"},
		Warnings: []string{"store 5 is busy"}, Predicted: map[string]any{"leaders_moved": json.Number("1")}}
	r2 := createRun(t, s, dry, now.Add(time.Second))
	sameRun(t, "dry run", getRun(t, s, r2.ID), func() action.Run {
		w := dry
		w.ID, w.Version, w.CreatedAt, w.UpdatedAt = r2.ID, 1, now.Add(time.Second), now.Add(time.Second)
		return w
	}())

	manual := proposal(0) // started by hand, no ticket
	manual.Params = nil
	r3 := createRun(t, s, manual, now.Add(2*time.Second))
	if got := getRun(t, s, r3.ID); got.TicketID != 0 || len(got.Params) != 0 {
		t.Fatalf("manual run = %+v", got)
	}
	move(t, s, r3, action.Approved, now.Add(3*time.Second))

	tests := []struct {
		name string
		f    store.RunFilter
		want []action.ID
	}{
		{"all, oldest first", store.RunFilter{}, []action.ID{r1.ID, r2.ID, r3.ID}},
		{"by state", store.RunFilter{States: []action.State{action.Proposed}}, []action.ID{r1.ID}},
		{"any of states", store.RunFilter{States: []action.State{action.DryRun, action.Approved}}, []action.ID{r2.ID, r3.ID}},
		{"by ticket", store.RunFilter{TicketID: b.ID}, []action.ID{r2.ID}},
		{"limit", store.RunFilter{Limit: 2}, []action.ID{r1.ID, r2.ID}},
		{"updated since", store.RunFilter{UpdatedSince: now.Add(time.Second)}, []action.ID{r2.ID, r3.ID}},
		{"updated since, after the last move", store.RunFilter{UpdatedSince: now.Add(3*time.Second + time.Microsecond)}, []action.ID{}},
		{"nothing", store.RunFilter{States: []action.State{action.Executing}}, []action.ID{}},
	}
	for _, tt := range tests {
		if got := listRuns(t, s, tt.f); !slices.Equal(got, tt.want) {
			t.Errorf("ListRuns %s = %v, want %v", tt.name, got, tt.want)
		}
	}
	for _, f := range []store.RunFilter{{States: []action.State{"done"}}, {Limit: -1}, {TicketID: -1}} {
		if _, err := s.ListRuns(t.Context(), f); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("ListRuns(%+v) = %v, want ErrInvalid", f, err)
		}
	}
}

func testRunCreateRefuses(t *testing.T, s store.Store) {
	now := base()
	tk := observeWant(t, s, violation("store-down", "1", ticket.Critical), window, now, store.OutcomeOpened)
	tests := []struct {
		name    string
		edit    func(*action.Run)
		targets []error
	}{
		{"created approved", func(r *action.Run) { r.State = action.Approved }, []error{store.ErrInvalid, action.ErrInvalid}},
		{"created executing", func(r *action.Run) { r.State = action.Executing }, []error{store.ErrInvalid}},
		{"no action", func(r *action.Run) { r.Action = "" }, []error{store.ErrInvalid, action.ErrInvalid}},
		{"dry run without result", func(r *action.Run) { r.State = action.DryRun }, []error{store.ErrInvalid}},
		{"unencodable params", func(r *action.Run) { r.Params = map[string]any{"f": func() {}} }, []error{store.ErrInvalid}},
		{"missing ticket", func(r *action.Run) { r.TicketID = tk.ID + 100 }, []error{store.ErrNotFound}},
	}
	for _, tt := range tests {
		r := proposal(tk.ID)
		tt.edit(&r)
		_, err := s.CreateRun(t.Context(), r, now)
		wantErr(t, "CreateRun "+tt.name, err, tt.targets...)
	}
	if ids := listRuns(t, s, store.RunFilter{}); len(ids) != 0 {
		t.Fatalf("refused creations stored runs %v", ids)
	}
}

// testRunHappyPath walks a run from proposal to completion; every step
// bumps the version, and the history lists every step in order.
func testRunHappyPath(t *testing.T, s store.Store) {
	now := base()
	tk := observeWant(t, s, violation("store-down", "1", ticket.Critical), window, now, store.OutcomeOpened)
	r := createRun(t, s, proposal(tk.ID), now)
	steps := []action.State{action.Approved, action.Queued, action.Executing, action.Verifying, action.Completed}
	at := now
	for i, to := range steps {
		at = at.Add(time.Minute)
		from := r.State
		r = move(t, s, r, to, at)
		if r.State != to || r.Version != int64(i+2) {
			t.Fatalf("after %s -> %s: %+v", from, to, r)
		}
		sameTime(t, "UpdatedAt after "+string(to), r.UpdatedAt, at)
		sameTime(t, "CreatedAt after "+string(to), r.CreatedAt, now)
	}
	stored := getRun(t, s, r.ID)
	sameRun(t, "completed run", stored, r)
	if stored.Outcome != "to completed" || stored.Error != "" {
		t.Fatalf("completed run outcome %q error %q", stored.Outcome, stored.Error)
	}
	trs := history(t, s, r.ID)
	if len(trs) != len(steps) {
		t.Fatalf("history has %d transitions, want %d: %+v", len(trs), len(steps), trs)
	}
	prev := action.Proposed
	for i, tr := range trs {
		if tr.From != prev || tr.To != steps[i] || tr.Actor != "tester" || tr.Reason != "to "+string(steps[i]) {
			t.Fatalf("transition %d = %+v, want %s -> %s by tester", i, tr, prev, steps[i])
		}
		sameTime(t, "transition time", tr.At, now.Add(time.Duration(i+1)*time.Minute))
		sameJSON(t, "transition data", tr.Data, map[string]any{"step": string(steps[i])})
		prev = tr.To
	}

	// A failure records its reason as the run's error.
	f := createRun(t, s, proposal(tk.ID), now)
	for _, to := range []action.State{action.Approved, action.Queued, action.Executing} {
		f = move(t, s, f, to, at)
	}
	f, err := s.TransitionRun(t.Context(), f.ID, f.Version, action.Transition{To: action.Failed, At: at, Actor: "executor", Reason: "PD refused"})
	if err != nil || f.State != action.Failed || f.Error != "PD refused" || f.Outcome != "PD refused" {
		t.Fatalf("move to failed = %+v, %v", f, err)
	}
	if got := getRun(t, s, f.ID); got.Error != "PD refused" {
		t.Fatalf("stored failed run error %q", got.Error)
	}
}

// A forbidden move is refused with the transition error and writes
// nothing: the run, its version and its history are as before.
func testRunForbidden(t *testing.T, s store.Store) {
	now := base()
	r := createRun(t, s, proposal(0), now)
	r = move(t, s, r, action.Approved, now.Add(time.Minute))
	for _, to := range []action.State{action.Executing, action.Completed, action.Proposed, action.DryRun, action.Approved} {
		_, err := s.TransitionRun(t.Context(), r.ID, r.Version, action.Transition{To: to, At: now.Add(time.Hour), Actor: "mallory"})
		wantErr(t, "approved -> "+string(to), err, store.ErrConflict, action.ErrTransition)
	}
	bad := []action.Transition{
		{To: action.Queued, At: now.Add(time.Hour)},                      // no actor
		{To: action.Queued, Actor: "a"},                                  // no time
		{To: "launched", At: now.Add(time.Hour), Actor: "a"},             // unknown state
		{From: action.Queued, To: action.Executing, At: now, Actor: "a"}, // stale From
	}
	for _, tr := range bad {
		_, err := s.TransitionRun(t.Context(), r.ID, r.Version, tr)
		if !errors.Is(err, store.ErrInvalid) && !errors.Is(err, store.ErrConflict) {
			t.Errorf("TransitionRun(%+v) = %v, want ErrInvalid or ErrConflict", tr, err)
		}
	}
	sameRun(t, "run after refused moves", getRun(t, s, r.ID), r)
	if trs := history(t, s, r.ID); len(trs) != 1 || trs[0].To != action.Approved {
		t.Fatalf("history after refused moves = %+v, want only the approval", trs)
	}
}

func testRunVersionConflict(t *testing.T, s store.Store) {
	now := base()
	r := createRun(t, s, proposal(0), now)
	approved := move(t, s, r, action.Approved, now.Add(time.Minute))
	// A second mover that read version 1 is refused, and told why.
	_, err := s.TransitionRun(t.Context(), r.ID, r.Version, action.Transition{To: action.Rejected, At: now.Add(2 * time.Minute), Actor: "bob"})
	wantErr(t, "reject with a stale version", err, store.ErrConflict)
	if msg := err.Error(); !strings.Contains(msg, "approved") || !strings.Contains(msg, "version 2") {
		t.Fatalf("conflict error %q does not name the current state and version", msg)
	}
	// A version from the future is refused too.
	_, err = s.TransitionRun(t.Context(), r.ID, 7, action.Transition{To: action.Queued, At: now.Add(2 * time.Minute), Actor: "bob"})
	wantErr(t, "move with a future version", err, store.ErrConflict)
	sameRun(t, "run after conflicts", getRun(t, s, r.ID), approved)
	if trs := history(t, s, r.ID); len(trs) != 1 {
		t.Fatalf("history after conflicts = %+v", trs)
	}
}

// testRunConcurrentMoves races movers holding the same version: approvers
// and rejecters of one proposal. Exactly one wins; the rest get
// ErrConflict, and the history holds the winner's move only.
func testRunConcurrentMoves(t *testing.T, s store.Store) {
	now := base()
	r := createRun(t, s, proposal(0), now)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range workers {
		to := action.Approved
		if w%2 == 1 {
			to = action.Rejected
		}
		wg.Go(func() {
			<-start
			_, errs[w] = s.TransitionRun(t.Context(), r.ID, r.Version,
				action.Transition{To: to, At: now.Add(time.Duration(w+1) * time.Second), Actor: "worker"})
		})
	}
	close(start)
	wg.Wait()
	wins := 0
	for w, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("worker %d: %v, want nil or ErrConflict", w, err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d movers won with the same version, want exactly 1", wins)
	}
	got := getRun(t, s, r.ID)
	trs := history(t, s, r.ID)
	if got.Version != 2 || len(trs) != 1 || trs[0].To != got.State || trs[0].From != action.Proposed {
		t.Fatalf("after the race: run %+v, history %+v", got, trs)
	}
}

func testRunTerminal(t *testing.T, s store.Store) {
	now := base()
	paths := map[action.State][]action.State{
		action.Completed:  {action.Approved, action.Queued, action.Executing, action.Verifying, action.Completed},
		action.TimedOut:   {action.Approved, action.Queued, action.Executing, action.TimedOut},
		action.Rejected:   {action.Rejected},
		action.Expired:    {action.Expired},
		action.Superseded: {action.Superseded},
		action.Cancelled:  {action.Approved, action.Cancelled},
	}
	var finished []action.Run
	for _, path := range paths {
		r := createRun(t, s, proposal(0), now)
		for _, to := range path {
			r = move(t, s, r, to, now.Add(time.Minute))
		}
		finished = append(finished, r)
	}
	dry := proposal(0)
	dry.State, dry.DryRun = action.DryRun, &action.DryRunResult{Message: "preconditions fail"}
	finished = append(finished, createRun(t, s, dry, now))

	for _, r := range finished {
		if !r.State.Terminal() {
			t.Fatalf("run %d ended in %s, which is not terminal", r.ID, r.State)
		}
		before := history(t, s, r.ID)
		for _, to := range action.States() {
			_, err := s.TransitionRun(t.Context(), r.ID, r.Version, action.Transition{To: to, At: now.Add(time.Hour), Actor: "a", Reason: "again"})
			wantErr(t, string(r.State)+" -> "+string(to), err, store.ErrConflict, action.ErrTransition)
		}
		sameRun(t, "terminal run", getRun(t, s, r.ID), r)
		if after := history(t, s, r.ID); len(after) != len(before) {
			t.Fatalf("refused moves of a %s run wrote history: %+v", r.State, after)
		}
	}
}

func testRunMissing(t *testing.T, s store.Store) {
	now := base()
	_, err := s.GetRun(t.Context(), 404)
	wantErr(t, "GetRun(404)", err, store.ErrNotFound)
	_, err = s.TransitionRun(t.Context(), 404, 1, action.Transition{To: action.Approved, At: now, Actor: "a"})
	wantErr(t, "TransitionRun(404)", err, store.ErrNotFound)
	_, err = s.RunTransitions(t.Context(), 404)
	wantErr(t, "RunTransitions(404)", err, store.ErrNotFound)
}
