package execute

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/audit"
	"github.com/operator-dev/operator/internal/notify"
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
		req := e.policy().Requirement(r.Action, r.Risk)
		ttl := e.cfg.ProposalTTL
		if req.ExpireAfter > 0 {
			ttl = req.ExpireAfter // the policy's tier decides when it is set
		}
		age := now.Sub(r.CreatedAt)
		reason := ""
		switch {
		case age >= ttl:
			reason = fmt.Sprintf("nobody approved it within %s", ttl)
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
			if req.EscalateAfter > 0 && age >= req.EscalateAfter {
				if err := e.escalate(ctx, r, age, ttl-age); err != nil {
					return err
				}
			}
			continue
		}
		if _, err := e.move(ctx, r, action.Expired, ActorExpiry, reason, nil); err != nil {
			return err
		}
	}
	return nil
}

// escalate tells everyone, once, that a proposal is waiting past its
// tier's escalate-after, and records that it did.
func (e *Executor) escalate(ctx context.Context, r action.Run, waited, left time.Duration) error {
	first, err := e.store.MarkEscalated(ctx, r.ID, e.clock())
	if err != nil || !first {
		return err
	}
	text := fmt.Sprintf("%s (risk %s) has waited %s for approval; it expires in %s.", store.RunSubject(r.Action, r.Params), r.Risk,
		waited.Round(time.Second), left.Round(time.Second))
	if _, err := e.store.Audit().Append(ctx, audit.Record{At: e.clock(), Actor: ActorExpiry, Kind: "escalation",
		Subject: store.RunSubject(r.Action, r.Params), Ref: store.RunRef(r.ID), Data: map[string]any{"run": int64(r.ID), "text": text}}); err != nil {
		return fmt.Errorf("audit the escalation of run %d: %w", r.ID, err)
	}
	e.notify(ctx, notify.Message{Tier: notify.Critical, Kind: "escalation", RunID: int64(r.ID), TicketID: int64(r.TicketID),
		Title: fmt.Sprintf("Run %d still needs approval", r.ID), Text: text,
		Approving: fmt.Sprintf("approving runs %s against the cluster, one action at a time", r.Action)})
	return nil
}

// noteOutcome appends a run's end to its ticket's timeline, and tells
// people when it did not end well (a routine success is not news).
func (e *Executor) noteOutcome(ctx context.Context, r action.Run) {
	msg := fmt.Sprintf("action run %d (%s) %s: %s", r.ID, store.RunSubject(r.Action, r.Params), r.State, r.Outcome)
	e.noteTicket(ctx, r, msg)
	switch r.State {
	case action.Failed, action.TimedOut:
		e.notify(ctx, notify.Message{Tier: notify.Critical, Kind: "failure", RunID: int64(r.ID), TicketID: int64(r.TicketID),
			Title: fmt.Sprintf("Action run %d %s", r.ID, r.State), Text: msg})
	case action.Completed:
		if strings.Contains(r.Outcome, "has not cleared") {
			e.notify(ctx, notify.Message{Tier: notify.Notable, Kind: "outcome", RunID: int64(r.ID), TicketID: int64(r.TicketID),
				Title: fmt.Sprintf("Action run %d did its change but the problem remains", r.ID), Text: msg})
			return
		}
		// A success is routine: the log and the daily digest, no message.
		e.notify(ctx, notify.Message{Tier: notify.Routine, Kind: "outcome", RunID: int64(r.ID), TicketID: int64(r.TicketID),
			Title: fmt.Sprintf("Action run %d completed", r.ID), Text: msg})
	}
}

// noteTicket appends a note to the run's ticket, if it has one.
func (e *Executor) noteTicket(ctx context.Context, r action.Run, msg string) {
	if r.TicketID == 0 {
		return
	}
	if _, err := e.store.AddEvent(ctx, ticket.Event{TicketID: r.TicketID, At: e.clock(), Kind: ticket.EventNote,
		Message: msg, Data: map[string]any{"run": int64(r.ID), "state": string(r.State)}}); err != nil {
		e.log.Warn("could not note the run on its ticket", "run", r.ID, "ticket", r.TicketID, "err", err)
	}
}
