package main

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/operator-dev/operator/internal/api"
	"github.com/operator-dev/operator/internal/store/sqlite"
)

// Users are managed on the database file; the token is printed once and
// works through the CLI until revoked, then stops at once.
func TestUsersCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "op.db")
	if out, _, err := run(t, nil, "users", "list", "--db", db); err != nil || !strings.Contains(out, "no users") {
		t.Fatalf("list on a new database: %v\n%s", err, out)
	}
	tf := addUserCLI(t, db, "alice", "approver")
	if _, _, err := run(t, nil, "users", "add", "alice", "--role", "viewer", "--db", db); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("adding alice twice: %v", err)
	}
	for _, bad := range [][]string{{"users", "add", "bob", "--role", "root", "--db", db}, {"users", "add", "Bob Smith", "--role", "viewer", "--db", db}} {
		if _, _, err := run(t, nil, bad...); err == nil || exitCode(err) != 2 {
			t.Errorf("%v: %v, want exit 2", bad, err)
		}
	}
	st, err := sqlite.Open(context.Background(), db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv := httptest.NewServer(api.New(st, api.Options{}))
	defer srv.Close()
	if out, _, err := run(t, nil, "tickets", "list", "--server", srv.URL, "--token-file", tf); err != nil || !strings.Contains(out, "no tickets") && !strings.Contains(out, "ID") {
		t.Fatalf("tickets list with alice's token: %v\n%s", err, out)
	}
	if _, _, err := run(t, nil, "tickets", "list", "--server", srv.URL); err == nil || !strings.Contains(err.Error(), "no bearer token") {
		t.Fatalf("tickets list without a token: %v", err)
	}
	tok, _ := os.ReadFile(tf)
	if _, _, err := run(t, map[string]string{"OPERATOR_TOKEN": string(tok)}, "kill-switch", "on", "--server", srv.URL); err == nil || !strings.Contains(err.Error(), "needs admin") {
		t.Fatalf("an approver flipping the kill switch: %v", err)
	}
	if out, _, err := run(t, map[string]string{"USER": "root"}, "users", "revoke", "alice", "--db", db); err != nil || !strings.Contains(out, "revoked") {
		t.Fatalf("revoke: %v\n%s", err, out)
	}
	if _, _, err := run(t, nil, "tickets", "list", "--server", srv.URL, "--token-file", tf); err == nil || !strings.Contains(err.Error(), "revoked") {
		t.Fatalf("a revoked token: %v", err)
	}
	if out, _, err := run(t, nil, "users", "list", "--db", db); err != nil || !strings.Contains(out, "alice") || !strings.Contains(out, "local:root") {
		t.Fatalf("list: %v\n%s", err, out)
	}
	if _, _, err := run(t, nil, "tickets", "list", "--server", srv.URL, "--token-file", filepath.Join(t.TempDir(), "missing")); err == nil || exitCode(err) != 2 {
		t.Fatalf("a missing token file: %v", err)
	}
}
