package sqlite

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/ticket"
)

func openInternal(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.Context(), t.TempDir()+"/operator.db", Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestDiskFull caps the database at its current size (max_page_count on
// the one writer connection) so the next write fails as a full disk would.
func TestDiskFull(t *testing.T) {
	s := openInternal(t)
	ctx := t.Context()
	var pages int
	if err := s.w.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(ctx, `PRAGMA max_page_count = `+strconv.Itoa(pages)); err != nil {
		t.Fatal(err)
	}
	big := ticket.Ticket{DedupKey: "store-down/store=4", Invariant: "store-down", Subject: "tikv", Severity: ticket.Critical,
		Evidence: map[string]any{"log": strings.Repeat("x", 256<<10)}}
	_, _, err := s.OpenOrTouch(ctx, big, time.Hour, time.Now())
	if !errors.Is(err, store.ErrFull) {
		t.Fatalf("OpenOrTouch on a full disk = %v, want store.ErrFull", err)
	}
	for _, want := range []string{"disk is full", `open or touch ticket "store-down/store=4"`} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("error %q does not say %q", err, want)
		}
	}
	// Nothing half-written, and the store still answers.
	if got, err := s.CountByState(ctx); err != nil || got[ticket.Open] != 0 {
		t.Fatalf("after the failed write: %v, %v", got, err)
	}
	// Space comes back, writes work again.
	if _, err := s.w.ExecContext(ctx, `PRAGMA max_page_count = 1073741823`); err != nil {
		t.Fatal(err)
	}
	if _, outcome, err := s.OpenOrTouch(ctx, big, time.Hour, time.Now()); err != nil || outcome != store.OutcomeOpened {
		t.Fatalf("OpenOrTouch after space came back = %v, %v", outcome, err)
	}
}

func TestReadersCannotWrite(t *testing.T) {
	s := openInternal(t)
	_, err := s.r.ExecContext(t.Context(), `INSERT INTO schema_migrations VALUES (99, 'x', 'y')`)
	if err = classify(err); !errors.Is(err, store.ErrReadOnly) {
		t.Fatalf("write through the read pool = %v, want ErrReadOnly", err)
	}
}

func TestLoadMigrations(t *testing.T) {
	file := func(body string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(body)} }
	cases := []struct {
		name    string
		files   fstest.MapFS
		want    []string
		wantErr string
	}{
		{"in order", fstest.MapFS{"m/0002_b.sql": file("B"), "m/0001_a.sql": file("A")}, []string{"1 a A", "2 b B"}, ""},
		{"gap", fstest.MapFS{"m/0001_a.sql": file(""), "m/0003_c.sql": file("")}, nil, "has number 3, want 2"},
		{"duplicate", fstest.MapFS{"m/0001_a.sql": file(""), "m/0001_b.sql": file("")}, nil, "has number 1, want 2"},
		{"starts at 2", fstest.MapFS{"m/0002_a.sql": file("")}, nil, "has number 2, want 1"},
		{"bad name", fstest.MapFS{"m/0001-a.sql": file("")}, nil, "not named NNNN_name.sql"},
		{"stray file", fstest.MapFS{"m/0001_a.sql": file(""), "m/README": file("")}, nil, "not named NNNN_name.sql"},
		{"empty", fstest.MapFS{"m": &fstest.MapFile{Mode: fs.ModeDir}}, nil, "no migrations in m"},
		{"missing dir", fstest.MapFS{}, nil, "read migrations"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ms, err := loadMigrations(tc.files, "m")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("loadMigrations = %v, want error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range ms {
				got = append(got, strconv.Itoa(m.Version)+" "+m.Name+" "+m.SQL)
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Fatalf("loadMigrations = %q, want %q", got, tc.want)
			}
		})
	}
}

// Migrations run against operators' only copy of their history: they may
// add, never remove.
func TestShippedMigrationsAreNotDestructive(t *testing.T) {
	ms, err := loadMigrations(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	destructive := regexp.MustCompile(`(?i)\bDROP\s+(TABLE|COLUMN|INDEX|VIEW|TRIGGER)\b|\bDELETE\s+FROM\b|\bTRUNCATE\b|\bUPDATE\s+\w+\s+SET\b|\bRENAME\b`)
	for _, m := range ms {
		if loc := destructive.FindString(m.SQL); loc != "" {
			t.Errorf("migration %d (%s) contains %q", m.Version, m.Name, loc)
		}
	}
}

// A migration that fails leaves the database at the previous version with
// nothing of the failed migration applied.
func TestFailedMigrationRollsBack(t *testing.T) {
	s := openInternal(t)
	ctx := context.Background()
	ms, err := loadMigrations(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	broken := append(ms, migration{Version: len(ms) + 1, Name: "broken",
		SQL: `CREATE TABLE half_done (id INTEGER); INSERT INTO no_such_table VALUES (1);`})
	m := migrator{db: s.w, ms: broken, now: time.Now, logger: Options{}.withDefaults().Logger}
	if _, err := m.run(ctx); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("apply migration %d (broken)", len(ms)+1)) {
		t.Fatalf("run = %v, want the broken migration's error", err)
	}
	if v, err := s.SchemaVersion(ctx); err != nil || v != len(ms) {
		t.Fatalf("SchemaVersion after a failed migration = %d, %v; want %d", v, err, len(ms))
	}
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_schema WHERE name = 'half_done'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("the failed migration left half_done behind (%d, %v)", n, err)
	}
}

// The one-active-ticket rule and the resolved_at rule hold in the database
// itself, for writers that bypass this package (a second binary, a repair
// by hand in the sqlite3 shell).
func TestSchemaEnforcesTicketRules(t *testing.T) {
	s := openInternal(t)
	insert := func(key, state string, resolvedAt any) error {
		_, err := s.w.ExecContext(t.Context(), `INSERT INTO tickets (dedup_key, invariant, subject, severity, state,
			first_seen, last_seen, resolved_at) VALUES (?, 'i', 's', 'info', ?, 't', 't', ?)`, key, state, resolvedAt)
		return classify(err)
	}
	const at = "2026-01-01T00:00:00.000000Z"
	steps := []struct {
		name       string
		key        string
		state      string
		resolvedAt any
		want       error // nil: accepted
		wantAnyErr bool
	}{
		{"first active", "k", "open", nil, nil, false},
		{"second active", "k", "diagnosed", nil, store.ErrConflict, true},
		{"future active state", "k", "executing", nil, store.ErrConflict, true},
		{"resolved beside it", "k", "resolved", at, nil, false},
		{"another resolved", "k", "resolved", at, nil, false},
		{"active on another key", "k2", "open", nil, nil, false},
		{"resolved without time", "k3", "resolved", nil, nil, true},
		{"open with a resolved time", "k4", "open", at, nil, true},
	}
	for _, st := range steps {
		err := insert(st.key, st.state, st.resolvedAt)
		if (err != nil) != st.wantAnyErr || (st.want != nil && !errors.Is(err, st.want)) {
			t.Errorf("%s: insert = %v, want error %v (any: %v)", st.name, err, st.want, st.wantAnyErr)
		}
	}
}
