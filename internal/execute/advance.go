package execute

import (
	"context"
	"errors"
	"fmt"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/ticket"
)

// advance moves an executing or verifying run one step, from what the
// cluster says now. It is the same after a restart as in the pass after
// the submission: it never submits.
func (e *Executor) advance(ctx context.Context, r action.Run) error {
	s, spec, err := e.subjectOf(r)
	if err != nil {
		return err
	}
	in, since, found, err := e.loadIntent(ctx, r)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("run %d is %s but has no recorded intent", r.ID, r.State)
	}
	now := e.clock()
	if r.State == action.Executing {
		obs, err := s.Driver.Observe(ctx, r, in)
		if err != nil {
			return fmt.Errorf("observe run %d: %w", r.ID, err)
		}
		switch obs.Phase {
		case action.PhaseRunning:
			if spec.Timeout > 0 && now.Sub(in.At) > spec.Timeout {
				cerr := s.Driver.Cancel(ctx, r, in)
				e.pdCall(ctx, r, "cancel", "cancel on timeout", cerr)
				reason := fmt.Sprintf("did not finish within its %s timeout (%s); cancelled", spec.Timeout, obs.Detail)
				if cerr != nil {
					reason = fmt.Sprintf("did not finish within its %s timeout (%s); cancelling it failed: %v", spec.Timeout, obs.Detail, cerr)
				}
				return e.finish(ctx, s, r, in, action.TimedOut, reason, obsData(obs))
			}
			return nil
		case action.PhaseFinished:
			r, err = e.move(ctx, r, action.Verifying, ActorExecutor, obs.Detail, obsData(obs))
			if err != nil {
				return err
			}
			e.step(StepVerifying, r)
			return nil
		case action.PhaseFailed:
			return e.finish(ctx, s, r, in, action.Failed, "ran and failed: "+obs.Detail, obsData(obs))
		case action.PhaseNotRun:
			return e.finish(ctx, s, r, in, action.Failed, "did not run: "+obs.Detail, obsData(obs))
		default:
			return e.finish(ctx, s, r, in, action.Failed, "may have run: "+obs.Detail, obsData(obs))
		}
	}
	// Verifying.
	v, err := s.Driver.Verify(ctx, r, in)
	if err != nil {
		return fmt.Errorf("verify run %d: %w", r.ID, err)
	}
	verifyingAt := since[action.Verifying].At
	data := map[string]any{"verification": map[string]any{"ok": v.OK, "detail": v.Detail}, "before": in.Before, "after": v.After}
	if !v.OK {
		if now.Sub(verifyingAt) < e.cfg.VerifyGrace {
			return nil // the effect may not be visible yet
		}
		return e.finish(ctx, s, r, in, action.Failed, "verification failed: "+v.Detail, data)
	}
	recovered, open, err := e.ticketRecovered(ctx, r)
	if err != nil {
		return err
	}
	switch {
	case recovered:
		return e.finish(ctx, s, r, in, action.Completed, "verified: "+v.Detail+open, data)
	case now.Sub(verifyingAt) < e.cfg.RecoveryWindow:
		return nil // the effect is in place; give the invariant time to clear
	}
	return e.finish(ctx, s, r, in, action.Completed,
		fmt.Sprintf("verified: %s; but %s after %s", v.Detail, open, e.cfg.RecoveryWindow), data)
}

// ticketRecovered reports whether the run's ticket has resolved, and a
// phrase saying how it stands.
func (e *Executor) ticketRecovered(ctx context.Context, r action.Run) (bool, string, error) {
	if r.TicketID == 0 {
		return true, "", nil
	}
	t, err := e.store.Get(ctx, r.TicketID)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return true, "", nil
		}
		return false, "", fmt.Errorf("read ticket %d of run %d: %w", r.TicketID, r.ID, err)
	}
	if t.State == ticket.Resolved {
		return true, fmt.Sprintf("; ticket %d (%s) resolved", t.ID, t.DedupKey), nil
	}
	return false, fmt.Sprintf("ticket %d (%s) is still %s: the problem has not cleared", t.ID, t.DedupKey, t.State), nil
}
