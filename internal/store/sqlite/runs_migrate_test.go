package sqlite_test

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/store/sqlite"
)

// TestMigrateFromV3AddsRuns upgrades a database at schema version 3 (the
// version-2 fixture plus the diagnoses migration and one diagnosis, as
// the version-3 operator left it): nothing already stored changes, and the
// old tickets take action runs at once.
func TestMigrateFromV3AddsRuns(t *testing.T) {
	path := dbPath(t)
	db := raw(t, path)
	execFile(t, db, "testdata/v2.sql")
	execFile(t, db, "migrations/0003_diagnoses.sql")
	if _, err := db.ExecContext(t.Context(), `INSERT INTO schema_migrations VALUES (3, 'diagnoses', '2026-02-01T00:00:00.000000Z');
		INSERT INTO diagnoses (ticket_id, round, provider, status, at, refusals) VALUES (2, 1, 'rules', 'ok', '2026-02-01T00:00:00.000000Z', '[]')`); err != nil {
		t.Fatal(err)
	}
	before := map[string][]string{}
	for _, table := range []string{"tickets", "ticket_events", "diagnoses"} {
		before[table] = dump(t, db, table)
	}

	s := open(t, path, sqlite.Options{})
	if v, err := s.SchemaVersion(t.Context()); err != nil || v != latest {
		t.Fatalf("SchemaVersion after migrating v3 = %d, %v; want %d", v, err, latest)
	}
	for table, rows := range before {
		if got := dump(t, db, table); !slices.Equal(got, rows) {
			t.Fatalf("%s changed by the migration:\n got  %q\n want %q", table, got, rows)
		}
	}
	if runs, err := s.ListRuns(t.Context(), store.RunFilter{}); err != nil || len(runs) != 0 {
		t.Fatalf("ListRuns right after the migration = %v, %v", runs, err)
	}

	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	run, err := s.CreateRun(t.Context(), action.Run{TicketID: 1, Subject: "tikv", Action: "transfer_leader", CreatedBy: "alice",
		Params: map[string]any{"region_id": json.Number("9007199254740993")}, State: action.Proposed, Risk: "low"}, now)
	if err != nil || run.ID != 1 || run.Version != 1 {
		t.Fatalf("CreateRun on a v3 ticket = %+v, %v", run, err)
	}
	if n, ok := run.Params["region_id"].(json.Number); !ok || n.String() != "9007199254740993" {
		t.Fatalf("region_id after a round trip = %#v", run.Params["region_id"])
	}
	moved, err := s.TransitionRun(t.Context(), run.ID, 1, action.Transition{To: action.Approved, At: now.Add(time.Minute), Actor: "alice"})
	if err != nil || moved.State != action.Approved || moved.Version != 2 {
		t.Fatalf("TransitionRun = %+v, %v", moved, err)
	}
	if _, err := s.CreateRun(t.Context(), action.Run{TicketID: 99, Subject: "tikv", Action: "x", State: action.Proposed, CreatedBy: "alice"}, now); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("CreateRun for a missing ticket = %v, want ErrNotFound", err)
	}
	if n := queryInt(t, db, `SELECT COUNT(*) FROM run_transitions WHERE run_id = 1`); n != 1 {
		t.Fatalf("%d run_transitions rows, want 1", n)
	}
}

// The database refuses what the model would never write, as a backstop for
// a bug or a hand edit.
func TestRunTablesRefuseBadRows(t *testing.T) {
	path := dbPath(t)
	open(t, path, sqlite.Options{})
	db := raw(t, path)
	bad := []string{
		`INSERT INTO action_runs (subject, action, params, state, version, created_at, updated_at) VALUES ('', 'a', '{}', 'proposed', 1, 't', 't')`,
		`INSERT INTO action_runs (subject, action, params, state, version, created_at, updated_at) VALUES ('s', 'a', 'not json', 'proposed', 1, 't', 't')`,
		`INSERT INTO action_runs (subject, action, params, state, version, created_at, updated_at) VALUES ('s', 'a', '{}', 'proposed', 0, 't', 't')`,
		`INSERT INTO run_transitions (run_id, from_state, to_state, at, actor) VALUES (1, 'proposed', 'approved', 't', 'a')`, // no run 1
	}
	if _, err := db.ExecContext(t.Context(), `PRAGMA foreign_keys = ON`); err != nil {
		t.Fatal(err)
	}
	for _, q := range bad {
		if _, err := db.ExecContext(t.Context(), q); err == nil {
			t.Errorf("accepted: %s", q)
		}
	}
}
