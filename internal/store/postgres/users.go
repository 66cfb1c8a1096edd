package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/operator-dev/operator/internal/audit"
	"github.com/operator-dev/operator/internal/auth"
	"github.com/operator-dev/operator/internal/store"
)

const userColumns = `name, role, created_at, created_by, revoked_at`

// AddUser implements store.Users.
func (s *Store) AddUser(ctx context.Context, u auth.User, tokenHash string) (auth.User, error) {
	what := fmt.Sprintf("add user %s", u.Name)
	if err := auth.ValidateName(u.Name); err != nil {
		return u, fmt.Errorf("%s: %w: %w", what, store.ErrInvalid, err)
	}
	if _, err := auth.ParseRole(string(u.Role)); err != nil {
		return u, fmt.Errorf("%s: %w: %w", what, store.ErrInvalid, err)
	}
	if len(tokenHash) != 64 || u.CreatedBy == "" || u.CreatedAt.IsZero() {
		return u, fmt.Errorf("%s: %w: a token hash, a creator and a time are required", what, store.ErrInvalid)
	}
	at, err := encodeTime(u.CreatedAt)
	if err != nil {
		return u, fmt.Errorf("%s: %w", what, err)
	}
	u.RevokedAt = nil
	err = s.write(ctx, what, func(tx pgx.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM users WHERE name = $1`, u.Name).Scan(&n); err != nil {
			return classify(err)
		}
		if n > 0 {
			return fmt.Errorf("%w: user %s exists (names are never reused; revoked users stay on record)", store.ErrConflict, u.Name)
		}
		// Two adds of one name at once: the primary key refuses the
		// second with a unique violation, ErrConflict too.
		if _, err := tx.Exec(ctx, `INSERT INTO users (name, role, created_at, created_by) VALUES ($1, $2, $3, $4)`,
			u.Name, string(u.Role), at, u.CreatedBy); err != nil {
			return fmt.Errorf("insert user: %w", classify(err))
		}
		if _, err := tx.Exec(ctx, `INSERT INTO user_tokens (hash, user_name, created_at) VALUES ($1, $2, $3)`,
			tokenHash, u.Name, at); err != nil {
			return fmt.Errorf("insert token: %w", classify(err))
		}
		return auditInTx(ctx, tx, audit.Record{At: u.CreatedAt, Actor: u.CreatedBy, Kind: "user-added",
			Subject: "user " + u.Name + " (" + string(u.Role) + ")", Ref: "users/" + u.Name,
			Data: map[string]any{"user": u.Name, "role": string(u.Role)}})
	})
	return u, err
}

// AddToken implements store.Users.
func (s *Store) AddToken(ctx context.Context, name, tokenHash, actor string, now time.Time) error {
	what := fmt.Sprintf("add a token for user %s", name)
	if len(tokenHash) != 64 || actor == "" {
		return fmt.Errorf("%s: %w: a token hash and an actor are required", what, store.ErrInvalid)
	}
	at, err := encodeTime(now)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return s.write(ctx, what, func(tx pgx.Tx) error {
		// Locked: a revocation cannot slip in between the check and the
		// new token.
		u, err := getUser(ctx, tx, name, " FOR NO KEY UPDATE")
		if err != nil {
			return err
		}
		if !u.Active() {
			return fmt.Errorf("%w: user %s is revoked", store.ErrConflict, name)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO user_tokens (hash, user_name, created_at) VALUES ($1, $2, $3)`, tokenHash, name, at); err != nil {
			return fmt.Errorf("insert token: %w", classify(err))
		}
		return auditInTx(ctx, tx, audit.Record{At: now, Actor: actor, Kind: "token-added", Subject: "a new token for " + name,
			Ref: "users/" + name, Data: map[string]any{"user": name}})
	})
}

// RevokeUser implements store.Users.
func (s *Store) RevokeUser(ctx context.Context, name, actor string, now time.Time) (auth.User, error) {
	what := fmt.Sprintf("revoke user %s", name)
	if actor == "" {
		return auth.User{}, fmt.Errorf("%s: %w: say who revokes", what, store.ErrInvalid)
	}
	at, err := encodeTime(now)
	if err != nil {
		return auth.User{}, fmt.Errorf("%s: %w", what, err)
	}
	var out auth.User
	err = s.write(ctx, what, func(tx pgx.Tx) error {
		u, err := getUser(ctx, tx, name, " FOR NO KEY UPDATE")
		if err != nil {
			return err
		}
		if !u.Active() {
			out = u
			return nil // revoking twice changes nothing
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET revoked_at = $1 WHERE name = $2`, at, name); err != nil {
			return classify(err)
		}
		if _, err := tx.Exec(ctx, `UPDATE user_tokens SET revoked_at = $1 WHERE user_name = $2 AND revoked_at IS NULL`, at, name); err != nil {
			return classify(err)
		}
		if out, err = getUser(ctx, tx, name, ""); err != nil {
			return err
		}
		return auditInTx(ctx, tx, audit.Record{At: now, Actor: actor, Kind: "user-revoked", Subject: "user " + name + " revoked",
			Ref: "users/" + name, Data: map[string]any{"user": name}})
	})
	return out, err
}

// UserByToken implements store.Users.
func (s *Store) UserByToken(ctx context.Context, tokenHash string) (auth.User, error) {
	u, err := scanUser(s.reads().QueryRow(ctx, `SELECT u.name, u.role, u.created_at, u.created_by, u.revoked_at
		FROM user_tokens t JOIN users u ON u.name = t.user_name
		WHERE t.hash = $1 AND t.revoked_at IS NULL AND u.revoked_at IS NULL`, tokenHash))
	if noRows(err) {
		return auth.User{}, store.ErrNotFound
	}
	if err != nil {
		return auth.User{}, fmt.Errorf("look up a token: %w", err)
	}
	return u, nil
}

// ListUsers implements store.Users.
func (s *Store) ListUsers(ctx context.Context) ([]auth.User, error) {
	out, err := queryAll(ctx, s.reads(), scanUser, `SELECT `+userColumns+` FROM users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

// CountActiveUsers implements store.Users.
func (s *Store) CountActiveUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.reads().QueryRow(ctx, `SELECT COUNT(*) FROM users WHERE revoked_at IS NULL`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count users: %w", classify(err))
	}
	return n, nil
}

// getUser reads a user by name; lock is "" or a locking clause.
func getUser(ctx context.Context, q querier, name, lock string) (auth.User, error) {
	u, err := scanUser(q.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE name = $1`+lock, name))
	if noRows(err) {
		return u, fmt.Errorf("user %s: %w", name, store.ErrNotFound)
	}
	return u, err
}

func scanUser(row pgx.Row) (auth.User, error) {
	var (
		u       auth.User
		role    string
		revoked *time.Time
	)
	if err := row.Scan(&u.Name, &role, &u.CreatedAt, &u.CreatedBy, &revoked); err != nil {
		if noRows(err) {
			return u, err
		}
		return u, fmt.Errorf("read user: %w", classify(err))
	}
	u.Role, u.CreatedAt, u.RevokedAt = auth.Role(role), u.CreatedAt.UTC(), utcPtr(revoked)
	return u, nil
}
