package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// querier is what the pool and a transaction share, so reads work inside
// a write transaction and on the pool alike.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// maxAttempts bounds how often a write is run again after the server
// aborted it (a deadlock, a serialization failure).
const maxAttempts = 10

// write runs fn in one transaction and commits it. what names the
// operation in errors. Under a context with a fence (store.WithFence) the
// lease is checked first. A transaction the server aborted as a deadlock
// or serialization failure is run again, fn included: fn must not keep
// state from an attempt that rolled back.
func (s *Store) write(ctx context.Context, what string, fn func(tx pgx.Tx) error) error {
	return s.writeRetrying(ctx, what, func(error) bool { return false }, fn)
}

// writeRetrying is write that also runs fn again when again(err) says so.
func (s *Store) writeRetrying(ctx context.Context, what string, again func(error) bool, fn func(tx pgx.Tx) error) error {
	var err error
	for range maxAttempts {
		err = s.attempt(ctx, fn)
		switch code := sqlState(err); {
		case err == nil:
			return nil
		case code == codeSerializationFailure || code == codeDeadlockDetected || again(err):
			continue
		}
		break
	}
	return fmt.Errorf("%s: %w", what, err)
}

func (s *Store) attempt(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", classify(err))
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // no-op after Commit
	// A leader's write carries its lease's fencing token: refused here,
	// before anything is written, once another replica took the lease.
	if err := checkFence(ctx, tx); err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", classify(err))
	}
	return nil
}

// Advisory lock keys: PostgreSQL's two-int form, (space, key), so the
// store's locks cannot collide with another program's single-key ones in
// the same database. Locks are per database.
const (
	lockSpace      = 1330663936 // "OPR\x00"
	lockMigrations = 1          // (lockSpace, 1): schema migrations
	lockAudit      = 2          // (lockSpace, 2): the audit chain's head
	lockDedupSpace = lockSpace + 1
	lockLeaseSpace = lockSpace + 2
)

// lockKey takes the transaction-scoped advisory lock (space, hash of
// key): callers for the same key take turns until commit. A hash
// collision only makes two keys wait for each other.
func lockKey(ctx context.Context, tx pgx.Tx, space int32, key string) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1::int4, hashtext($2))`, space, key); err != nil {
		return fmt.Errorf("lock %q: %w", key, classify(err))
	}
	return nil
}

// queryAll runs a query and scans every row with scan. Errors come back
// classified, for the caller to wrap with what it was doing.
func queryAll[T any](ctx context.Context, q querier, scan func(pgx.Row) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, query, args...)
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

// noRows reports whether err says a query found nothing.
func noRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }
