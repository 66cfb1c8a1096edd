package execute

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/policy"
	"github.com/operator-dev/operator/internal/store"
)

// ErrApproval: the policy refuses this approver for this run (role, own
// proposal, the same person twice).
var ErrApproval = errors.New("approval refused by policy")

// Approver is who approves: the authenticated identity and its role.
type Approver struct {
	Name string
	Role string
}

// ApproveResult is what an approval did: the run (approved once enough
// distinct people said yes), and how many it has and needs.
type ApproveResult struct {
	Run       action.Run `json:"run"`
	Approvals int        `json:"approvals"`
	Needed    int        `json:"needed"`
}

func (e *Executor) policy() *policy.Policy {
	if e.cfg.Policy != nil {
		if p := e.cfg.Policy(); p != nil {
			return p
		}
	}
	return policy.Default()
}

// approvalDigest binds an approval to what the approver was shown: the
// exact action and parameters and what the preflight saw it touch.
func approvalDigest(r action.Run, res action.DryRunResult) string {
	touches := slices.Clone(res.Touches)
	slices.Sort(touches)
	b, _ := json.Marshal(map[string]any{"subject": r.Subject, "action": r.Action, "params": store.RunSubject(r.Action, r.Params),
		"touches": touches})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// approveOne records who's yes to run r under requirement req and, once
// it is met, calls done (which moves the run, or a whole plan, to
// approved).
func (e *Executor) approveOne(ctx context.Context, r action.Run, who Approver, reason string, res action.DryRunResult,
	req policy.Requirement, done func(names []string, digest string) (action.Run, error)) (ApproveResult, error) {
	prior, err := e.store.Approvals(ctx, r.ID)
	if err != nil {
		return ApproveResult{Run: r}, fmt.Errorf("approve run %d: %w", r.ID, err)
	}
	var already []policy.Approval
	for _, a := range prior {
		already = append(already, policy.Approval{Actor: a.Actor, Role: a.Role})
	}
	met, err := req.Approve(r.CreatedBy, already, policy.Approval{Actor: who.Name, Role: who.Role})
	if err != nil {
		return ApproveResult{Run: r, Approvals: len(prior), Needed: req.Approvers},
			fmt.Errorf("approve run %d: %w: %w", r.ID, ErrApproval, err)
	}
	digest := approvalDigest(r, res)
	all, err := e.store.AddApproval(ctx, r.ID, r.Version, action.Approval{Actor: who.Name, Role: who.Role, At: e.clock(),
		Reason: reason, Digest: digest})
	if err != nil {
		return ApproveResult{Run: r}, fmt.Errorf("approve run %d: %w", r.ID, err)
	}
	out := ApproveResult{Run: r, Approvals: len(all), Needed: req.Approvers}
	if !met {
		e.log.Info("approval recorded; more needed", "run", r.ID, "by", who.Name, "have", len(all), "need", req.Approvers)
		return out, nil
	}
	names := make([]string, len(all))
	for i, a := range all {
		names[i] = a.Actor
	}
	moved, err := done(names, digest)
	if err != nil {
		return out, err
	}
	e.log.Info("action run approved", "run", r.ID, "action", r.Action, "by", strings.Join(names, ", "))
	out.Run = moved
	return out, nil
}

// approveSingle is the done step of a single run: proposed -> approved.
func (e *Executor) approveSingle(ctx context.Context, r action.Run, who Approver, reason string, res action.DryRunResult) func([]string, string) (action.Run, error) {
	return func(names []string, digest string) (action.Run, error) {
		moved, err := e.store.TransitionRun(ctx, r.ID, r.Version, action.Transition{To: action.Approved, At: e.clock(), Actor: who.Name,
			Reason: reason, Data: map[string]any{"preflight": dryRunData(res), "approved_by": names, "digest": digest}})
		if err != nil {
			return r, fmt.Errorf("approve run %d: %w", r.ID, err)
		}
		return moved, nil
	}
}

// planRequirement is the strictest requirement of a plan's steps: a plan
// is approved as a whole, so it needs what its riskiest step needs.
func (e *Executor) planRequirement(ctx context.Context, plan action.ID) (policy.Requirement, error) {
	steps, err := e.planSteps(ctx, plan)
	if err != nil {
		return policy.Requirement{}, err
	}
	var out policy.Requirement
	first := true
	for _, st := range steps {
		if st.Compensates != 0 {
			continue
		}
		req := e.policy().Requirement(st.Action, st.Risk)
		if first {
			out, first = req, false
			continue
		}
		out.Approvers = max(out.Approvers, req.Approvers)
		out.ProposerMayApprove = out.ProposerMayApprove && req.ProposerMayApprove
		out.Roles = slices.DeleteFunc(out.Roles, func(role string) bool { return !slices.Contains(req.Roles, role) })
	}
	return out, nil
}

// autoApprove approves a fresh proposal on a pre-authorized runbook's
// behalf: recorded as approved by "policy/<rule>".
func (e *Executor) autoApprove(ctx context.Context, r action.Run, rule string, res action.DryRunResult) (action.Run, error) {
	actor := "policy/" + rule
	digest := approvalDigest(r, res)
	if _, err := e.store.AddApproval(ctx, r.ID, r.Version, action.Approval{Actor: actor, Role: "policy", At: e.clock(),
		Reason: "pre-authorized runbook " + rule, Digest: digest}); err != nil {
		return r, fmt.Errorf("auto-approve run %d: %w", r.ID, err)
	}
	moved, err := e.store.TransitionRun(ctx, r.ID, r.Version, action.Transition{To: action.Approved, At: e.clock(), Actor: actor,
		Reason: "pre-authorized runbook " + rule, Data: map[string]any{"preflight": dryRunData(res), "approved_by": []string{actor},
			"digest": digest, "policy": e.policy().Digest()}})
	if err != nil {
		return r, fmt.Errorf("auto-approve run %d: %w", r.ID, err)
	}
	e.log.Info("action run auto-approved", "run", r.ID, "action", r.Action, "rule", rule)
	return moved, nil
}

// approvedDigest is the digest the run's approval was bound to ("" for
// runs approved before digests existed, or plan steps).
func (e *Executor) approvedDigest(ctx context.Context, r action.Run) (string, error) {
	trs, err := e.store.RunTransitions(ctx, r.ID)
	if err != nil {
		return "", fmt.Errorf("read the history of run %d: %w", r.ID, err)
	}
	digest := ""
	for _, tr := range trs { // the latest approval: an invalidated one was followed by another
		if tr.To == action.Approved {
			digest, _ = tr.Data["digest"].(string)
		}
	}
	return digest, nil
}
