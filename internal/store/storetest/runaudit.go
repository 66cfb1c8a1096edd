package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/audit"
	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/ticket"
)

func runAuditCases() []testCase {
	return []testCase{
		{"RunMovesAreAuditedInTheirTransaction", testRunAudited},
		{"KillSwitchPersistsAndIsAudited", testKillSwitch},
		{"CreatePlan", testCreatePlan},
		{"Approvals", testApprovals},
	}
}

func auditRecords(t *testing.T, s store.Store) []audit.Record {
	t.Helper()
	var out []audit.Record
	if err := s.Audit().All(t.Context(), func(r audit.Record) error { out = append(out, r); return nil }); err != nil {
		t.Fatalf("read audit log: %v", err)
	}
	return out
}

// One record per creation and per accepted move, of the right kind, and
// none for a refused move; the chain verifies.
func testRunAudited(t *testing.T, s store.Store) {
	t0 := base()
	tk := observeWant(t, s, violation("store-down", "1", ticket.Critical), window, t0, store.OutcomeOpened)
	r := createRun(t, s, proposal(tk.ID), t0)
	r = move(t, s, r, action.Approved, t0.Add(time.Minute))
	if _, err := s.TransitionRun(t.Context(), r.ID, r.Version, action.Transition{To: action.Completed, At: t0.Add(2 * time.Minute), Actor: "x"}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("approved -> completed = %v, want ErrConflict", err)
	}
	if _, err := s.TransitionRun(t.Context(), r.ID, 1, action.Transition{To: action.Queued, At: t0.Add(2 * time.Minute), Actor: "x"}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale version = %v, want ErrConflict", err)
	}
	r = move(t, s, r, action.Queued, t0.Add(3*time.Minute))
	recs := auditRecords(t, s)
	want := []struct{ kind, actor string }{{audit.KindProposal, "diagnosis"}, {audit.KindTransition, "tester"}, {audit.KindTransition, "tester"}}
	if len(recs) != len(want) {
		t.Fatalf("%d audit records, want %d: %+v", len(recs), len(want), recs)
	}
	for i, w := range want {
		if recs[i].Kind != w.kind || recs[i].Actor != w.actor || recs[i].Ref != store.RunRef(r.ID) {
			t.Errorf("record %d = %s by %s on %s, want %s by %s on %s", i, recs[i].Kind, recs[i].Actor, recs[i].Ref, w.kind, w.actor, store.RunRef(r.ID))
		}
	}
	if got := recs[2].Data["to"]; got != "queued" {
		t.Errorf("transition record says to=%v", got)
	}
	if res, err := audit.Verify(t.Context(), s.Audit(), nil); err != nil || !res.OK {
		t.Fatalf("audit verify = %+v, %v", res, err)
	}
}

func testKillSwitch(t *testing.T, s store.Store) {
	t0 := base()
	ks, err := s.KillSwitch(t.Context())
	if err != nil || ks.On {
		t.Fatalf("kill switch on a new store = %+v, %v; want off", ks, err)
	}
	if _, err := s.SetKillSwitch(t.Context(), action.KillSwitch{On: true, At: t0}); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("kill switch without actor = %v, want ErrInvalid", err)
	}
	if _, err := s.SetKillSwitch(t.Context(), action.KillSwitch{On: true, Actor: "alice", Reason: "incident 42", At: t0}); err != nil {
		t.Fatal(err)
	}
	ks, err = s.KillSwitch(t.Context())
	if err != nil || !ks.On || ks.Actor != "alice" || ks.Reason != "incident 42" || !ks.At.Equal(t0) {
		t.Fatalf("kill switch after on = %+v, %v", ks, err)
	}
	recs := auditRecords(t, s)
	if len(recs) != 1 || recs[0].Kind != "kill-switch" || recs[0].Data["on"] != true {
		t.Fatalf("audit after kill switch = %+v", recs)
	}
}

