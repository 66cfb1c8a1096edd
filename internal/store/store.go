package store

import (
	"context"
	"time"

	"github.com/operator-dev/operator/internal/audit"
	"github.com/operator-dev/operator/internal/ticket"
)

// Store is the whole state store. It grows by embedding one interface per
// aggregate (Proposals, Actions, Audit arrive with their issues), so a
// component can depend on the narrow part it uses (the monitor takes
// Tickets) while the daemon owns one Store.
type Store interface {
	Tickets
	Diagnoses
	Runs
	Switches
	Users
	// Audit is the append-only, hash-chained log. Run creations,
	// transitions and kill-switch changes are written to it by the store
	// itself, in their own transactions.
	Audit() audit.Log
	// Close releases the database. Writes committed before Close (or before
	// the process died) are durable; Close itself writes nothing.
	Close() error
}

// Tickets holds tickets and their timelines.
//
// Every method takes the current time from its caller (now, or Event.At):
// the store never reads a clock, so tests and the monitor control time.
type Tickets interface {
	// OpenOrTouch records one observation of the problem t describes, in one
	// transaction, and returns the stored ticket and what happened:
	//
	//   - an active ticket with t.DedupKey exists: LastSeen becomes now (it
	//     never moves backwards), Occurrences+1, Severity, Summary and
	//     Evidence are replaced -> OutcomeUpdated;
	//   - else the most recently resolved ticket with that key was resolved
	//     at or after now-reopenWithin: it becomes Open, ResolvedAt is
	//     cleared, ReopenCount+1, Occurrences+1, "reopened" event ->
	//     OutcomeReopened (reopenWithin <= 0 never reopens);
	//   - else a new ticket (Open, Occurrences 1, FirstSeen = LastSeen =
	//     now) with an "opened" event -> OutcomeOpened.
	//
	// Only t's DedupKey, Invariant, Subject, Severity, Summary, Labels and
	// Evidence are read (t.Validate must pass); Labels, Invariant and
	// Subject of an existing ticket are never changed. Concurrent callers
	// with the same key serialize: exactly one opens, the rest update.
	OpenOrTouch(ctx context.Context, t ticket.Ticket, reopenWithin time.Duration, now time.Time) (ticket.Ticket, Outcome, error)

	// Resolve moves a ticket to Resolved with a "resolved" event carrying
	// reason (required). It is idempotent: resolving a resolved ticket
	// returns it unchanged (ResolvedAt keeps its first value) and writes no
	// event, so an auto-resolve racing a human's resolve is not an error.
	// A ticket in a state that may not resolve yields ErrConflict.
	Resolve(ctx context.Context, id ticket.ID, reason string, now time.Time) (ticket.Ticket, error)

	// SetState moves a ticket along the lifecycle (ticket.CheckTransition)
	// and records the matching event (ticket.TransitionEvent) with message.
	// A refused transition yields ErrConflict wrapping ticket.ErrTransition;
	// to == from is refused too. Moving to Resolved is Resolve without the
	// idempotence; moving Resolved -> Open is a reopen (ReopenCount+1) and
	// yields ErrConflict if another ticket is already active for the key.
	SetState(ctx context.Context, id ticket.ID, to ticket.State, message string, now time.Time) (ticket.Ticket, error)

	// Get returns a ticket by ID, or ErrNotFound.
	Get(ctx context.Context, id ticket.ID) (ticket.Ticket, error)
	// GetByKey returns the active ticket for a dedup key, or ErrNotFound.
	// Resolved tickets for the key are found with List(Filter{DedupKey}).
	GetByKey(ctx context.Context, key string) (ticket.Ticket, error)
	// List returns the tickets f selects, in the order Filter documents.
	List(ctx context.Context, f Filter) ([]ticket.Ticket, error)

	// Events returns a ticket's timeline ordered by At, ties in the order
	// they were written; ErrNotFound if the ticket does not exist.
	Events(ctx context.Context, id ticket.ID) ([]ticket.Event, error)
	// AddEvent appends a non-lifecycle event (a note, later a proposal or an
	// action step) and returns it as stored, with its ID. Lifecycle kinds
	// are refused with ErrInvalid: they are written by the state changes.
	AddEvent(ctx context.Context, e ticket.Event) (ticket.Event, error)

	// CountByState counts tickets per state, with a zero entry for every
	// known state so a metric drops to 0 instead of vanishing.
	CountByState(ctx context.Context) (map[ticket.State]int, error)
}
