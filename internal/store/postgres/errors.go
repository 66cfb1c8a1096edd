package postgres

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/operator-dev/operator/internal/store"
)

// ErrNotDatabase: the database has tables but no schema_migrations: it
// belongs to another program, and Operator never writes to it.
var ErrNotDatabase = errors.New("not an operator database")

// SQLSTATE codes the store reacts to.
const (
	codeUniqueViolation      = "23505"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
	codeDiskFull             = "53100"
	codeReadOnlyTransaction  = "25006"
	codeInsufficientPriv     = "42501"
)

// classify adds the store sentinel matching a PostgreSQL error, keeping
// the server's own message, as the sqlite backend does for SQLite's
// result codes: a unique violation is store.ErrConflict, a full disk
// store.ErrFull, a read-only server (a hot standby) or a role without
// write privilege store.ErrReadOnly, and a value the server cannot store
// (a data exception, class 22: a NUL byte in text, say) store.ErrInvalid.
func classify(err error) error {
	var pe *pgconn.PgError
	if err == nil || !errors.As(err, &pe) {
		return err
	}
	switch {
	case pe.Code == codeUniqueViolation:
		return fmt.Errorf("%w: %w", store.ErrConflict, err)
	case pe.Code == codeDiskFull:
		return fmt.Errorf("%w: %w", store.ErrFull, err)
	case pe.Code == codeReadOnlyTransaction:
		return fmt.Errorf("%w (is this a standby? point the operator at the primary): %w", store.ErrReadOnly, err)
	case pe.Code == codeInsufficientPriv:
		return fmt.Errorf("%w (the database role lacks a privilege): %w", store.ErrReadOnly, err)
	case len(pe.Code) == 5 && pe.Code[:2] == "22":
		return fmt.Errorf("%w: %w", store.ErrInvalid, err)
	}
	return err
}

// sqlState is err's SQLSTATE, or "" when it is not a server error.
func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// violates reports whether err is a unique violation of constraint.
func violates(err error, constraint string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == codeUniqueViolation && pe.ConstraintName == constraint
}