// A plan's steps are stored together, in order, named by the first.
func testCreatePlan(t *testing.T, s store.Store) {
	t0 := base()
	tk := observeWant(t, s, violation("store-down", "1", ticket.Critical), window, t0, store.OutcomeOpened)
	step := func(a string) action.Run {
		r := proposal(tk.ID)
		r.Action = a
		return r
	}
	rs, err := s.CreatePlan(t.Context(), []action.Run{step("set_region_schedule_limit"), step("drain_store"), step("set_region_schedule_limit")}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 {
		t.Fatalf("CreatePlan returned %d runs", len(rs))
	}
	for i, r := range rs {
		got := getRun(t, s, r.ID)
		if got.PlanID != rs[0].ID || got.PlanStep != i+1 || got.State != action.Proposed || r.PlanID != rs[0].ID {
			t.Errorf("step %d stored as plan %d step %d %s (returned plan %d)", i+1, got.PlanID, got.PlanStep, got.State, r.PlanID)
		}
	}
	if ids := listRuns(t, s, store.RunFilter{PlanID: rs[0].ID}); len(ids) != 3 {
		t.Errorf("ListRuns by plan = %v", ids)
	}
	if recs := auditRecords(t, s); len(recs) != 3 || recs[2].Data["plan_step"] == nil {
		t.Errorf("audit after a plan = %+v", recs)
	}
	for _, bad := range [][]action.Run{{step("drain_store")}, {step("a"), {TicketID: tk.ID, Subject: "other", Action: "b", State: action.Proposed, CreatedBy: "x"}}} {
		if _, err := s.CreatePlan(t.Context(), bad, t0); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("CreatePlan(%d steps) = %v, want ErrInvalid", len(bad), err)
		}
	}
	// A plan for a ticket that does not exist stores nothing.
	missing := func(a string) action.Run { r := step(a); r.TicketID = 999; return r }
	if _, err := s.CreatePlan(t.Context(), []action.Run{missing("a"), missing("b")}, t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a plan for a missing ticket = %v, want ErrNotFound", err)
	}
	if ids := listRuns(t, s, store.RunFilter{}); len(ids) != 3 {
		t.Errorf("after a refused plan: %d runs, want 3", len(ids))
	}
}

// Approvals: one per person, only while proposed and at the read version.
func testApprovals(t *testing.T, s store.Store) {
	t0 := base()
	tk := observeWant(t, s, violation("store-down", "1", ticket.Critical), window, t0, store.OutcomeOpened)
	r := createRun(t, s, proposal(tk.ID), t0)
	as, err := s.AddApproval(t.Context(), r.ID, r.Version, action.Approval{Actor: "alice", Role: "approver", At: t0, Digest: "d1"})
	if err != nil || len(as) != 1 || as[0].Actor != "alice" || as[0].Digest != "d1" {
		t.Fatalf("first approval = %+v, %v", as, err)
	}
	if _, err := s.AddApproval(t.Context(), r.ID, r.Version, action.Approval{Actor: "alice", At: t0.Add(time.Second)}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("alice twice = %v, want ErrConflict", err)
	}
	if _, err := s.AddApproval(t.Context(), r.ID, r.Version+1, action.Approval{Actor: "bob", At: t0}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a stale version = %v, want ErrConflict", err)
	}
	as, err = s.AddApproval(t.Context(), r.ID, r.Version, action.Approval{Actor: "bob", Role: "admin", At: t0.Add(time.Second)})
	if err != nil || len(as) != 2 {
		t.Fatalf("second approval = %+v, %v", as, err)
	}
	if ok, err := s.MarkEscalated(t.Context(), r.ID, t0); err != nil || !ok {
		t.Fatalf("MarkEscalated = %v, %v", ok, err)
	}
	if ok, _ := s.MarkEscalated(t.Context(), r.ID, t0); ok {
		t.Fatal("escalated twice")
	}
	if err := s.ClearApprovals(t.Context(), r.ID, "executor", "cluster changed", t0); err != nil {
		t.Fatal(err)
	}
	if as, _ := s.Approvals(t.Context(), r.ID); len(as) != 0 {
		t.Fatalf("after clearing: %+v", as)
	}
	moved := move(t, s, r, action.Rejected, t0)
	if _, err := s.AddApproval(t.Context(), moved.ID, moved.Version, action.Approval{Actor: "carol", At: t0}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("approving a rejected run = %v, want ErrConflict", err)
	}
}
