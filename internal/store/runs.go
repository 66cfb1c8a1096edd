package store

import (
	"context"
	"fmt"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/ticket"
)

// Runs holds action runs and their transition histories: the persisted
// state machine of action.State. Every write is one transaction; no run
// state lives only in memory.
type Runs interface {
	// CreateRun stores a new run and returns it with its ID, Version 1 and
	// CreatedAt = UpdatedAt = now. Only Proposed and DryRun runs may be
	// created (anything else is reached by transitions): ErrInvalid
	// otherwise, or when run.Validate fails. A run naming a ticket that
	// does not exist: ErrNotFound. The caller's ID, Version, times,
	// Outcome and Error are ignored.
	CreateRun(ctx context.Context, run action.Run, now time.Time) (action.Run, error)

	// CreatePlan stores the steps of a plan in one transaction: each as
	// CreateRun would (proposed, its audit record), PlanStep 1..n in the
	// given order, PlanID the first step's ID. CheckNewPlan must pass.
	CreatePlan(ctx context.Context, steps []action.Run, now time.Time) ([]action.Run, error)

	// GetRun returns a run by ID, or ErrNotFound.
	GetRun(ctx context.Context, id action.ID) (action.Run, error)

	// ListRuns returns the runs f selects, oldest (lowest ID) first: the
	// order an executor drains a queue in.
	ListRuns(ctx context.Context, f RunFilter) ([]action.Run, error)

	// TransitionRun moves run id along the state machine in one
	// transaction: it loads the run, and refuses with ErrConflict (naming
	// the current state and version) when its Version is not
	// expectedVersion, so of two movers that read the same version exactly
	// one wins. It then applies tr with action.Run.Apply (a forbidden move:
	// ErrConflict wrapping action.ErrTransition; a malformed tr:
	// ErrInvalid wrapping action.ErrInvalid), stores the new state,
	// Version+1, UpdatedAt = tr.At, and appends tr (From filled in) to the
	// run's history. A refused move writes nothing. Missing run:
	// ErrNotFound.
	TransitionRun(ctx context.Context, id action.ID, expectedVersion int64, tr action.Transition) (action.Run, error)

	// AddApproval records one approver's yes to a proposed run, in one
	// transaction with its audit record. The run must be proposed and at
	// expectedVersion (ErrConflict otherwise); the same actor twice:
	// ErrConflict. It returns every approval of the run so far, oldest
	// first. Moving the run to approved is the caller's next step.
	AddApproval(ctx context.Context, id action.ID, expectedVersion int64, a action.Approval) ([]action.Approval, error)
	// Approvals returns a run's approvals, oldest first.
	Approvals(ctx context.Context, id action.ID) ([]action.Approval, error)
	// ClearApprovals forgets a run's approvals (the approval was
	// invalidated and the run went back to proposed), with an audit record.
	ClearApprovals(ctx context.Context, id action.ID, actor, reason string, now time.Time) error
	// MarkEscalated records that a proposal was escalated; false when it
	// already was (so it is notified once).
	MarkEscalated(ctx context.Context, id action.ID, now time.Time) (bool, error)

	// RunTransitions returns a run's history in the order it was written
	// (oldest first); ErrNotFound if the run does not exist, an empty slice
	// if it never moved.
	RunTransitions(ctx context.Context, id action.ID) ([]action.Transition, error)
}

// Switches holds operator-wide switches that survive a restart.
type Switches interface {
	// KillSwitch returns the kill switch; off (zero) if never set.
	KillSwitch(ctx context.Context) (action.KillSwitch, error)
	// SetKillSwitch stores ks (ks.Validate must pass) and, in the same
	// transaction, an audit record of the change. Setting it to what it
	// already is still records who said so.
	SetKillSwitch(ctx context.Context, ks action.KillSwitch) (action.KillSwitch, error)
}

// RunFilter selects runs for ListRuns. Zero fields do not filter.
type RunFilter struct {
	States   []action.State // any of these; empty means every state
	TicketID ticket.ID      // runs of this ticket
	PlanID   action.ID      // the steps (and compensations) of this plan
	InPlan   bool           // only runs that belong to some plan
	// UpdatedSince: runs last moved (or created) at or after this time.
	UpdatedSince time.Time
	Limit        int // at most this many; 0 means no limit
}

// Validate checks a filter before a backend turns it into a query.
func (f RunFilter) Validate() error {
	for _, s := range f.States {
		if !s.Valid() {
			return fmt.Errorf("%w: filter on unknown run state %q", ErrInvalid, s)
		}
	}
	if f.TicketID < 0 {
		return fmt.Errorf("%w: filter on negative ticket ID %d", ErrInvalid, f.TicketID)
	}
	if f.PlanID < 0 {
		return fmt.Errorf("%w: filter on negative plan ID %d", ErrInvalid, f.PlanID)
	}
	if f.Limit < 0 {
		return fmt.Errorf("%w: negative limit %d", ErrInvalid, f.Limit)
	}
	return nil
}

// CheckNewPlan validates a plan's steps as a whole: at least two, all
// proposed, all for the same ticket and subject, none already in a plan.
func CheckNewPlan(steps []action.Run) error {
	if len(steps) < 2 {
		return fmt.Errorf("%w: a plan has at least two steps (one action is a plain run), got %d", ErrInvalid, len(steps))
	}
	for i, s := range steps {
		switch {
		case s.State != action.Proposed:
			return fmt.Errorf("%w: step %d is %s; plan steps are created proposed", ErrInvalid, i+1, s.State)
		case s.TicketID != steps[0].TicketID || s.Subject != steps[0].Subject:
			return fmt.Errorf("%w: step %d is for ticket %d of %s, step 1 for ticket %d of %s; a plan has one ticket and one subject",
				ErrInvalid, i+1, s.TicketID, s.Subject, steps[0].TicketID, steps[0].Subject)
		case s.PlanID != 0 || s.PlanStep != 0 || s.Compensates != 0:
			return fmt.Errorf("%w: step %d already names a plan or a compensated run", ErrInvalid, i+1)
		}
	}
	return nil
}

// CheckNewRun validates a run for CreateRun and returns it as it is to be
// stored (ID 0, Version 1, times now, no outcome), so every backend
// creates runs alike.
func CheckNewRun(run action.Run, now time.Time) (action.Run, error) {
	if err := run.Validate(); err != nil {
		return run, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if run.State != action.Proposed && run.State != action.DryRun {
		return run, fmt.Errorf("%w: %w: a run is created proposed or dry_run, not %s", ErrInvalid, action.ErrInvalid, run.State)
	}
	if now.IsZero() {
		return run, fmt.Errorf("%w: creation time is zero", ErrInvalid)
	}
	run.ID, run.Version = 0, 1
	run.CreatedAt, run.UpdatedAt = now, now
	run.Outcome, run.Error = "", ""
	return run, nil
}
