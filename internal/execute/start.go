package execute

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/audit"
	"github.com/operator-dev/operator/internal/notify"
	"github.com/operator-dev/operator/internal/store"
)

// start takes a queued run to the cluster: preflight again, hold it to the
// limits, record the intent (executing), take the lock, submit. Only this
// function submits, and only in the pass that recorded the intent.
func (e *Executor) start(ctx context.Context, r action.Run) error {
	s, _, err := e.subjectOf(r)
	if err != nil {
		_, merr := e.move(ctx, r, action.Failed, ActorExecutor, "did not run: "+err.Error(), nil)
		return merr
	}
	// Outside a maintenance window or over the rate, wait without asking
	// PD anything (a window may be hours away).
	if ok, why, err := e.mayStartNow(ctx, r); err != nil || !ok {
		if err == nil && why != "" {
			e.waitOnce(r, why)
		}
		return err
	}
	res, err := s.Driver.Preflight(ctx, r.Action, r.Params)
	if err != nil {
		// The cluster could not be read: the run stays queued and is
		// checked again next pass (a cancel or the kill switch can still
		// stop it).
		return fmt.Errorf("preflight run %d before execution: %w", r.ID, err)
	}
	if r.PlanID == 0 {
		// A single run's approval holds only for what the approvers saw.
		approved, err := e.approvedDigest(ctx, r)
		if err != nil {
			return err
		}
		switch {
		case !res.Valid:
			return e.invalidate(ctx, r, "the preflight right before execution refused it: "+res.Message, res)
		case approved != "" && approved != approvalDigest(r, res):
			return e.invalidate(ctx, r, "what it touches changed since it was approved (now: "+strings.Join(res.Touches, "; ")+")", res)
		}
	}
	if !res.Valid {
		_, err := e.move(ctx, r, action.Failed, ActorExecutor, "did not run: the preflight right before execution refused it: "+res.Message,
			map[string]any{"preflight": dryRunData(res)})
		return err
	}
	if why, err := e.overLimits(ctx, res); err != nil {
		return err
	} else if why != "" {
		_, err := e.move(ctx, r, action.Failed, ActorExecutor, "did not run: "+why, map[string]any{"preflight": dryRunData(res)})
		return err
	}
	in, err := s.Driver.Plan(ctx, r)
	if err != nil {
		return fmt.Errorf("plan run %d: %w", r.ID, err)
	}
	in.At = e.clock()
	data, err := intentData(in)
	if err != nil {
		return err
	}
	data["preflight"] = dryRunData(res)
	// The intent is durable before anything reaches the cluster: from here
	// on a restart observes, it never submits.
	r, err = e.move(ctx, r, action.Executing, ActorExecutor, in.Call, data)
	if err != nil {
		return err
	}
	e.step(StepExecuting, r)
	if err := s.Driver.Acquire(ctx, r, in); err != nil {
		e.pdCall(ctx, r, "acquire", in.Call, err)
		reason := "did not run: could not take what it needs held: " + err.Error()
		if errors.Is(err, action.ErrRefused) {
			reason = "did not run: " + err.Error()
		}
		return e.finish(ctx, s, r, in, action.Failed, reason, nil)
	}
	e.step(StepAcquired, r)
	subErr := s.Driver.Submit(ctx, r, in)
	e.pdCall(ctx, r, "submit", in.Call, subErr)
	if subErr != nil {
		// The call failed, but a timeout can hide a change that happened:
		// ask the cluster before saying it did not run.
		obs, err := s.Driver.Observe(ctx, r, in)
		switch {
		case err != nil:
			return fmt.Errorf("run %d: submit failed (%v) and the cluster could not be asked what became of it: %w", r.ID, subErr, err)
		case obs.Phase == action.PhaseNotRun:
			return e.finish(ctx, s, r, in, action.Failed, "did not run: the cluster refused it: "+subErr.Error(), obsData(obs))
		case obs.Phase == action.PhaseUnknown:
			return e.finish(ctx, s, r, in, action.Failed, "may have run: the call failed ("+subErr.Error()+") and "+obs.Detail, obsData(obs))
		}
		// It ran after all: observe it like any other.
	}
	e.step(StepSubmitted, r)
	return nil
}

