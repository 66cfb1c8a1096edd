package postgres

import (
	"context"
	"fmt"

	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/ticket"
)

// Get implements store.Tickets.
func (s *Store) Get(ctx context.Context, id ticket.ID) (ticket.Ticket, error) {
	t, err := getTicket(ctx, s.reads(), "id = $1", int64(id))
	if err != nil {
		return t, fmt.Errorf("get ticket %d: %w", id, err)
	}
	return t, nil
}

// GetByKey implements store.Tickets.
func (s *Store) GetByKey(ctx context.Context, key string) (ticket.Ticket, error) {
	t, err := getTicket(ctx, s.reads(), activeByKey, key)
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
	var w where
	if len(f.States) > 0 {
		states := make([]string, len(f.States))
		for i, st := range f.States {
			states[i] = string(st)
		}
		w.add("state = ANY(?)", states)
	}
	for _, eq := range []struct{ col, val string }{
		{"invariant", f.Invariant}, {"subject", f.Subject}, {"dedup_key", f.DedupKey},
	} {
		if eq.val != "" {
			w.add(eq.col+" = ?", eq.val)
		}
	}
	if !f.Since.IsZero() {
		since, err := encodeTime(f.Since)
		if err != nil {
			return nil, fmt.Errorf("list tickets: %w", err)
		}
		w.add("last_seen >= ?", since)
	}
	q := `SELECT ` + ticketColumns + ` FROM tickets` + w.clause() + ` ORDER BY last_seen DESC, id DESC` + w.limit(f.Limit)
	out, err := queryAll(ctx, s.reads(), scanTicket, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list tickets: %w", err)
	}
	return out, nil
}

// Events implements store.Tickets.
func (s *Store) Events(ctx context.Context, id ticket.ID) ([]ticket.Event, error) {
	if _, err := getTicket(ctx, s.reads(), "id = $1", int64(id)); err != nil {
		return nil, fmt.Errorf("events of ticket %d: %w", id, err)
	}
	out, err := queryAll(ctx, s.reads(), scanEvent, `SELECT `+eventColumns+` FROM ticket_events WHERE ticket_id = $1 ORDER BY at, id`, int64(id))
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
	rows, err := s.reads().Query(ctx, `SELECT state, COUNT(*) FROM tickets GROUP BY state`)
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
