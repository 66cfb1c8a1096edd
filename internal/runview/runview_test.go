package runview

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/api"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func sample() api.RunView {
	return api.RunView{
		Run: action.Run{ID: 7, TicketID: 3, Subject: "tikv", Action: "split_region", Params: map[string]any{"region_id": 49, "policy": "approximate"},
			State: action.Completed, Version: 6, Risk: "low", CreatedBy: "diagnosis", Origin: "ticket 3, diagnosis round 1 (rules)",
			CreatedAt: t0, UpdatedAt: t0.Add(time.Minute), Outcome: "verified: region 49 split",
			DryRun: &action.DryRunResult{Valid: true, Message: "all 6 preconditions hold", Checked: []string{"ok: region 49 exists"},
				Warnings: []string{"region 49 is small"}, Blast: &action.Blast{Stores: 3, Regions: 1},
				Rehearsal: &action.Rehearsal{OK: true, Message: "split in 2", Steps: []string{"split region with policy APPROXIMATE"}, Seconds: 12}}},
		Timeline: []action.Transition{
			{From: action.Proposed, To: action.Approved, At: t0.Add(10 * time.Second), Actor: "alice", Reason: "go"},
			{From: action.Verifying, To: action.Completed, At: t0.Add(time.Minute), Actor: "executor", Reason: "verified",
				Data: map[string]any{"verification": map[string]any{"ok": true}, "before": map[string]any{"version": 5}, "after": map[string]any{"version": 6}}},
		},
		Approvals: []action.Approval{{Actor: "alice", Role: "approver", At: t0.Add(10 * time.Second), Reason: "go"}},
		Spec: &api.ActionSpecView{Description: "Split a region", Risk: "low", Reversibility: "irreversible", BlastRadius: "one region becomes two",
			Executes: "POST /operators", Completion: "the operator ends", Verification: "the range shrank", Timeout: "10m0s"},
	}
}

func TestDetailShowsWhatAnApproverNeeds(t *testing.T) {
	var b bytes.Buffer
	if err := Detail(&b, sample()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"Action run 7: split_region policy=approximate region_id=49", "State:    completed", "Outcome:  verified: region 49 split",
		"Reversibility: irreversible", "Blast radius:  one region becomes two", "Dry run: VALID: all 6 preconditions hold",
		"WARNING: region 49 is small", "Blast radius (this run): 3 store(s), 1 region(s)", "Rehearsal on a simulator",
		"step: split region with policy APPROXIMATE", "problems left after it: none",
		"proposed  -> approved  by alice: go", `before: {"version":5}`, `after: {"version":6}`,
		"Approvals", "alice (approver): go",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("detail lacks %q:\n%s", want, out)
		}
	}
}

func TestTableMarksPlansAndRefusedDryRuns(t *testing.T) {
	v := sample()
	step := v.Run
	step.ID, step.PlanID, step.PlanStep, step.State, step.Outcome = 8, 8, 1, action.Proposed, ""
	step.DryRun = &action.DryRunResult{Valid: false, Message: "store 9 does not exist"}
	comp := v.Run
	comp.ID, comp.PlanID, comp.PlanStep, comp.Compensates = 9, 8, 3, 8
	var b bytes.Buffer
	if err := Table(&b, []action.Run{v.Run, step, comp}, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"ID  STATE", "[plan 8 step 1]", "[plan 8: undoes run 8]", "dry run refused: store 9 does not exist", " 2h "} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	b.Reset()
	Table(&b, nil, t0)
	if !strings.Contains(b.String(), "no action runs") {
		t.Errorf("empty table: %q", b.String())
	}
}

// A completed drain whose store is still emptying: the detail says how
// far it has got and when it should end; a progress that could not be
// measured says why.
func TestDetailShowsProgress(t *testing.T) {
	v := sample()
	v.Action, v.Params = "drain_store", map[string]any{"store_id": 4}
	v.Progress = &action.Progress{Done: 412, Total: 1000, Unit: "regions", Rate: 12.3, ETA: 48 * time.Second,
		Note: "store 4 is Offline: PD is moving its regions away"}
	var b bytes.Buffer
	if err := Detail(&b, v); err != nil {
		t.Fatal(err)
	}
	want := "Outcome:  verified: region 49 split\nProgress: 412/1000 regions (41%), 12.3 regions/s, ETA 48s; store 4 is Offline: PD is moving its regions away\n"
	if !strings.Contains(b.String(), want) {
		t.Errorf("detail lacks %q:\n%s", want, b.String())
	}
	v.Progress, v.ProgressError = nil, "measure the progress of run 7 (drain_store): read store 4: connection refused"
	b.Reset()
	Detail(&b, v)
	if !strings.Contains(b.String(), "Progress: unknown: measure the progress of run 7") {
		t.Errorf("detail without a measure:\n%s", b.String())
	}
	b.Reset()
	Detail(&b, sample())
	if strings.Contains(b.String(), "Progress") {
		t.Errorf("a run with nothing to measure shows progress:\n%s", b.String())
	}
}

// The list gains a PROGRESS column only when some run has progress.
func TestTableShowsProgress(t *testing.T) {
	run := sample().Run
	drain, plan := run, run
	drain.ID, drain.State, drain.Action, drain.Params, drain.Outcome = 8, action.Verifying, "drain_store", map[string]any{"store_id": 4}, ""
	plan.ID, plan.PlanID, plan.PlanStep, plan.State, plan.Outcome = 9, 9, 1, action.Failed, "ran and failed"
	progress := map[action.ID]action.Progress{
		8: {Done: 600, Total: 1000, Unit: "regions", Rate: 10, ETA: 40 * time.Second},
		9: {Done: 0, Total: 2, Unit: "steps", Finished: true},
	}
	var b bytes.Buffer
	if err := TableProgress(&b, []action.Run{run, drain, plan}, progress, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	for i, want := range [][]string{
		{"ID", "ACTION", "PROGRESS", "OUTCOME"},
		{"7 ", "split_region", " - ", "verified: region 49 split"},
		{"8 ", "verifying", "drain_store store_id=4", "600/1000 regions (60%), ETA 40s"},
		{"9 ", "[plan 9 step 1]", "0/2 steps (0%), ended", "ran and failed"},
	} {
		for _, w := range want {
			if !strings.Contains(lines[i], w) {
				t.Errorf("line %d lacks %q:\n%s", i, w, b.String())
			}
		}
	}
	b.Reset()
	Table(&b, []action.Run{run}, t0)
	if strings.Contains(b.String(), "PROGRESS") {
		t.Errorf("a table without progress has the column:\n%s", b.String())
	}
}
