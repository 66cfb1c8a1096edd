package store

import "errors"

// Errors returned (wrapped) by every backend; test with errors.Is.
var (
	// ErrNotFound: no ticket with that ID, or no active ticket for that key.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the request contradicts the stored state: a transition
	// the lifecycle forbids (the error also wraps ticket.ErrTransition), or
	// a reopen while another ticket is active for the same key.
	ErrConflict = errors.New("conflict")
	// ErrInvalid: the caller passed something malformed (the error also
	// wraps ticket.ErrInvalid when the model refused it).
	ErrInvalid = errors.New("invalid argument")
	// ErrFull: the disk is full (or the database hit a configured size
	// limit); nothing was written.
	ErrFull = errors.New("disk is full")
	// ErrReadOnly: the database cannot be written (file or directory
	// permissions, a read-only mount).
	ErrReadOnly = errors.New("database is read-only")
	// ErrSchemaTooNew: the database was migrated by a newer Operator; this
	// binary refuses to touch it rather than misread it.
	ErrSchemaTooNew = errors.New("database schema is newer than this operator")
)
