package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

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
		case errors.Is(err, errLostBeforeCommit):
			// The connection died before COMMIT was sent: the server
			// rolled the transaction back, so it is run again on a fresh
			// connection; the pool's other connections died with it.
			s.pool.Reset()
			continue
		}
		break
	}
	return fmt.Errorf("%s: %w", what, err)
}

func (s *Store) attempt(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", lostBeforeCommit(classify(err)))
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // no-op after Commit
	// A leader's write carries its lease's fencing token: refused here,
	// before anything is written, once another replica took the lease.
	if err := checkFence(ctx, tx); err != nil {
		return lostBeforeCommit(err)
	}
	if err := fn(tx); err != nil {
		return lostBeforeCommit(err)
	}
	if err := tx.Commit(ctx); err != nil {
		// Lost during COMMIT, the transaction may or may not have
		// committed: never run again here. The caller re-reads (run
		// versions make a repeated move fail, not happen twice).
		if lostConnection(err) {
			s.pool.Reset()
		}
		return fmt.Errorf("commit: %w", classify(err))
	}
	return nil
}

// errLostBeforeCommit marks a transaction whose connection died before
// COMMIT was sent.
var errLostBeforeCommit = errors.New("the connection to PostgreSQL was lost before commit; nothing was committed")

func lostBeforeCommit(err error) error {
	if !lostConnection(err) {
		return err
	}
	return fmt.Errorf("%w: %w", errLostBeforeCommit, err)
}

// lostConnection reports whether err says the connection to the server
// is gone (the server restarted or shut down, the network broke), as
// opposed to the server refusing the statement.
func lostConnection(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	switch code := sqlState(err); {
	case code == "57P01" || code == "57P02" || code == "57P03": // admin/crash shutdown, cannot connect now
		return true
	case len(code) == 5 && code[:2] == "08": // connection exception
		return true
	case code != "":
		return false
	}
	var ne net.Error
	return pgconn.SafeToRetry(err) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, net.ErrClosed) ||
		errors.As(err, &ne) || strings.Contains(err.Error(), "conn closed")
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
