package execute

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/notify"
	"github.com/operator-dev/operator/internal/store"
)

// Errors of the human-facing operations; the API maps them to statuses.
var (
	// ErrObserveOnly: actions.mode is observe; nothing may be approved.
	ErrObserveOnly = errors.New("observe-only mode")
	// ErrKillSwitch: the kill switch is on; nothing may be approved.
	ErrKillSwitch = errors.New("kill switch is on")
	// ErrState: the run is not in a state that allows the operation.
	ErrState = errors.New("not allowed in the run's state")
	// ErrPreflight: the preflight refused the action.
	ErrPreflight = errors.New("preflight refused")
)

// DryRun runs the preflight of a run now, changing nothing: what
// `operator actions approve ID --dry-run` shows.
func (e *Executor) DryRun(ctx context.Context, id action.ID) (action.Run, action.DryRunResult, error) {
	r, err := e.store.GetRun(ctx, id)
	if err != nil {
		return r, action.DryRunResult{}, fmt.Errorf("dry-run run %d: %w", id, err)
	}
	s, _, err := e.subjectOf(r)
	if err != nil {
		return r, action.DryRunResult{}, err
	}
	res, err := s.Driver.Preflight(ctx, r.Action, r.Params)
	if err != nil {
		return r, res, fmt.Errorf("dry-run run %d: %w", id, err)
	}
	return r, res, nil
}

