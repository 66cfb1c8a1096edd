package execute

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/store"
)

func threeSteps() []action.Step {
	return []action.Step{
		{Action: "transfer_leader", Params: map[string]any{"region_id": 49, "to_store_id": 2}},
		{Action: "transfer_leader", Params: map[string]any{"region_id": 49, "to_store_id": 3}},
		{Action: "transfer_leader", Params: map[string]any{"region_id": 49, "to_store_id": 4}},
	}
}

func (e *env) plan(steps []action.Step) []action.Run {
	e.t.Helper()
	rs, err := e.ex.CreatePlan(e.t.Context(), e.ticket.ID, "tikv", steps, "alice", "spread the leader around")
	if err != nil {
		e.t.Fatal(err)
	}
	return rs
}

func (e *env) executedOrder(plan action.ID) []int {
	e.t.Helper()
	rs, err := e.st.ListRuns(e.t.Context(), store.RunFilter{PlanID: plan})
	if err != nil {
		e.t.Fatal(err)
	}
	type started struct {
		step int
		at   time.Time
	}
	var ss []started
	for _, r := range rs {
		trs, err := e.st.RunTransitions(e.t.Context(), r.ID)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, tr := range trs {
			if tr.To == action.Executing {
				ss = append(ss, started{r.PlanStep, tr.At})
			}
		}
	}
	slices.SortStableFunc(ss, func(a, b started) int { return a.at.Compare(b.at) })
	out := []int{}
	for _, s := range ss {
		out = append(out, s.step)
	}
	return out
}

func TestPlanRunsInOrder(t *testing.T) {
	e := newEnv(t, executing())
	e.driver.phases = []action.Phase{action.PhaseFinished}
	rs := e.plan(threeSteps())
	if len(rs) != 3 || rs[1].PlanID != rs[0].ID || rs[2].PlanStep != 3 {
		t.Fatalf("plan = %+v", rs)
	}
	if _, err := e.ex.Approve(t.Context(), rs[1].ID, Approver{Name: "bob", Role: "approver"}, ""); !errors.Is(err, ErrState) || !strings.Contains(err.Error(), "approve the plan by its first") {
		t.Fatalf("approving step 2 alone = %v", err)
	}
	if _, err := e.ex.Approve(t.Context(), rs[0].ID, Approver{Name: "bob", Role: "approver"}, "ok"); err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		e.wantState(r.ID, action.Approved)
	}
	e.resolveTicket() // recovery is immediate: each step completes once verified
	for i := 0; i < 20; i++ {
		e.clock.add(time.Second)
		e.once()
	}
	for _, r := range rs {
		e.wantState(r.ID, action.Completed)
	}
	if got := e.executedOrder(rs[0].ID); !slices.Equal(got, []int{1, 2, 3}) {
		t.Errorf("steps executed in order %v", got)
	}
	e.verifyAudit()
}

// Step 2 fails: step 3 never runs, and step 1, completed and reversible,
// is undone by a compensation run the plan approves.
func TestPlanFailureRunsCompensation(t *testing.T) {
	e := newEnv(t, executing())
	e.resolveTicket()
	e.driver.phases = []action.Phase{action.PhaseFinished, action.PhaseFailed, action.PhaseFinished}
	rs := e.plan(threeSteps())
	if _, err := e.ex.Approve(t.Context(), rs[0].ID, Approver{Name: "bob", Role: "approver"}, ""); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		e.clock.add(time.Second)
		e.once()
	}
	e.wantState(rs[0].ID, action.Completed)
	e.wantState(rs[1].ID, action.Failed)
	if got := e.wantState(rs[2].ID, action.Cancelled); !strings.Contains(got.Outcome, "step 2 of plan") {
		t.Errorf("step 3 outcome %q", got.Outcome)
	}
	all, err := e.st.ListRuns(t.Context(), store.RunFilter{PlanID: rs[0].ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 4 {
		t.Fatalf("%d runs in the plan, want 3 steps and 1 compensation", len(all))
	}
	comp := all[3]
	if comp.Compensates != rs[0].ID || comp.State != action.Completed || comp.CreatedBy != ActorPlan || comp.Params["to_store_id"] == nil {
		t.Fatalf("compensation = %+v", comp)
	}
	if e.driver.submits != 3 {
		t.Errorf("%d submissions, want step 1, step 2 and the compensation", e.driver.submits)
	}
	// Settling again creates nothing more.
	e.once()
	if again, _ := e.st.ListRuns(t.Context(), store.RunFilter{PlanID: rs[0].ID}); len(again) != 4 {
		t.Errorf("%d runs after another pass", len(again))
	}
	e.verifyAudit()
}

func TestPlanRefusesUnknownActions(t *testing.T) {
	e := newEnv(t, executing())
	_, err := e.ex.CreatePlan(t.Context(), e.ticket.ID, "tikv", []action.Step{threeSteps()[0], {Action: "rm_rf"}}, "alice", "")
	if !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), `"rm_rf" is not an action`) {
		t.Fatalf("CreatePlan with an unknown action = %v", err)
	}
	if _, err := e.ex.CreatePlan(t.Context(), e.ticket.ID, "tikv", threeSteps()[:1], "alice", ""); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("a one-step plan = %v", err)
	}
}
