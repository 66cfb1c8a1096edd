package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/ticket"
)

// querier is what *sql.DB and *sql.Tx share, so reads work inside a write
// transaction and on the read pool alike.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

const ticketColumns = `id, dedup_key, invariant, subject, severity, state, summary, labels, evidence,
	first_seen, last_seen, resolved_at, occurrences, reopen_count`

// activeByKey selects the active ticket for a key. The literal 'resolved'
// (not a parameter) lets SQLite use the partial unique index.
const activeByKey = `dedup_key = ? AND state <> 'resolved'`

// getTicket returns the first ticket matching cond (a WHERE clause, which
// may end in ORDER BY/LIMIT), or store.ErrNotFound.
func getTicket(ctx context.Context, q querier, cond string, args ...any) (ticket.Ticket, error) {
	row := q.QueryRowContext(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE `+cond, args...)
	t, err := scanTicket(row)
	if errors.Is(err, sql.ErrNoRows) {
		return ticket.Ticket{}, store.ErrNotFound
	}
	return t, err
}

func scanTicket(sc interface{ Scan(...any) error }) (ticket.Ticket, error) {
	var (
		t                                 ticket.Ticket
		severity, state, labels, evidence string
		firstSeen, lastSeen               string
		resolvedAt                        sql.NullString
	)
	err := sc.Scan(&t.ID, &t.DedupKey, &t.Invariant, &t.Subject, &severity, &state, &t.Summary,
		&labels, &evidence, &firstSeen, &lastSeen, &resolvedAt, &t.Occurrences, &t.ReopenCount)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return t, err
		}
		return t, fmt.Errorf("read ticket: %w", classify(err))
	}
	// State is not validated: a state this binary does not know is still
	// shown as stored rather than hiding the ticket.
	t.State = ticket.State(state)
	if t.Severity, err = ticket.ParseSeverity(severity); err != nil {
		return t, fmt.Errorf("read ticket %d: %w", t.ID, err)
	}
	if t.Labels, err = decodeLabels(labels); err != nil {
		return t, fmt.Errorf("read ticket %d: %w", t.ID, err)
	}
	if t.Evidence, err = decodeEvidence(evidence); err != nil {
		return t, fmt.Errorf("read ticket %d evidence: %w", t.ID, err)
	}
	if t.FirstSeen, err = decodeTime(firstSeen); err != nil {
		return t, fmt.Errorf("read ticket %d: %w", t.ID, err)
	}
	if t.LastSeen, err = decodeTime(lastSeen); err != nil {
		return t, fmt.Errorf("read ticket %d: %w", t.ID, err)
	}
	if resolvedAt.Valid {
		at, err := decodeTime(resolvedAt.String)
		if err != nil {
			return t, fmt.Errorf("read ticket %d: %w", t.ID, err)
		}
		t.ResolvedAt = &at
	}
	return t, nil
}

func scanEvent(sc interface{ Scan(...any) error }) (ticket.Event, error) {
	var (
		e        ticket.Event
		at, data string
		kind     string
	)
	if err := sc.Scan(&e.ID, &e.TicketID, &at, &kind, &e.Message, &data); err != nil {
		return e, fmt.Errorf("read event: %w", classify(err))
	}
	e.Kind = ticket.EventKind(kind)
	var err error
	if e.At, err = decodeTime(at); err != nil {
		return e, fmt.Errorf("read event %d: %w", e.ID, err)
	}
	if e.Data, err = decodeEvidence(data); err != nil {
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
	res, err := q.ExecContext(ctx, `INSERT INTO ticket_events (ticket_id, at, kind, message, data) VALUES (?, ?, ?, ?, ?)`,
		int64(e.TicketID), at, string(e.Kind), e.Message, data)
	if err != nil {
		return 0, fmt.Errorf("insert %s event: %w", e.Kind, classify(err))
	}
	return res.LastInsertId()
}

// queryAll runs a query and scans every row with scan. Errors come back
// classified, for the caller to wrap with what it was doing.
func queryAll[T any](ctx context.Context, q querier, scan func(interface{ Scan(...any) error }) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, classify(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, classify(err)
	}
	return out, nil
}
