package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/operator-dev/operator/internal/store"
)

// AcquireLease implements store.Leases.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration, now time.Time) (store.Lease, bool, error) {
	what := fmt.Sprintf("acquire lease %s for %s", name, holder)
	if err := store.CheckLeaseRequest(name, holder, ttl); err != nil {
		return store.Lease{}, false, fmt.Errorf("%s: %w", what, err)
	}
	now, err := encodeTime(now)
	if err != nil {
		return store.Lease{}, false, fmt.Errorf("%s: %w", what, err)
	}
	var (
		l    store.Lease
		held bool
	)
	// The lease is taken in its own transaction, never fenced: it is what
	// the fence is checked against.
	err = s.write(store.WithoutFence(ctx), what, func(tx pgx.Tx) error {
		// Acquirers of one lease take turns, the first of them included
		// (there is no row to lock yet).
		if err := lockKey(ctx, tx, lockLeaseSpace, name); err != nil {
			return err
		}
		cur, found, err := readLease(ctx, tx, name, " FOR UPDATE")
		if err != nil {
			return err
		}
		if l, held = store.NextLease(cur, found, name, holder, ttl, now); !held {
			return nil
		}
		return writeLease(ctx, tx, l)
	})
	if err != nil {
		return store.Lease{}, false, err
	}
	return l, held, nil
}

// ReleaseLease implements store.Leases.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string, now time.Time) error {
	what := fmt.Sprintf("release lease %s held by %s", name, holder)
	now, err := encodeTime(now)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return s.write(store.WithoutFence(ctx), what, func(tx pgx.Tx) error {
		cur, found, err := readLease(ctx, tx, name, " FOR UPDATE")
		if err != nil || !found || cur.Holder != holder || !now.Before(cur.ExpiresAt) {
			return err
		}
		cur.ExpiresAt = now
		return writeLease(ctx, tx, cur)
	})
}

// GetLease implements store.Leases.
func (s *Store) GetLease(ctx context.Context, name string) (store.Lease, error) {
	l, found, err := readLease(ctx, s.reads(), name, "")
	if err != nil {
		return l, err
	}
	if !found {
		return l, fmt.Errorf("lease %s: %w", name, store.ErrNotFound)
	}
	return l, nil
}

// checkFence refuses a write whose context carries a fence the lease no
// longer has; called first in every write transaction. The lease row is
// held FOR SHARE until the write commits: a takeover (which updates the
// row) waits for writes already past this check, and a write that comes
// after the takeover sees the new token. Fenced writes do not block each
// other.
func checkFence(ctx context.Context, tx pgx.Tx) error {
	f, ok := store.FenceFrom(ctx)
	if !ok {
		return nil
	}
	cur, found, err := readLease(ctx, tx, f.Lease, " FOR SHARE")
	if err != nil {
		return err
	}
	return store.CheckFence(f, cur, found)
}

// readLease reads a lease; lock is "" or a locking clause.
func readLease(ctx context.Context, q querier, name, lock string) (store.Lease, bool, error) {
	var l store.Lease
	err := q.QueryRow(ctx, `SELECT name, holder, token, acquired_at, expires_at FROM leases WHERE name = $1`+lock, name).
		Scan(&l.Name, &l.Holder, &l.Token, &l.AcquiredAt, &l.ExpiresAt)
	if noRows(err) {
		return l, false, nil
	}
	if err != nil {
		return l, false, fmt.Errorf("read lease %s: %w", name, classify(err))
	}
	l.AcquiredAt, l.ExpiresAt = l.AcquiredAt.UTC(), l.ExpiresAt.UTC()
	return l, true, nil
}

func writeLease(ctx context.Context, tx pgx.Tx, l store.Lease) error {
	exp, err := encodeTime(l.ExpiresAt)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO leases (name, holder, token, acquired_at, expires_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, token = excluded.token,
		acquired_at = excluded.acquired_at, expires_at = excluded.expires_at`, l.Name, l.Holder, l.Token, l.AcquiredAt, exp)
	if err != nil {
		return fmt.Errorf("write lease %s: %w", l.Name, classify(err))
	}
	return nil
}
