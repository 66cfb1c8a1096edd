package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/audit"
	"github.com/operator-dev/operator/internal/store/sqlite"
)

// auditDB writes n records to a fresh database, closes it and returns its
// path and the records.
func auditDB(t *testing.T, n int) (string, []audit.Record) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "op.db")
	st, err := sqlite.Open(context.Background(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var recs []audit.Record
	for i := range n {
		r, err := st.Audit().Append(context.Background(), audit.Record{
			At: time.Date(2026, 11, 25, 9, 0, i, 0, time.UTC), Actor: "alice", Kind: audit.KindApproval,
			Subject: "transfer_leader region 42 -> store 5", Ref: fmt.Sprintf("run/%d", i), Data: map[string]any{"i": i},
		})
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	return path, recs
}

func TestAuditVerifyCommand(t *testing.T) {
	path, recs := auditDB(t, 5)
	out, errOut, err := run(t, nil, "audit", "verify", "--db", path)
	want := fmt.Sprintf("5 records, chain intact (last seq 5, hash %s)\n", recs[4].Hash)
	if err != nil || out != want {
		t.Fatalf("verify: %v\n%q\nwant %q", err, out, want)
	}
	anchor := fmt.Sprintf("5:%s", recs[4].Hash)
	if !strings.Contains(errOut, "--anchor "+anchor) {
		t.Fatalf("no anchor hint on stderr: %q", errOut)
	}
	if _, errOut, err := run(t, nil, "audit", "verify", "--db", path, "--anchor", anchor); err != nil || errOut != "" {
		t.Fatalf("anchored verify: %v %q", err, errOut)
	}

	// Tamper as someone with the sqlite3 shell would.
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`,
		`UPDATE audit_log SET actor = 'mallory' WHERE seq = 3`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err = run(t, nil, "audit", "verify", "--db", path)
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "AUDIT LOG TAMPERED at record 3: record 3 was changed after it was written") {
		t.Fatalf("tampered verify: exit %d, %v", exitCode(err), err)
	}
	if _, err := db.Exec(`UPDATE audit_log SET actor = 'alice' WHERE seq = 3`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DELETE FROM audit_log WHERE seq = 5`); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, nil, "audit", "verify", "--db", path); err != nil {
		t.Fatalf("tail deletion without anchor is undetectable, verify = %v", err)
	}
	_, _, err = run(t, nil, "audit", "verify", "--db", path, "--anchor", anchor)
	if exitCode(err) != 1 || !strings.Contains(err.Error(), "records 5 to 5 were deleted from the end") {
		t.Fatalf("anchored verify of truncated log: %v", err)
	}
}

func TestAuditCommandInputErrors(t *testing.T) {
	path, _ := auditDB(t, 1)
	for name, args := range map[string][]string{
		"no db":        {"audit", "verify"},
		"missing file": {"audit", "verify", "--db", filepath.Join(t.TempDir(), "nope.db")},
		"bad anchor":   {"audit", "verify", "--db", path, "--anchor", "x"},
		"short hash":   {"audit", "verify", "--db", path, "--anchor", "1:abc"},
		"export no db": {"audit", "export"},
	} {
		if _, _, err := run(t, nil, args...); err == nil || exitCode(err) != 2 {
			t.Errorf("%s: exit %d, %v; want 2", name, exitCode(err), err)
		}
	}
	notDB := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(notDB, []byte("hello"), 0o600)
	if _, _, err := run(t, nil, "audit", "export", "--db", notDB); exitCode(err) != 2 {
		t.Errorf("not a database: %v", err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(path), "nope.db")); err == nil {
		t.Error("verify created a database")
	}
}

func TestAuditExportCommand(t *testing.T) {
	path, recs := auditDB(t, 3)
	out, _, err := run(t, nil, "audit", "export", "--db", path)
	if err != nil || strings.Count(out, "\n") != 3 || !strings.HasPrefix(out, `{"seq":1,"at":"2026-11-25T09:00:00Z","actor":"alice","kind":"approval"`) {
		t.Fatalf("export: %v\n%s", err, out)
	}
	file := filepath.Join(t.TempDir(), "audit.jsonl")
	if _, _, err := run(t, nil, "audit", "export", "--db", path, "-o", file); err != nil {
		t.Fatal(err)
	}
	body, err := os.ReadFile(file)
	if err != nil || string(body) != out {
		t.Fatalf("file export differs from stdout export: %v", err)
	}
	var back audit.Slice
	if err := audit.Decode(bytes.NewReader(body), func(r audit.Record) error { back = append(back, r); return nil }); err != nil {
		t.Fatal(err)
	}
	rep, err := audit.Verify(context.Background(), back, &audit.Anchor{Seq: 3, Hash: recs[2].Hash})
	if err != nil || !rep.OK {
		t.Fatalf("exported file does not verify: %v %+v", err, rep)
	}
	if _, _, err := run(t, nil, "audit", "export", "--db", path, "-o", file); exitCode(err) != 2 {
		t.Fatalf("export over an existing file: %v", err)
	}
}