// invalidate sends a queued run back to proposed: the cluster changed
// materially since it was approved, so its approvals no longer hold.
// Approvers are told; they may approve it again (or it expires).
func (e *Executor) invalidate(ctx context.Context, r action.Run, why string, res action.DryRunResult) error {
	reason := "approval invalidated: " + why
	moved, err := e.move(ctx, r, action.Proposed, ActorExecutor, reason, map[string]any{"preflight": dryRunData(res)})
	if err != nil {
		return err
	}
	if err := e.store.ClearApprovals(ctx, r.ID, ActorExecutor, reason, e.clock()); err != nil {
		return err
	}
	e.noteTicket(ctx, moved, fmt.Sprintf("action run %d (%s) went back to proposed: %s", r.ID, store.RunSubject(r.Action, r.Params), reason))
	e.notify(ctx, notify.Message{Tier: notify.Notable, Kind: "approval-invalidated", RunID: int64(r.ID), TicketID: int64(r.TicketID),
		Title: fmt.Sprintf("Approval of run %d invalidated", r.ID), Text: reason,
		Approving: "approving again runs it against the cluster as it is now"})
	return nil
}

// mayStartNow holds a run in the queue outside the policy's maintenance
// windows and beyond its per-action hourly rate.
func (e *Executor) mayStartNow(ctx context.Context, r action.Run) (bool, string, error) {
	pol := e.policy()
	if ok, why, _ := pol.CanStart(r.Action, e.clock()); !ok {
		return false, why, nil
	}
	if limit := pol.RateLimit(r.Action); limit > 0 {
		n, err := e.startedSince(ctx, e.clock().Add(-time.Hour), r.Action)
		if err != nil {
			return false, "", err
		}
		if n >= limit {
			return false, fmt.Sprintf("%d %s runs started in the last hour, the policy's rate limit", n, r.Action), nil
		}
	}
	return true, "", nil
}

// waitOnce logs, once per run and reason, why a queued run waits.
func (e *Executor) waitOnce(r action.Run, why string) {
	key := fmt.Sprintf("%d/%s", r.ID, why)
	if e.waiting == nil {
		e.waiting = map[string]bool{}
	}
	if !e.waiting[key] {
		e.waiting[key] = true
		e.log.Info("queued run waits", "run", r.ID, "action", r.Action, "why", why)
	}
}

// finish moves a run to a terminal state and releases what it held. A
// failed release is logged: the driver's Recover cleans up at the next
// start, and PD resumes a paused checker by itself when the pause ends.
func (e *Executor) finish(ctx context.Context, s Subject, r action.Run, in action.Intent, to action.State, reason string, data map[string]any) error {
	moved, err := e.move(ctx, r, to, ActorExecutor, reason, data)
	if err != nil {
		return err
	}
	e.step(StepDone, moved)
	if err := s.Driver.Release(ctx, moved, in); err != nil {
		e.log.Error("could not release what the run held; it is released at the next start", "run", r.ID, "err", err)
		e.pdCall(ctx, moved, "release", "release lock and checkers", err)
		return nil
	}
	e.pdCall(ctx, moved, "release", "release lock and checkers", nil)
	return nil
}

// pdCall appends an audit record of one call to the cluster and its result.
func (e *Executor) pdCall(ctx context.Context, r action.Run, step, call string, callErr error) {
	data := map[string]any{"run": int64(r.ID), "step": step, "call": call, "ok": callErr == nil}
	if callErr != nil {
		data["error"] = callErr.Error()
	}
	rec := audit.Record{At: e.clock(), Actor: ActorExecutor, Kind: audit.KindPDCall,
		Subject: store.RunSubject(r.Action, r.Params), Ref: store.RunRef(r.ID), Data: data}
	if _, err := e.store.Audit().Append(ctx, rec); err != nil {
		e.log.Error("could not append the audit record of a cluster call", "run", r.ID, "step", step, "err", err)
	}
}

func dryRunData(res action.DryRunResult) map[string]any {
	out := map[string]any{"valid": res.Valid, "message": res.Message}
	if len(res.Warnings) > 0 {
		out["warnings"] = res.Warnings
	}
	if res.Blast != nil {
		out["blast"] = map[string]any{"stores": res.Blast.Stores, "regions": res.Blast.Regions, "bytes": res.Blast.Bytes}
	}
	return out
}

func obsData(o action.Observation) map[string]any {
	out := map[string]any{"phase": string(o.Phase), "detail": o.Detail}
	if len(o.Data) > 0 {
		out["data"] = o.Data
	}
	return map[string]any{"observation": out}
}
