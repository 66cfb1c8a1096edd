package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/operator-dev/operator/internal/audit"
	"github.com/operator-dev/operator/internal/auth"
	"github.com/operator-dev/operator/internal/store"
)

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
	err = s.write(ctx, what, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE name = ?`, u.Name).Scan(&n); err != nil {
			return classify(err)
		}
		if n > 0 {
			return fmt.Errorf("%w: user %s exists (names are never reused; revoked users stay on record)", store.ErrConflict, u.Name)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO users (name, role, created_at, created_by) VALUES (?, ?, ?, ?)`,
			u.Name, string(u.Role), at, u.CreatedBy); err != nil {
			return fmt.Errorf("insert user: %w", classify(err))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_tokens (hash, user_name, created_at) VALUES (?, ?, ?)`,
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
	return s.write(ctx, what, func(tx *sql.Tx) error {
		u, err := getUser(ctx, tx, name)
		if err != nil {
			return err
		}
		if !u.Active() {
			return fmt.Errorf("%w: user %s is revoked", store.ErrConflict, name)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_tokens (hash, user_name, created_at) VALUES (?, ?, ?)`, tokenHash, name, at); err != nil {
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
	err = s.write(ctx, what, func(tx *sql.Tx) error {
		u, err := getUser(ctx, tx, name)
		if err != nil {
			return err
		}
		if !u.Active() {
			out = u
			return nil // revoking twice changes nothing
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET revoked_at = ? WHERE name = ?`, at, name); err != nil {
			return classify(err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE user_tokens SET revoked_at = ? WHERE user_name = ? AND revoked_at IS NULL`, at, name); err != nil {
			return classify(err)
		}
		if out, err = getUser(ctx, tx, name); err != nil {
			return err
		}
		return auditInTx(ctx, tx, audit.Record{At: now, Actor: actor, Kind: "user-revoked", Subject: "user " + name + " revoked",
			Ref: "users/" + name, Data: map[string]any{"user": name}})
	})
	return out, err
}

// UserByToken implements store.Users.
func (s *Store) UserByToken(ctx context.Context, tokenHash string) (auth.User, error) {
	var name string
	err := s.r.QueryRowContext(ctx, `SELECT t.user_name FROM user_tokens t JOIN users u ON u.name = t.user_name
		WHERE t.hash = ? AND t.revoked_at IS NULL AND u.revoked_at IS NULL`, tokenHash).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return auth.User{}, store.ErrNotFound
	}
	if err != nil {
		return auth.User{}, fmt.Errorf("look up a token: %w", classify(err))
	}
	return getUser(ctx, s.r, name)
}

// ListUsers implements store.Users.
func (s *Store) ListUsers(ctx context.Context) ([]auth.User, error) {
	out, err := queryAll(ctx, s.r, scanUser, `SELECT name, role, created_at, created_by, revoked_at FROM users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

// CountActiveUsers implements store.Users.
func (s *Store) CountActiveUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE revoked_at IS NULL`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count users: %w", classify(err))
	}
	return n, nil
}

func getUser(ctx context.Context, q querier, name string) (auth.User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT name, role, created_at, created_by, revoked_at FROM users WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("user %s: %w", name, store.ErrNotFound)
	}
	return u, err
}

func scanUser(sc interface{ Scan(...any) error }) (auth.User, error) {
	var (
		u       auth.User
		role    string
		created string
		revoked sql.NullString
	)
	if err := sc.Scan(&u.Name, &role, &created, &u.CreatedBy, &revoked); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return u, err
		}
		return u, fmt.Errorf("read user: %w", classify(err))
	}
	u.Role = auth.Role(role)
	var err error
	if u.CreatedAt, err = decodeTime(created); err != nil {
		return u, err
	}
	if revoked.Valid {
		t, err := decodeTime(revoked.String)
		if err != nil {
			return u, err
		}
		u.RevokedAt = &t
	}
	return u, nil
}
