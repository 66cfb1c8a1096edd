package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/ticket"
)

// observation is one OpenOrTouch call, encoded for SQL once.
type observation struct {
	t                 ticket.Ticket
	now               time.Time
	nowText           string
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
		id      ticket.ID
		outcome store.Outcome
		out     ticket.Ticket
	)
	err = s.write(ctx, what, func(tx *sql.Tx) error {
		id, outcome, err = o.apply(ctx, tx, reopenWithin)
		if err != nil {
			return err
		}
		out, err = getTicket(ctx, tx, "id = ?", int64(id))
		return err
	})
	if err != nil {
		return ticket.Ticket{}, 0, err
	}
	return out, outcome, nil
}

func newObservation(t ticket.Ticket, now time.Time) (observation, error) {
	o := observation{t: t, now: now, severity: t.Severity.String(), summary: t.Summary}
	var err error
	if err = t.Validate(); err != nil {
		return o, fmt.Errorf("%w: %w", store.ErrInvalid, err)
	}
	if o.nowText, err = encodeTime(now); err != nil {
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
func (o observation) apply(ctx context.Context, tx *sql.Tx, reopenWithin time.Duration) (ticket.ID, store.Outcome, error) {
	cur, err := getTicket(ctx, tx, activeByKey, o.t.DedupKey)
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
		prev, err := getTicket(ctx, tx, `dedup_key = ? AND state = ? AND resolved_at >= ?
			ORDER BY resolved_at DESC, id DESC LIMIT 1`, o.t.DedupKey, string(ticket.Resolved), cutoff)
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
func (o observation) touch(ctx context.Context, tx *sql.Tx, cur ticket.Ticket) error {
	_, err := tx.ExecContext(ctx, `UPDATE tickets SET last_seen = max(last_seen, ?), occurrences = occurrences + 1,
		severity = ?, summary = ?, evidence = ? WHERE id = ?`,
		o.nowText, o.severity, o.summary, o.evidence, int64(cur.ID))
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

func (o observation) reopen(ctx context.Context, tx *sql.Tx, prev ticket.Ticket) error {
	_, err := tx.ExecContext(ctx, `UPDATE tickets SET state = ?, resolved_at = NULL, reopen_count = reopen_count + 1,
		last_seen = max(last_seen, ?), occurrences = occurrences + 1, severity = ?, summary = ?, evidence = ?
		WHERE id = ?`,
		string(ticket.Open), o.nowText, o.severity, o.summary, o.evidence, int64(prev.ID))
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

func (o observation) insert(ctx context.Context, tx *sql.Tx) (ticket.ID, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO tickets (dedup_key, invariant, subject, severity, state, summary,
		labels, evidence, first_seen, last_seen, occurrences, reopen_count)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 0)`,
		o.t.DedupKey, o.t.Invariant, o.t.Subject, o.severity, string(ticket.Open), o.summary,
		o.labels, o.evidence, o.nowText, o.nowText)
	if err != nil {
		return 0, fmt.Errorf("insert ticket: %w", classify(err))
	}
	n, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("insert ticket: %w", err)
	}
	id := ticket.ID(n)
	_, err = insertEvent(ctx, tx, ticket.Event{TicketID: id, At: o.now, Kind: ticket.EventOpened, Message: o.summary,
		Data: map[string]any{"severity": o.severity}})
	return id, err
}
