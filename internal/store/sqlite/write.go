package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// write runs fn in one write transaction (BEGIN IMMEDIATE on the single
// writer connection) and commits it. what names the operation in errors.
// Under a context with a fence (store.WithFence) the lease is checked first.
func (s *Store) write(ctx context.Context, what string, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: begin: %w", what, classify(err))
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	// A leader's write carries its lease's fencing token: refused here,
	// before anything is written, once another replica took the lease.
	if err := checkFence(ctx, tx); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := fn(tx); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: commit: %w", what, classify(err))
	}
	return nil
}
