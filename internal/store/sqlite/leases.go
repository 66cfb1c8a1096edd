package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/operator-dev/operator/internal/store"
)

// AcquireLease implements store.Leases.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration, now time.Time) (store.Lease, bool, error) {
	what := fmt.Sprintf("acquire lease %s for %s", name, holder)
	if err := store.CheckLeaseRequest(name, holder, ttl); err != nil {
		return store.Lease{}, false, fmt.Errorf("%s: %w", what, err)
	}
	now = now.UTC()
	var (
		l    store.Lease
		held bool
	)
	// The lease is taken in its own transaction, never fenced: it is what
	// the fence is checked against.
	err := s.write(store.WithoutFence(ctx), what, func(tx *sql.Tx) error {
		cur, found, err := readLease(ctx, tx, name)
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
	return s.write(store.WithoutFence(ctx), fmt.Sprintf("release lease %s held by %s", name, holder), func(tx *sql.Tx) error {
		cur, found, err := readLease(ctx, tx, name)
		if err != nil || !found || cur.Holder != holder || !now.Before(cur.ExpiresAt) {
			return err
		}
		cur.ExpiresAt = now.UTC()
		return writeLease(ctx, tx, cur)
	})
}

// GetLease implements store.Leases.
func (s *Store) GetLease(ctx context.Context, name string) (store.Lease, error) {
	l, found, err := readLease(ctx, s.r, name)
	if err != nil {
		return l, err
	}
	if !found {
		return l, fmt.Errorf("lease %s: %w", name, store.ErrNotFound)
	}
	return l, nil
}

// checkFence refuses a write whose context carries a fence the lease no
// longer has; called first in every write transaction.
func checkFence(ctx context.Context, tx *sql.Tx) error {
	f, ok := store.FenceFrom(ctx)
	if !ok {
		return nil
	}
	cur, found, err := readLease(ctx, tx, f.Lease)
	if err != nil {
		return err
	}
	return store.CheckFence(f, cur, found)
}

func readLease(ctx context.Context, tx querier, name string) (store.Lease, bool, error) {
	var (
		l        store.Lease
		acq, exp string
	)
	err := tx.QueryRowContext(ctx, `SELECT name, holder, token, acquired_at, expires_at FROM leases WHERE name = ?`, name).
		Scan(&l.Name, &l.Holder, &l.Token, &acq, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return l, false, nil
	}
	if err != nil {
		return l, false, fmt.Errorf("read lease %s: %w", name, classify(err))
	}
	if l.AcquiredAt, err = decodeTime(acq); err != nil {
		return l, false, fmt.Errorf("read lease %s: %w", name, err)
	}
	if l.ExpiresAt, err = decodeTime(exp); err != nil {
		return l, false, fmt.Errorf("read lease %s: %w", name, err)
	}
	return l, true, nil
}

func writeLease(ctx context.Context, tx *sql.Tx, l store.Lease) error {
	acq, err := encodeTime(l.AcquiredAt)
	if err != nil {
		return err
	}
	exp, err := encodeTime(l.ExpiresAt)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO leases (name, holder, token, acquired_at, expires_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, token = excluded.token,
		acquired_at = excluded.acquired_at, expires_at = excluded.expires_at`, l.Name, l.Holder, l.Token, acq, exp)
	if err != nil {
		return fmt.Errorf("write lease %s: %w", l.Name, classify(err))
	}
	return nil
}
