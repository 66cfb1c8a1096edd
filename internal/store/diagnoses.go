package store

import (
	"context"
	"time"

	"github.com/operator-dev/operator/internal/ticket"
)

// Diagnoses holds the diagnosis records of tickets, grouped in rounds: one
// round is one diagnosis run (one record per provider), numbered 1, 2, 3...
// per ticket. Records are append-only; a new round supersedes the last
// one for display but never replaces it, so what each provider said, and
// what it cost, stays on the record.
type Diagnoses interface {
	// SaveDiagnoses stores one round for ticket id, in one transaction:
	//
	//   - every record must pass CheckDiagnoses (ticket.DiagnosisRecord
	//     .Validate among it), else ErrInvalid and nothing is written;
	//   - the records get the ticket's next round number (the caller's
	//     Round and ID are ignored; a zero TicketID is taken to be id);
	//   - one timeline event at now summarizes the round (RoundEvent):
	//     "diagnosed" when at least one record is usable (ok or
	//     proposal-refused), a note when none is;
	//   - a usable round moves an open ticket to diagnosed; a diagnosed
	//     ticket stays diagnosed (its Data then has no from/to).
	//
	// A resolved ticket is not touched: ErrConflict wrapping
	// ticket.ErrTransition, as for any refused move (diagnose it again when
	// it reopens; a reopen moves it back to open). A missing ticket:
	// ErrNotFound. It returns the ticket as stored after the round.
	SaveDiagnoses(ctx context.Context, id ticket.ID, recs []ticket.DiagnosisRecord, now time.Time) (ticket.Ticket, error)

	// Diagnoses returns every record of the ticket, oldest round first
	// (within a round, in the order they were saved); ErrNotFound if the
	// ticket does not exist, an empty slice if it was never diagnosed.
	Diagnoses(ctx context.Context, id ticket.ID) ([]ticket.DiagnosisRecord, error)
	// LatestDiagnoses returns the records of the ticket's last round only.
	LatestDiagnoses(ctx context.Context, id ticket.ID) ([]ticket.DiagnosisRecord, error)

	// DiagnosisSpend sums the usage of every record of the ticket, all
	// rounds and all providers, failed attempts included (they cost too):
	// what the diagnosis runner checks a ticket's budget against.
	// ErrNotFound if the ticket does not exist.
	DiagnosisSpend(ctx context.Context, id ticket.ID) (ticket.Usage, error)
}
