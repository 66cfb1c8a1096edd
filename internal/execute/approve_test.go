package execute

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/audit"
	"github.com/operator-dev/operator/internal/notify"
	"github.com/operator-dev/operator/internal/policy"
)

func (e *env) proposeRisk(risk, by string) action.Run {
	e.t.Helper()
	r, err := e.st.CreateRun(e.t.Context(), action.Run{TicketID: e.ticket.ID, Subject: "tikv", Action: "transfer_leader",
		Params: map[string]any{"region_id": 49, "to_store_id": 2}, State: action.Proposed, Risk: risk,
		CreatedBy: by, Origin: "test"}, e.clock.now())
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func who(name, role string) Approver { return Approver{Name: name, Role: role} }

func TestHighRiskNeedsTwoOtherPeople(t *testing.T) {
	e := newEnv(t, executing())
	r := e.proposeRisk("high", "alice")
	if _, err := e.ex.Approve(t.Context(), r.ID, who("alice", "admin"), ""); !errors.Is(err, ErrApproval) || !errors.Is(err, policy.ErrSelfApproval) {
		t.Fatalf("the proposer approving their own high-risk action = %v", err)
	}
	res, err := e.ex.Approve(t.Context(), r.ID, who("bob", "approver"), "")
	if err != nil || res.Run.State != action.Proposed || res.Approvals != 1 || res.Needed != 2 {
		t.Fatalf("first approval = %+v, %v", res, err)
	}
	if _, err := e.ex.Approve(t.Context(), r.ID, who("BOB", "approver"), ""); !errors.Is(err, policy.ErrSameApprover) {
		t.Fatalf("the same person twice = %v", err)
	}
	if _, err := e.ex.Approve(t.Context(), r.ID, who("vera", "viewer"), ""); !errors.Is(err, policy.ErrRole) {
		t.Fatalf("a viewer approving = %v", err)
	}
	res, err = e.ex.Approve(t.Context(), r.ID, who("carol", "admin"), "")
	if err != nil || res.Run.State != action.Approved {
		t.Fatalf("second approval = %+v, %v", res, err)
	}
	trs, err := e.st.RunTransitions(t.Context(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	var by []string
	for _, x := range trs[len(trs)-1].Data["approved_by"].([]any) {
		by = append(by, x.(string))
	}
	if !slices.Equal(by, []string{"bob", "carol"}) {
		t.Errorf("approved_by = %v, want bob and carol", by)
	}
}

func TestExpiredProposalCannotBeApproved(t *testing.T) {
	e := newEnv(t, executing())
	r := e.propose()
	e.clock.add(2 * time.Hour)
	e.once()
	if _, err := e.ex.Approve(t.Context(), r.ID, who("bob", "approver"), ""); !errors.Is(err, ErrState) {
		t.Fatalf("approving an expired proposal = %v", err)
	}
}

// The cluster changes between approval and execution: the run goes back
// to proposed, its approvals are cleared, people are told.
func TestApprovalInvalidatedByAChange(t *testing.T) {
	var told []notify.Message
	cfg := executing()
	cfg.Notify = func(_ context.Context, m notify.Message) { told = append(told, m) }
	e := newEnv(t, cfg)
	e.driver.preflight.Touches = []string{"region 49 conf_ver 5 leader on store 1 peers 1@1,2@2,3@3"}
	r := e.propose()
	if _, err := e.ex.Approve(t.Context(), r.ID, who("bob", "approver"), ""); err != nil {
		t.Fatal(err)
	}
	e.once() // queued
	e.driver.preflight.Touches = []string{"region 49 conf_ver 6 leader on store 1 peers 1@1,2@2,4@4"}
	e.once() // start: the region's replicas moved
	e.wantState(r.ID, action.Proposed)
	trs, _ := e.st.RunTransitions(t.Context(), r.ID)
	if last := trs[len(trs)-1]; !strings.Contains(last.Reason, "approval invalidated: what it touches changed") || !strings.Contains(last.Reason, "4@4") {
		t.Fatalf("back to proposed because %q", last.Reason)
	}
	if as, _ := e.st.Approvals(t.Context(), r.ID); len(as) != 0 {
		t.Fatalf("approvals kept: %+v", as)
	}
	if e.driver.submits != 0 {
		t.Fatal("submitted after the cluster changed")
	}
	if len(told) == 0 || told[len(told)-1].Kind != "approval-invalidated" {
		t.Fatalf("nobody was told: %+v", told)
	}
	// Approving again, against the cluster as it is now, runs it.
	if _, err := e.ex.Approve(t.Context(), r.ID, who("bob", "approver"), "still right"); err != nil {
		t.Fatal(err)
	}
	e.once()
	e.once()
	if e.driver.submits != 1 {
		t.Fatalf("%d submissions after re-approval", e.driver.submits)
	}
}

func TestPreflightFailureAtExecutionSendsItBack(t *testing.T) {
	e := newEnv(t, executing())
	r := e.propose()
	if _, err := e.ex.Approve(t.Context(), r.ID, who("bob", "approver"), ""); err != nil {
		t.Fatal(err)
	}
	e.once()
	e.driver.preflight = action.DryRunResult{Valid: false, Message: "region 49 has a running PD operator"}
	e.once()
	e.wantState(r.ID, action.Proposed)
	trs, _ := e.st.RunTransitions(t.Context(), r.ID)
	if last := trs[len(trs)-1]; !strings.Contains(last.Reason, "region 49 has a running PD operator") {
		t.Fatalf("reason %q", last.Reason)
	}
}

// A pre-authorized runbook approves a low-risk proposal on its own, and
// the record says so: approved by policy/<rule>.
func TestAutoApprovalIsAudited(t *testing.T) {
	pol, err := policy.Parse([]byte(autoPolicy), map[string]string{"transfer_leader": "low"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := executing()
	cfg.Policy = func() *policy.Policy { return pol }
	e := newEnv(t, cfg)
	rec := diagnosed("rules", 2, false)
	e.saveRound(rec)
	rs := e.proposeNow()
	if len(rs) != 1 || rs[0].State != action.Approved {
		t.Fatalf("proposals = %+v", rs)
	}
	var approvals []audit.Record
	for _, r := range e.verifyAudit() {
		if r.Kind == audit.KindApproval {
			approvals = append(approvals, r)
		}
	}
	if len(approvals) != 1 || approvals[0].Actor != "policy/hot-leader-move" {
		t.Fatalf("approval records %+v", approvals)
	}
	// Below the confidence, or disputed: a person must approve.
	e2 := newEnv(t, cfg)
	low := diagnosed("rules", 2, false)
	low.Diagnosis.Confidence = 0.5
	e2.saveRound(low)
	if rs := e2.proposeNow(); len(rs) != 1 || rs[0].State != action.Proposed {
		t.Fatalf("a low-confidence proposal was auto-approved: %+v", rs)
	}
	// A high-risk action is never auto-approved, whatever the rule says:
	// the parser refuses such a rule.
	if _, err := policy.Parse([]byte(autoPolicy), map[string]string{"transfer_leader": "high"}); err == nil {
		t.Fatal("a runbook for a high-risk action was accepted")
	}
}

const autoPolicy = `
tiers:
  low: {approvers: 1, roles: [approver, admin], proposer-may-approve: true, expire-after: 1h}
  medium: {approvers: 1, roles: [approver, admin], expire-after: 1h}
  high: {approvers: 2, roles: [approver, admin], expire-after: 2h}
auto-approve:
  - name: hot-leader-move
    invariant: hot-write-region
    action: transfer_leader
    min-confidence: 0.6
`

// Outside the maintenance window an approved run waits, approved, and a
// run the policy always allows goes ahead of it.
func TestMaintenanceWindowHoldsTheQueue(t *testing.T) {
	pol, err := policy.Parse([]byte(windowPolicy), map[string]string{"transfer_leader": "low", "cancel_operator": "low"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := executing()
	cfg.Policy = func() *policy.Policy { return pol }
	e := newEnv(t, cfg) // t0 is 12:00 UTC, outside 02:00-05:00
	held := e.propose()
	if _, err := e.ex.Approve(t.Context(), held.ID, who("bob", "approver"), ""); err != nil {
		t.Fatal(err)
	}
	other, err := e.st.CreateRun(t.Context(), action.Run{TicketID: e.ticket.ID, Subject: "tikv", Action: "cancel_operator",
		Params: map[string]any{"region_id": 49}, State: action.Proposed, Risk: "low", CreatedBy: "diagnosis"}, e.clock.now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.ex.Approve(t.Context(), other.ID, who("bob", "approver"), ""); err != nil {
		t.Fatal(err)
	}
	e.once()
	e.once()
	e.wantState(held.ID, action.Approved)
	if got := e.run(other.ID); got.State != action.Executing {
		t.Fatalf("the always-allowed run is %s", got.State)
	}
}

const windowPolicy = `
tiers:
  low: {approvers: 1, roles: [approver, admin], proposer-may-approve: true, expire-after: 24h}
  medium: {approvers: 1, roles: [approver, admin], expire-after: 24h}
  high: {approvers: 2, roles: [approver, admin], expire-after: 24h}
maintenance-windows:
  - {days: [mon, tue, wed, thu, fri, sat, sun], start: "02:00", end: "05:00", timezone: UTC}
always-allowed: [cancel_operator]
`