// Approve records who's approval of a proposed run, after a fresh
// preflight, and approves it once the policy's requirement is met (one
// approver, or several distinct ones; never the proposer where the policy
// forbids it). It refuses in observe-only mode, under the kill switch,
// when the preflight fails (the run stays proposed) and when the policy
// refuses the approver.
func (e *Executor) Approve(ctx context.Context, id action.ID, who Approver, reason string) (ApproveResult, error) {
	if strings.TrimSpace(who.Name) == "" {
		return ApproveResult{}, fmt.Errorf("approve run %d: %w: say who approves", id, store.ErrInvalid)
	}
	if !e.cfg.Execute {
		return ApproveResult{}, fmt.Errorf("approve run %d: %w: actions.mode is observe, so nothing executes; set actions.mode: execute to allow approvals (approve --dry-run still checks it)", id, ErrObserveOnly)
	}
	ks, err := e.store.KillSwitch(ctx)
	if err != nil {
		return ApproveResult{}, fmt.Errorf("approve run %d: %w", id, err)
	}
	if ks.On {
		return ApproveResult{}, fmt.Errorf("approve run %d: %w (%s); turn it off first", id, ErrKillSwitch, ks)
	}
	r, res, err := e.DryRun(ctx, id)
	if err != nil {
		return ApproveResult{Run: r}, err
	}
	if r.State != action.Proposed {
		return ApproveResult{Run: r}, fmt.Errorf("approve run %d: %w: it is %s, only a proposed run can be approved", id, ErrState, r.State)
	}
	if !res.Valid {
		return ApproveResult{Run: r}, fmt.Errorf("approve run %d: %w: %s", id, ErrPreflight, res.Message)
	}
	// Checked again before it runs; refused here so nobody approves what
	// the executor would refuse anyway.
	if why := e.overBlast(res); why != "" {
		return ApproveResult{Run: r}, fmt.Errorf("approve run %d: %w: %s; raise the limit in the config if this is intended", id, ErrPreflight, why)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if r.PlanID != 0 {
		if why, err := e.blocked(ctx, r); err != nil || why != "" {
			if err == nil {
				err = fmt.Errorf("%w: run %d is step %d of plan %d and %s; approve the plan by its first proposed step", ErrState, id, r.PlanStep, r.PlanID, why)
			}
			return ApproveResult{Run: r}, fmt.Errorf("approve run %d: %w", id, err)
		}
		req, err := e.planRequirement(ctx, r.PlanID)
		if err != nil {
			return ApproveResult{Run: r}, err
		}
		return e.approveOne(ctx, r, who, reason, res, req, func(names []string, digest string) (action.Run, error) {
			return e.approvePlan(ctx, r, strings.Join(names, ", "), reason, res)
		})
	}
	return e.approveOne(ctx, r, who, reason, res, e.policy().Requirement(r.Action, r.Risk), e.approveSingle(ctx, r, who, reason, res))
}

// Reject rejects a proposed run; the reason is required.
func (e *Executor) Reject(ctx context.Context, id action.ID, actor, reason string) (action.Run, error) {
	if strings.TrimSpace(actor) == "" || strings.TrimSpace(reason) == "" {
		return action.Run{}, fmt.Errorf("reject run %d: %w: say who rejects it and why (--reason)", id, store.ErrInvalid)
	}
	r, err := e.store.GetRun(ctx, id)
	if err != nil {
		return r, fmt.Errorf("reject run %d: %w", id, err)
	}
	if r.State != action.Proposed {
		return r, fmt.Errorf("reject run %d: %w: it is %s, only a proposed run can be rejected", id, ErrState, r.State)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.move(ctx, r, action.Rejected, actor, reason, nil)
}

// Cancel stops a run that has not finished: an approved or queued run at
// once, an executing one after cancelling its change on the cluster. A
// verifying run cannot be cancelled: its change is already made.
func (e *Executor) Cancel(ctx context.Context, id action.ID, actor, reason string) (action.Run, error) {
	if strings.TrimSpace(actor) == "" {
		return action.Run{}, fmt.Errorf("cancel run %d: %w: say who cancels it", id, store.ErrInvalid)
	}
	if reason == "" {
		reason = "cancelled by " + actor
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	r, err := e.store.GetRun(ctx, id)
	if err != nil {
		return r, fmt.Errorf("cancel run %d: %w", id, err)
	}
	switch r.State {
	case action.Approved, action.Queued:
		return e.move(ctx, r, action.Cancelled, actor, reason, nil)
	case action.Executing:
		if !e.cfg.Execute {
			return r, fmt.Errorf("cancel run %d: %w: it is executing, but actions.mode is observe, so this operator holds no write access to cancel its change; set actions.mode: execute", id, ErrObserveOnly)
		}
		if err := e.cancelExecuting(ctx, r, actor, reason); err != nil {
			return r, err
		}
		return e.store.GetRun(ctx, id)
	case action.Proposed:
		return r, fmt.Errorf("cancel run %d: %w: it is only proposed; reject it instead", id, ErrState)
	case action.Verifying:
		return r, fmt.Errorf("cancel run %d: %w: it is verifying, the change is already made; verification runs to a verdict", id, ErrState)
	}
	return r, fmt.Errorf("cancel run %d: %w: it is %s and has finished", id, ErrState, r.State)
}

// SetKillSwitch turns the kill switch on or off. On takes effect before it
// returns: it lists the runs it cancelled.
func (e *Executor) SetKillSwitch(ctx context.Context, on bool, actor, reason string) (action.KillSwitch, []action.ID, error) {
	ks, err := e.store.SetKillSwitch(ctx, action.KillSwitch{On: on, Actor: actor, Reason: reason, At: e.clock()})
	if err != nil {
		return ks, nil, fmt.Errorf("set the kill switch: %w", err)
	}
	if !on {
		e.log.Warn("kill switch off", "by", actor)
		e.notify(ctx, notify.Message{Tier: notify.Critical, Kind: "kill-switch", Title: "Kill switch off: actions may run again",
			Text: fmt.Sprintf("%s turned the kill switch off. %s", actor, reason)})
		return ks, nil, nil
	}
	e.log.Warn("kill switch ON: stopping every run", "by", actor, "reason", reason)
	e.mu.Lock()
	defer e.mu.Unlock()
	ids, err := e.stopAll(ctx, ks)
	e.notify(ctx, notify.Message{Tier: notify.Critical, Kind: "kill-switch", Title: "Kill switch ON: every action stopped",
		Text: fmt.Sprintf("%s turned the kill switch on: %s. Cancelled runs: %v.", actor, reason, ids)})
	return ks, ids, err
}
