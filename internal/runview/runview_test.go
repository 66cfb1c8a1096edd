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
