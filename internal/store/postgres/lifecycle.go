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

// Resolve implements store.Tickets. Resolving a resolved ticket is a no-op.
func (s *Store) Resolve(ctx context.Context, id ticket.ID, reason string, now time.Time) (ticket.Ticket, error) {
	what := fmt.Sprintf("resolve ticket %d", id)
	if reason == "" {
		return ticket.Ticket{}, fmt.Errorf("%s: %w: a reason is required", what, store.ErrInvalid)
	}
	var out ticket.Ticket
	err := s.write(ctx, what, func(tx pgx.Tx) error {
		cur, err := lockTicket(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.State == ticket.Resolved {
			out = cur
			return nil
		}
		out, err = transition(ctx, tx, cur, ticket.Resolved, reason, now)
		return err
	})
	return out, err
}

// SetState implements store.Tickets.
func (s *Store) SetState(ctx context.Context, id ticket.ID, to ticket.State, message string, now time.Time) (ticket.Ticket, error) {
	what := fmt.Sprintf("set state of ticket %d to %s", id, to)
	if !to.Valid() {
		return ticket.Ticket{}, fmt.Errorf("%s: %w: unknown state %q", what, store.ErrInvalid, to)
	}
	var out ticket.Ticket
	err := s.write(ctx, what, func(tx pgx.Tx) error {
		// A move may be a reopen, which must take the key's turn as
		// OpenOrTouch does, and in the same order (key, then row), or the
		// two could wait on each other. The key never changes, so reading
		// it unlocked first is safe.
		cur, err := getTicket(ctx, tx, "id = $1", int64(id))
		if err != nil {
			return err
		}
		if err := lockKey(ctx, tx, lockDedupSpace, cur.DedupKey); err != nil {
			return err
		}
		if cur, err = lockTicket(ctx, tx, id); err != nil {
			return err
		}
		out, err = transition(ctx, tx, cur, to, message, now)
		return err
	})
	return out, err
}

// transition moves cur (locked by the caller) to state to and writes the
// matching event.
func transition(ctx context.Context, tx pgx.Tx, cur ticket.Ticket, to ticket.State, message string, now time.Time) (ticket.Ticket, error) {
	from := cur.State
	if err := ticket.CheckTransition(from, to); err != nil {
		return cur, fmt.Errorf("%w: %w", store.ErrConflict, err)
	}
	at, err := encodeTime(now)
	if err != nil {
		return cur, err
	}
	switch {
	case to == ticket.Resolved:
		_, err = tx.Exec(ctx, `UPDATE tickets SET state = $1, resolved_at = $2 WHERE id = $3`, string(to), at, int64(cur.ID))
	case from == ticket.Resolved:
		// A manual reopen (SetState holds the key's lock): refuse it while
		// another ticket holds the key, with a clearer message than the
		// unique index would give.
		other, gerr := getTicket(ctx, tx, activeByKey, cur.DedupKey)
		if gerr == nil {
			return cur, fmt.Errorf("%w: ticket %d is already active for key %q", store.ErrConflict, other.ID, cur.DedupKey)
		}
		if !errors.Is(gerr, store.ErrNotFound) {
			return cur, fmt.Errorf("find active ticket: %w", gerr)
		}
		_, err = tx.Exec(ctx, `UPDATE tickets SET state = $1, resolved_at = NULL, reopen_count = reopen_count + 1 WHERE id = $2`,
			string(to), int64(cur.ID))
	default:
		_, err = tx.Exec(ctx, `UPDATE tickets SET state = $1 WHERE id = $2`, string(to), int64(cur.ID))
	}
	if err != nil {
		return cur, fmt.Errorf("update state: %w", classify(err))
	}
	if message == "" {
		message = fmt.Sprintf("%s -> %s", from, to)
	}
	_, err = insertEvent(ctx, tx, ticket.Event{
		TicketID: cur.ID, At: now, Kind: ticket.TransitionEvent(from, to), Message: message,
		Data: map[string]any{"from": string(from), "to": string(to)},
	})
	if err != nil {
		return cur, err
	}
	return getTicket(ctx, tx, "id = $1", int64(cur.ID))
}

// AddEvent implements store.Tickets.
func (s *Store) AddEvent(ctx context.Context, e ticket.Event) (ticket.Event, error) {
	what := fmt.Sprintf("add %s event to ticket %d", e.Kind, e.TicketID)
	if err := e.Validate(); err != nil {
		return ticket.Event{}, fmt.Errorf("%s: %w: %w", what, store.ErrInvalid, err)
	}
	var out ticket.Event
	err := s.write(ctx, what, func(tx pgx.Tx) error {
		if _, err := getTicket(ctx, tx, "id = $1", int64(e.TicketID)); err != nil {
			return err
		}
		id, err := insertEvent(ctx, tx, e)
		if err != nil {
			return err
		}
		out, err = scanEvent(tx.QueryRow(ctx, `SELECT `+eventColumns+` FROM ticket_events WHERE id = $1`, id))
		return err
	})
	return out, err
}
