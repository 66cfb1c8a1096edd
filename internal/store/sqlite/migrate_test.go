package sqlite_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/store/sqlite"
	"github.com/operator-dev/operator/internal/ticket"
)

func fixedNow(t time.Time) func() time.Time { return func() time.Time { return t } }

func TestMigrateEmptyDatabase(t *testing.T) {
	path := dbPath(t)
	applied := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)
	s := open(t, path, sqlite.Options{Now: fixedNow(applied)})
	v, err := s.SchemaVersion(t.Context())
	if err != nil || v != latest {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, latest)
	}
	db := raw(t, path)
	rows, err := db.QueryContext(t.Context(), `SELECT version, name, applied_at FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var (
			version  int
			name, at string
		)
		if err := rows.Scan(&version, &name, &at); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%d %s %s", version, name, at))
	}
	var want []string
	for i, name := range migrationNames() {
		want = append(want, fmt.Sprintf("%d %s 2026-02-03T04:05:06.000000Z", i+1, name))
	}
	if len(want) < 4 || want[0] != "1 tickets 2026-02-03T04:05:06.000000Z" || want[3] != "4 action_runs 2026-02-03T04:05:06.000000Z" {
		t.Fatalf("migration files read as %q", want)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("schema_migrations = %q, want %q", got, want)
	}
	var mode string
	if err := db.QueryRowContext(t.Context(), `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v; want wal", mode, err)
	}
}

func TestMigrateFromV1KeepsTickets(t *testing.T) {
	path := dbPath(t)
	execFile(t, raw(t, path), "testdata/v1.sql")

	s := open(t, path, sqlite.Options{})
	if v, err := s.SchemaVersion(t.Context()); err != nil || v != latest {
		t.Fatalf("SchemaVersion after migrating v1 = %d, %v", v, err)
	}
	all, err := s.List(t.Context(), store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 {
		t.Fatalf("%d tickets survived, want 3", len(all))
	}
	one, err := s.Get(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if one.DedupKey != "store-down/store=4" || one.State != ticket.Open || one.Occurrences != 31 ||
		fmt.Sprint(one.Evidence["region_count"]) != "1234" ||
		!one.LastSeen.Equal(time.Date(2026, 1, 1, 10, 5, 0, 250_000_000, time.UTC)) {
		t.Fatalf("ticket 1 after migration = %+v", one)
	}
	two, _ := s.Get(t.Context(), 2)
	if two.State != ticket.Diagnosed || two.ReopenCount != 1 || two.Severity != ticket.Warning {
		t.Fatalf("ticket 2 after migration = %+v", two)
	}

	// The timeline was backfilled from what v1 knew.
	wantTimeline := map[ticket.ID][]ticket.EventKind{
		1: {ticket.EventOpened},
		2: {ticket.EventOpened},
		3: {ticket.EventOpened, ticket.EventResolved},
	}
	for id, want := range wantTimeline {
		evs, err := s.Events(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		var got []ticket.EventKind
		for _, e := range evs {
			got = append(got, e.Kind)
			if e.Data["backfilled"] != true {
				t.Errorf("ticket %d event %s is not marked backfilled: %v", id, e.Kind, e.Data)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("ticket %d timeline = %v, want %v", id, got, want)
		}
	}

	// Dedup continues across the upgrade: the v1 ticket is touched, not duplicated,
	// and new IDs do not reuse old ones.
	v := ticket.Ticket{DedupKey: "store-down/store=4", Invariant: "store-down", Subject: "tikv", Severity: ticket.Critical}
	got, outcome, err := s.OpenOrTouch(t.Context(), v, time.Hour, time.Date(2026, 1, 1, 10, 6, 0, 0, time.UTC))
	if err != nil || outcome != store.OutcomeUpdated || got.ID != 1 || got.Occurrences != 32 {
		t.Fatalf("touch of a v1 ticket = %v, %v, %+v", outcome, err, got)
	}
	v.DedupKey = "store-up/store=9"
	fresh, _, err := s.OpenOrTouch(t.Context(), v, time.Hour, time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC))
	if err != nil || fresh.ID != 4 {
		t.Fatalf("new ticket after migration = %d, %v; want ID 4", fresh.ID, err)
	}
}

func TestReopenIsNoOp(t *testing.T) {
	path := dbPath(t)
	first := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s, err := sqlite.Open(t.Context(), path, sqlite.Options{Now: fixedNow(first)})
	if err != nil {
		t.Fatal(err)
	}
	v := ticket.Ticket{DedupKey: "pd-unhealthy", Invariant: "pd-unhealthy", Subject: "tikv", Severity: ticket.Critical}
	tk, _, err := s.OpenOrTouch(t.Context(), v, 0, first)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	for i := range 3 {
		s := open(t, path, sqlite.Options{Now: fixedNow(first.Add(time.Duration(i+1) * time.Hour))})
		got, err := s.Get(t.Context(), tk.ID)
		if err != nil || got.Occurrences != 1 {
			t.Fatalf("re-open %d: ticket = %+v, %v", i, got, err)
		}
	}
	db := raw(t, path)
	if n := queryInt(t, db, `SELECT COUNT(*) FROM schema_migrations`); n != latest {
		t.Fatalf("%d schema_migrations rows after re-opening, want %d", n, latest)
	}
	if n := queryInt(t, db, `SELECT COUNT(*) FROM schema_migrations WHERE applied_at <> '2026-01-01T00:00:00.000000Z'`); n != 0 {
		t.Fatalf("%d migrations were re-applied", n)
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	path := dbPath(t)
	s, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db := raw(t, path)
	future := latest + 4
	for v := latest + 1; v <= future; v++ {
		if _, err := db.ExecContext(t.Context(), `INSERT INTO schema_migrations VALUES (?, 'from the future', '2027-01-01T00:00:00.000000Z')`, v); err != nil {
			t.Fatal(err)
		}
	}
	_, err = sqlite.Open(t.Context(), path, sqlite.Options{})
	if !errors.Is(err, store.ErrSchemaTooNew) {
		t.Fatalf("Open of a newer schema = %v, want ErrSchemaTooNew", err)
	}
	want := fmt.Sprintf("database schema version %d is newer than this operator (knows up to %d): upgrade the operator", future, latest)
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not say %q", err, want)
	}
	if n := queryInt(t, db, `SELECT COUNT(*) FROM schema_migrations`); n != future {
		t.Fatalf("refused open changed schema_migrations: %d rows", n)
	}
}

func TestRefusesForeignDatabase(t *testing.T) {
	path := dbPath(t)
	db := raw(t, path)
	if _, err := db.ExecContext(t.Context(), `CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users VALUES (1, 'ada')`); err != nil {
		t.Fatal(err)
	}
	_, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if !errors.Is(err, sqlite.ErrNotDatabase) || !strings.Contains(err.Error(), "users") {
		t.Fatalf("Open of another program's database = %v, want ErrNotDatabase naming its tables", err)
	}
	if n := queryInt(t, db, `SELECT COUNT(*) FROM sqlite_schema WHERE name = 'schema_migrations'`); n != 0 {
		t.Fatal("a refused open created schema_migrations")
	}
}
