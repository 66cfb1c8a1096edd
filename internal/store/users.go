package store

import (
	"context"
	"time"

	"github.com/operator-dev/operator/internal/auth"
)

// Users holds API identities and the hashes of their tokens. Every change
// is audited in its own transaction.
type Users interface {
	// AddUser creates a user with a first token (its hash). An existing
	// name, active or revoked: ErrConflict (names are never reused, so the
	// audit trail stays unambiguous).
	AddUser(ctx context.Context, u auth.User, tokenHash string) (auth.User, error)
	// AddToken gives an active user another token (rotation).
	AddToken(ctx context.Context, name, tokenHash, actor string, now time.Time) error
	// RevokeUser revokes a user and all their tokens at once.
	RevokeUser(ctx context.Context, name, actor string, now time.Time) (auth.User, error)
	// UserByToken returns the active user a token hash belongs to;
	// ErrNotFound for an unknown or revoked token or user.
	UserByToken(ctx context.Context, tokenHash string) (auth.User, error)
	// ListUsers returns every user, revoked ones too, by name.
	ListUsers(ctx context.Context) ([]auth.User, error)
	// CountActiveUsers is how many users can still authenticate.
	CountActiveUsers(ctx context.Context) (int, error)
}
