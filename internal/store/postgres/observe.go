package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/ticket"
)

// observation is one OpenOrTouch call, encoded for SQL once.
type observation struct {
	t                 ticket.Ticket
	now               time.Time // as stored
	labels, evidence  string
	severity, summary string
}

// OpenOrTouch implements store.Tickets.
func (s *Store) OpenOrTouch(ctx context.Context, t ticket.Ticket, reopenWithin time.Duration, now time.Time) (ticket.Ticket, store.Outcome, error) {
	what := fmt.Sprintf("open or touch ticket %q", t.DedupKey)
	o, err := newObservation(t, now)
	if err != nil {
		return ticket.Ticket{}, 0, fmt.Errorf("%s: %w", what, err)
	}
	var (
		outcome store.Outcome
		out     ticket.Ticket
	)
	// Callers for one key take turns on its advisory lock, so exactly one
	// opens. A manual reopen (SetState) takes the same lock; should the
	// unique index still trip (a writer that does not lock), run again:
	// the next attempt finds the winner's ticket and touches it.
	again := func(err error) bool { return violates(err, "tickets_one_active_per_key") }
	err = s.writeRetrying(ctx, what, again, func(tx pgx.Tx) error {
		if err := lockKey(ctx, tx, lockDedupSpace, t.DedupKey); err != nil {
			return err
		}
		var id ticket.ID
		id, outcome, err = o.apply(ctx, tx, reopenWithin)
		if err != nil {
			return err
		}
		out, err = getTicket(ctx, tx, "id = $1", int64(id))
		return err
	})
	if err != nil {
		return ticket.Ticket{}, 0, err
	}
	return out, outcome, nil
}

func newObservation(t ticket.Ticket, now time.Time) (observation, error) {
	o := observation{t: t, severity: t.Severity.String(), summary: t.Summary}
	var err error
	if err = t.Validate(); err != nil {
		return o, fmt.Errorf("%w: %w", store.ErrInvalid, err)
	}
	if o.now, err = encodeTime(now); err != nil {
		return o, err
	}
	if o.labels, err = encodeObject(t.Labels); err != nil {
		return o, fmt.Errorf("labels: %w", err)
	}
	if o.evidence, err = encodeObject(t.Evidence); err != nil {
		return o, fmt.Errorf("evidence: %w", err)
	}
	return o, nil
}

// apply decides between touch, reopen and insert inside the transaction.
func (o observation) apply(ctx context.Context, tx pgx.Tx, reopenWithin time.Duration) (ticket.ID, store.Outcome, error) {
	cur, err := getTicket(ctx, tx, activeByKey+` FOR NO KEY UPDATE`, o.t.DedupKey)
	if err == nil {
		return cur.ID, store.OutcomeUpdated, o.touch(ctx, tx, cur)
	}
	if !errors.Is(err, store.ErrNotFound) {
		return 0, 0, fmt.Errorf("find active ticket: %w", err)
	}
	if reopenWithin > 0 {
		cutoff, err := encodeTime(o.now.Add(-reopenWithin))
		if err != nil {
			return 0, 0, err
		}
		prev, err := getTicket(ctx, tx, `dedup_key = $1 AND state = 'resolved' AND resolved_at >= $2
			ORDER BY resolved_at DESC, id DESC LIMIT 1 FOR NO KEY UPDATE`, o.t.DedupKey, cutoff)
		if err == nil {
			return prev.ID, store.OutcomeReopened, o.reopen(ctx, tx, prev)
		}
		if !errors.Is(err, store.ErrNotFound) {
			return 0, 0, fmt.Errorf("find recently resolved ticket: %w", err)
		}
	}
	id, err := o.insert(ctx, tx)
	return id, store.OutcomeOpened, err
}

// touch counts a repeat. No event, except a note when the severity moved:
// escalation belongs on the timeline, repetition does not.
func (o observation) touch(ctx context.Context, tx pgx.Tx, cur ticket.Ticket) error {
	_, err := tx.Exec(ctx, `UPDATE tickets SET last_seen = GREATEST(last_seen, $1), occurrences = occurrences + 1,
		severity = $2, summary = $3, evidence = $4 WHERE id = $5`,
		o.now, o.severity, o.summary, o.evidence, int64(cur.ID))
	if err != nil {
		return fmt.Errorf("update ticket %d: %w", cur.ID, classify(err))
	}
	if cur.Severity == o.t.Severity {
		return nil
	}
	_, err = insertEvent(ctx, tx, ticket.Event{
		TicketID: cur.ID, At: o.now, Kind: ticket.EventNote,
		Message: fmt.Sprintf("severity changed from %s to %s: %s", cur.Severity, o.t.Severity, o.summary),
		Data:    map[string]any{"from": cur.Severity.String(), "to": o.severity},
	})
	return err
}

func (o observation) reopen(ctx context.Context, tx pgx.Tx, prev ticket.Ticket) error {
	_, err := tx.Exec(ctx, `UPDATE tickets SET state = $1, resolved_at = NULL, reopen_count = reopen_count + 1,
		last_seen = GREATEST(last_seen, $2), occurrences = occurrences + 1, severity = $3, summary = $4, evidence = $5
		WHERE id = $6`,
		string(ticket.Open), o.now, o.severity, o.summary, o.evidence, int64(prev.ID))
	if err != nil {
		return fmt.Errorf("reopen ticket %d: %w", prev.ID, classify(err))
	}
	data := map[string]any{"severity": o.severity}
	if prev.ResolvedAt != nil {
		data["previously_resolved_at"] = prev.ResolvedAt.Format(time.RFC3339Nano)
	}
	_, err = insertEvent(ctx, tx, ticket.Event{TicketID: prev.ID, At: o.now, Kind: ticket.EventReopened, Message: o.summary, Data: data})
	return err
}

func (o observation) insert(ctx context.Context, tx pgx.Tx) (ticket.ID, error) {
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO tickets (dedup_key, invariant, subject, severity, state, summary,
		labels, evidence, first_seen, last_seen, occurrences, reopen_count)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, 1, 0) RETURNING id`,
		o.t.DedupKey, o.t.Invariant, o.t.Subject, o.severity, string(ticket.Open), o.summary,
		o.labels, o.evidence, o.now).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert ticket: %w", classify(err))
	}
	_, err = insertEvent(ctx, tx, ticket.Event{TicketID: ticket.ID(id), At: o.now, Kind: ticket.EventOpened, Message: o.summary,
		Data: map[string]any{"severity": o.severity}})
	return ticket.ID(id), err
}
