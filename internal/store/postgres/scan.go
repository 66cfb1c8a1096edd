package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/ticket"
)

// JSON columns are read as text (::text) and decoded here, so numbers
// keep every digit (json.Number) whatever pgx would make of them.
const ticketColumns = `id, dedup_key, invariant, subject, severity, state, summary, labels::text, evidence::text,
	first_seen, last_seen, resolved_at, occurrences, reopen_count`

const eventColumns = `id, ticket_id, at, kind, message, data::text`

// activeByKey selects the active ticket for a key. The literal 'resolved'
// (not a parameter) lets PostgreSQL use the partial unique index.
const activeByKey = `dedup_key = $1 AND state <> 'resolved'`

// getTicket returns the first ticket matching cond (a WHERE clause, which
// may end in ORDER BY/LIMIT/FOR ...), or store.ErrNotFound.
func getTicket(ctx context.Context, q querier, cond string, args ...any) (ticket.Ticket, error) {
	t, err := scanTicket(q.QueryRow(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE `+cond, args...))
	if noRows(err) {
		return ticket.Ticket{}, store.ErrNotFound
	}
	return t, err
}

// lockTicket reads a ticket FOR NO KEY UPDATE: writers of the same ticket
// take turns until commit (rows that only reference it are not blocked).
func lockTicket(ctx context.Context, tx pgx.Tx, id ticket.ID) (ticket.Ticket, error) {
	return getTicket(ctx, tx, `id = $1 FOR NO KEY UPDATE`, int64(id))
}

func scanTicket(row pgx.Row) (ticket.Ticket, error) {
	var (
		t                                 ticket.Ticket
		id                                int64
		severity, state, labels, evidence string
		resolvedAt                        *time.Time
	)
	err := row.Scan(&id, &t.DedupKey, &t.Invariant, &t.Subject, &severity, &state, &t.Summary,
		&labels, &evidence, &t.FirstSeen, &t.LastSeen, &resolvedAt, &t.Occurrences, &t.ReopenCount)
	if err != nil {
		if noRows(err) {
			return t, err
		}
		return t, fmt.Errorf("read ticket: %w", classify(err))
	}
	t.ID = ticket.ID(id)
	// State is not validated: a state this binary does not know is still
	// shown as stored rather than hiding the ticket.
	t.State = ticket.State(state)
	t.FirstSeen, t.LastSeen, t.ResolvedAt = t.FirstSeen.UTC(), t.LastSeen.UTC(), utcPtr(resolvedAt)
	if t.Severity, err = ticket.ParseSeverity(severity); err != nil {
		return t, fmt.Errorf("read ticket %d: %w", t.ID, err)
	}
	if t.Labels, err = decodeLabels(labels); err != nil {
		return t, fmt.Errorf("read ticket %d: %w", t.ID, err)
	}
	if t.Evidence, err = decodeObject(evidence); err != nil {
		return t, fmt.Errorf("read ticket %d evidence: %w", t.ID, err)
	}
	return t, nil
}

func scanEvent(row pgx.Row) (ticket.Event, error) {
	var (
		e          ticket.Event
		id, tid    int64
		kind, data string
	)
	if err := row.Scan(&id, &tid, &e.At, &kind, &e.Message, &data); err != nil {
		return e, fmt.Errorf("read event: %w", classify(err))
	}
	e.ID, e.TicketID, e.Kind, e.At = id, ticket.ID(tid), ticket.EventKind(kind), e.At.UTC()
	var err error
	if e.Data, err = decodeObject(data); err != nil {
		return e, fmt.Errorf("read event %d data: %w", e.ID, err)
	}
	return e, nil
}

// insertEvent appends e and returns its ID.
func insertEvent(ctx context.Context, q querier, e ticket.Event) (int64, error) {
	at, err := encodeTime(e.At)
	if err != nil {
		return 0, err
	}
	data, err := encodeObject(e.Data)
	if err != nil {
		return 0, fmt.Errorf("event data: %w", err)
	}
	var id int64
	err = q.QueryRow(ctx, `INSERT INTO ticket_events (ticket_id, at, kind, message, data) VALUES ($1, $2, $3, $4, $5)
		RETURNING id`, int64(e.TicketID), at, string(e.Kind), e.Message, data).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert %s event: %w", e.Kind, classify(err))
	}
	return id, nil
}
