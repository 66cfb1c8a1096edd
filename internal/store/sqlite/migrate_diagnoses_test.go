package sqlite_test

import (
	"database/sql"
	"encoding/json"
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

// dump renders every row of table, columns in schema order, so a test can
// compare a table before and after a migration byte for byte.
func dump(t *testing.T, db *sql.DB, table string) []string {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `SELECT * FROM `+table+` ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%q", vals))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMigrateEmptyDatabaseCreatesDiagnoses(t *testing.T) {
	path := dbPath(t)
	open(t, path, sqlite.Options{})
	db := raw(t, path)
	var cols []string
	rows, err := db.QueryContext(t.Context(), `SELECT name FROM pragma_table_info('diagnoses') ORDER BY cid`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	want := []string{"id", "ticket_id", "round", "provider", "model", "status", "at", "diagnosis", "refusals", "error",
		"disputed", "input_tokens", "output_tokens", "cost_usd", "attempts", "evidence_digest"}
	if !slices.Equal(cols, want) {
		t.Fatalf("diagnoses columns = %q, want %q", cols, want)
	}
	var idx string
	if err := db.QueryRowContext(t.Context(), `SELECT group_concat(name, ',') FROM pragma_index_info('diagnoses_ticket_round')`).Scan(&idx); err != nil {
		t.Fatal(err)
	}
	if idx != "ticket_id,round,id" {
		t.Fatalf("index diagnoses_ticket_round covers %q, want ticket_id,round,id", idx)
	}
}

// TestMigrateFromV2KeepsEverything upgrades a database left by the
// version-2 operator: every ticket and event row is unchanged, the
// tickets read as before, and the new table takes rounds at once.
func TestMigrateFromV2KeepsEverything(t *testing.T) {
	path := dbPath(t)
	db := raw(t, path)
	execFile(t, db, "testdata/v2.sql")
	ticketsBefore, eventsBefore := dump(t, db, "tickets"), dump(t, db, "ticket_events")

	s := open(t, path, sqlite.Options{})
	if v, err := s.SchemaVersion(t.Context()); err != nil || v != latest {
		t.Fatalf("SchemaVersion after migrating v2 = %d, %v", v, err)
	}
	if got := dump(t, db, "tickets"); !slices.Equal(got, ticketsBefore) {
		t.Fatalf("tickets changed by the migration:\n got  %q\n want %q", got, ticketsBefore)
	}
	if got := dump(t, db, "ticket_events"); !slices.Equal(got, eventsBefore) {
		t.Fatalf("ticket_events changed by the migration:\n got  %q\n want %q", got, eventsBefore)
	}

	// Still readable through the store, numbers exact.
	all, err := s.List(t.Context(), store.Filter{})
	if err != nil || len(all) != 3 {
		t.Fatalf("List after migration = %d tickets, %v; want 3", len(all), err)
	}
	one, err := s.Get(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := one.Evidence["region_id"].(json.Number); !ok || n.String() != "9007199254740993" {
		t.Fatalf("ticket 1 region_id = %#v, want json.Number 9007199254740993", one.Evidence["region_id"])
	}
	if evs, err := s.Events(t.Context(), 1); err != nil || len(evs) != 2 || evs[0].Data["backfilled"] != true {
		t.Fatalf("ticket 1 timeline after migration = %+v, %v", evs, err)
	}
	for _, id := range []ticket.ID{1, 2, 3} {
		if ds, err := s.Diagnoses(t.Context(), id); err != nil || len(ds) != 0 {
			t.Fatalf("ticket %d has diagnoses %v, %v right after the migration", id, ds, err)
		}
	}

	// The new table works with the old rows: the open ticket is diagnosed,
	// the one diagnosed by hand under v2 starts at round 1, the resolved
	// one is refused.
	now := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	rec := ticket.DiagnosisRecord{At: now, Provider: "rules", Status: ticket.DiagnosisOK, EvidenceDigest: "d1",
		Diagnosis: &ticket.Diagnosis{Summary: "store 4 is down", Cause: "the process exited", EvidenceIDs: []string{"e1"},
			Confidence: 0.9, Severity: ticket.Critical}}
	got, err := s.SaveDiagnoses(t.Context(), 1, []ticket.DiagnosisRecord{rec}, now)
	if err != nil || got.State != ticket.Diagnosed || got.Occurrences != 31 {
		t.Fatalf("SaveDiagnoses on a v2 ticket = %+v, %v", got, err)
	}
	if _, err := s.SaveDiagnoses(t.Context(), 2, []ticket.DiagnosisRecord{rec}, now); err != nil {
		t.Fatal(err)
	}
	if ds, err := s.LatestDiagnoses(t.Context(), 2); err != nil || len(ds) != 1 || ds[0].Round != 1 || ds[0].TicketID != 2 {
		t.Fatalf("LatestDiagnoses of ticket 2 = %+v, %v", ds, err)
	}
	if _, err := s.SaveDiagnoses(t.Context(), 3, []ticket.DiagnosisRecord{rec}, now); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("SaveDiagnoses on the resolved v2 ticket = %v, want ErrConflict", err)
	}
	evs, err := s.Events(t.Context(), 1)
	if err != nil || len(evs) != 3 || evs[2].ID <= 6 || evs[2].Kind != ticket.EventDiagnosed ||
		!strings.HasPrefix(evs[2].Message, "diagnosed: rules ok") {
		t.Fatalf("ticket 1 timeline after a round = %+v, %v", evs, err)
	}
}
