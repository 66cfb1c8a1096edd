package sqlite_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/operator-dev/operator/internal/store/sqlite"
)

// latest is the schema version this binary ships: the number of migration
// files, so adding a migration does not mean editing every test that opens
// a database at the latest version.
var latest = len(migrationNames())

// migrationNames lists the migrations' names ("tickets", "ticket_events",
// ...) in version order, read from the files the binary embeds.
func migrationNames() []string {
	files, _ := filepath.Glob("migrations/[0-9][0-9][0-9][0-9]_*.sql") // the pattern is valid; Glob sorts
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = strings.TrimSuffix(filepath.Base(f)[len("0001_"):], ".sql")
	}
	return names
}

func dbPath(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "operator.db")
}

func open(t *testing.T, path string, opts sqlite.Options) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), path, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// raw opens the file with the driver directly, as a person with the sqlite3
// shell would, to set up fixtures and look behind the store's back.
func raw(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

func execFile(t *testing.T, db *sql.DB, file string) {
	t.Helper()
	body, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(t.Context(), string(body)); err != nil {
		t.Fatalf("run %s: %v", file, err)
	}
}

func queryInt(t *testing.T, db *sql.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(t.Context(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}
