package execute

import (
	"context"
	"fmt"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/ticket"
)

// stopAll applies the kill switch: every approved and queued run is
// cancelled, and every executing run's cluster change is cancelled (only
// what that run created) before the run is. Verifying runs keep being
// verified: the change is made and checking it only reads. It returns the
// runs it cancelled.
func (e *Executor) stopAll(ctx context.Context, ks action.KillSwitch) ([]action.ID, error) {
	rs, err := e.store.ListRuns(ctx, store.RunFilter{States: []action.State{action.Approved, action.Queued, action.Executing, action.Verifying}})
	if err != nil {
		return nil, fmt.Errorf("kill switch: read live runs: %w", err)
	}
	reason := "kill switch on (" + ks.Actor + ")"
	if ks.Reason != "" {
		reason += ": " + ks.Reason
	}
	var done []action.ID
	for _, r := range rs {
		if !e.cfg.Execute && (r.State == action.Executing || r.State == action.Verifying) {
			e.warnInFlight(r) // no write credential in observe mode: nothing to cancel with
			continue
		}
		switch r.State {
		case action.Verifying:
			if err := e.advance(ctx, r); err != nil {
				e.log.Warn("verifying under the kill switch failed", "run", r.ID, "err", err)
			}
			continue
		case action.Executing:
			if err := e.cancelExecuting(ctx, r, ActorKillSwitch, reason); err != nil {
				return done, err
			}
		default:
			if _, err := e.move(ctx, r, action.Cancelled, ActorKillSwitch, reason, nil); err != nil {
				return done, err
			}
		}
		done = append(done, r.ID)
	}
	return done, nil
}

// cancelExecuting cancels an executing run's change on the cluster, then
// the run. A run whose change already finished is left to verification.
func (e *Executor) cancelExecuting(ctx context.Context, r action.Run, actor, reason string) error {
	s, _, err := e.subjectOf(r)
	if err != nil {
		return err
	}
	in, _, found, err := e.loadIntent(ctx, r)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("run %d is executing but has no recorded intent", r.ID)
	}
	cerr := s.Driver.Cancel(ctx, r, in)
	e.pdCall(ctx, r, "cancel", "cancel: "+reason, cerr)
	if cerr != nil {
		return fmt.Errorf("cancel run %d on the cluster: %w", r.ID, cerr)
	}
	obs, err := s.Driver.Observe(ctx, r, in)
	if err != nil {
		return fmt.Errorf("observe run %d after cancelling it: %w", r.ID, err)
	}
	moved, err := e.move(ctx, r, action.Cancelled, actor, reason+"; on the cluster: "+obs.Detail, obsData(obs))
	if err != nil {
		return err
	}
	if err := s.Driver.Release(ctx, moved, in); err != nil {
		e.log.Error("could not release what the cancelled run held; it is released at the next start", "run", r.ID, "err", err)
	}
	return nil
}

// expire ends proposals nobody approved in time.
func (e *Executor) expire(ctx context.Context) error {
	rs, err := e.store.ListRuns(ctx, store.RunFilter{States: []action.State{action.Proposed}})
	if err != nil {
		return fmt.Errorf("read proposals: %w", err)
	}
	now := e.clock()
	for _, r := range rs {
		reason := ""
		switch {
		case now.Sub(r.CreatedAt) >= e.cfg.ProposalTTL:
			reason = fmt.Sprintf("nobody approved it within %s", e.cfg.ProposalTTL)
		case r.TicketID != 0:
			t, err := e.store.Get(ctx, r.TicketID)
			if err != nil {
				return fmt.Errorf("read ticket %d of proposal %d: %w", r.TicketID, r.ID, err)
			}
			if t.State == ticket.Resolved {
				reason = fmt.Sprintf("ticket %d (%s) resolved before anyone approved it: the problem is gone", t.ID, t.DedupKey)
			}
		}
		if reason == "" {
			continue
		}
		if _, err := e.move(ctx, r, action.Expired, ActorExpiry, reason, nil); err != nil {
			return err
		}
	}
	return nil
}

// noteOutcome appends a run's end to its ticket's timeline.
func (e *Executor) noteOutcome(ctx context.Context, r action.Run) {
	if r.TicketID == 0 {
		return
	}
	msg := fmt.Sprintf("action run %d (%s) %s: %s", r.ID, store.RunSubject(r.Action, r.Params), r.State, r.Outcome)
	if _, err := e.store.AddEvent(ctx, ticket.Event{TicketID: r.TicketID, At: e.clock(), Kind: ticket.EventNote,
		Message: msg, Data: map[string]any{"run": int64(r.ID), "state": string(r.State)}}); err != nil {
		e.log.Warn("could not note the run's outcome on its ticket", "run", r.ID, "ticket", r.TicketID, "err", err)
	}
}
