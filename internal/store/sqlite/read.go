package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/ticket"
)

const eventColumns = `id, ticket_id, at, kind, message, data`

// Get implements store.Tickets.
func (s *Store) Get(ctx context.Context, id ticket.ID) (ticket.Ticket, error) {
	t, err := getTicket(ctx, s.r, "id = ?", int64(id))
	if err != nil {
		return t, fmt.Errorf("get ticket %d: %w", id, err)
	}
	return t, nil
}

// GetByKey implements store.Tickets.
func (s *Store) GetByKey(ctx context.Context, key string) (ticket.Ticket, error) {
	t, err := getTicket(ctx, s.r, activeByKey, key)
	if err != nil {
		return t, fmt.Errorf("get active ticket for key %q: %w", key, err)
	}
	return t, nil
}

// List implements store.Tickets.
func (s *Store) List(ctx context.Context, f store.Filter) ([]ticket.Ticket, error) {
	if err := f.Validate(); err != nil {
		return nil, fmt.Errorf("list tickets: %w", err)
	}
	var (
		where []string
		args  []any
	)
	if len(f.States) > 0 {
		where = append(where, "state IN (?"+strings.Repeat(", ?", len(f.States)-1)+")")
		for _, st := range f.States {
			args = append(args, string(st))
		}
	}
	for _, eq := range []struct{ col, val string }{
		{"invariant", f.Invariant}, {"subject", f.Subject}, {"dedup_key", f.DedupKey},
	} {
		if eq.val != "" {
			where = append(where, eq.col+" = ?")
			args = append(args, eq.val)
		}
	}
	if !f.Since.IsZero() {
		since, err := encodeTime(f.Since)
		if err != nil {
			return nil, fmt.Errorf("list tickets: %w", err)
		}
		where = append(where, "last_seen >= ?")
		args = append(args, since)
	}
	q := `SELECT ` + ticketColumns + ` FROM tickets`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY last_seen DESC, id DESC`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	out, err := queryAll(ctx, s.r, scanTicket, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list tickets: %w", err)
	}
	return out, nil
}

// Events implements store.Tickets.
func (s *Store) Events(ctx context.Context, id ticket.ID) ([]ticket.Event, error) {
	if _, err := getTicket(ctx, s.r, "id = ?", int64(id)); err != nil {
		return nil, fmt.Errorf("events of ticket %d: %w", id, err)
	}
	out, err := queryAll(ctx, s.r, scanEvent, `SELECT `+eventColumns+` FROM ticket_events WHERE ticket_id = ? ORDER BY at, id`, int64(id))
	if err != nil {
		return nil, fmt.Errorf("events of ticket %d: %w", id, err)
	}
	return out, nil
}

// CountByState implements store.Tickets.
func (s *Store) CountByState(ctx context.Context) (map[ticket.State]int, error) {
	out := make(map[ticket.State]int)
	for _, st := range ticket.States() {
		out[st] = 0
	}
	rows, err := s.r.QueryContext(ctx, `SELECT state, COUNT(*) FROM tickets GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("count tickets by state: %w", classify(err))
	}
	defer rows.Close()
	for rows.Next() {
		var (
			st string
			n  int
		)
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("count tickets by state: %w", classify(err))
		}
		out[ticket.State(st)] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count tickets by state: %w", classify(err))
	}
	return out, nil
}
