package postgres_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/operator-dev/operator/internal/pgtest"
	"github.com/operator-dev/operator/internal/store/postgres"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// latest is the schema version this binary ships: the number of migration
// files.
var latest = len(migrationNames(nil, "migrations"))

// migrationNames lists the names ("tickets", "ticket_events", ...) of the
// migrations in dir, in version order.
func migrationNames(t *testing.T, dir string) []string {
	files, err := filepath.Glob(filepath.Join(dir, "[0-9][0-9][0-9][0-9]_*.sql")) // Glob sorts
	if err != nil && t != nil {
		t.Fatal(err)
	}
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = strings.TrimSuffix(filepath.Base(f)[len("0001_"):], ".sql")
	}
	return names
}

// open opens the store at dsn and closes it when the test ends.
func open(t *testing.T, dsn string, opts postgres.Options) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), dsn, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// fresh opens a store on a new, empty database.
func fresh(t *testing.T) *postgres.Store {
	t.Helper()
	return open(t, pgtest.NewDatabase(t), postgres.Options{})
}

// raw connects to dsn directly, as a person with psql would, to set up
// fixtures and look behind the store's back.
func raw(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func queryInt(t *testing.T, conn *pgx.Conn, q string, args ...any) int {
	t.Helper()
	var n int
	if err := conn.QueryRow(t.Context(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}
