// Package backend opens the state store a configuration names: a SQLite
// file, or a PostgreSQL server (db.path starting with postgres://). It is
// the one place that knows both; the daemon and the CLI take what it
// returns and never name a backend themselves.
package backend

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/operator-dev/operator/internal/audit"
	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/store/sqlite"
)

// Store is what the daemon needs of its state store: the store itself
// and the leader election.
type Store interface {
	store.Store
	store.Leases
}

var _ Store = (*sqlite.Store)(nil)

// IsPostgres reports whether path names a PostgreSQL server.
func IsPostgres(path string) bool {
	return strings.HasPrefix(path, "postgres://") || strings.HasPrefix(path, "postgresql://")
}

// Open opens (creating and migrating as needed) the store at path.
func Open(ctx context.Context, path string, log *slog.Logger) (Store, error) {
	if IsPostgres(path) {
		return openPostgres(ctx, path, log)
	}
	st, err := sqlite.Open(ctx, path, sqlite.Options{Logger: log})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// AuditLog opens the audit log at path for reading (verify, export)
// without the daemon: a SQLite file read-only, or the PostgreSQL store.
// close releases it.
func AuditLog(ctx context.Context, path string) (l audit.Log, close func() error, err error) {
	if IsPostgres(path) {
		st, err := openPostgres(ctx, path, nil)
		if err != nil {
			return nil, nil, err
		}
		return st.Audit(), st.Close, nil
	}
	r, err := sqlite.OpenAuditReader(ctx, path)
	if err != nil {
		return nil, nil, err
	}
	return r, r.Close, nil
}

// Describe names path for logs and errors: a PostgreSQL URL without its
// query (which may name credential files), a SQLite path as it is.
func Describe(path string) string {
	if IsPostgres(path) {
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		return "PostgreSQL " + path
	}
	return fmt.Sprintf("SQLite %s", path)
}
