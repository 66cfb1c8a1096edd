package main

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/api"
	"github.com/operator-dev/operator/internal/store/sqlite"
	"github.com/operator-dev/operator/internal/ticket"
)

func ticketServer(t *testing.T) string {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "op.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Now().Add(-time.Minute)
	for _, k := range []string{"4", "5"} {
		_, _, err := st.OpenOrTouch(context.Background(), ticket.Ticket{
			DedupKey: "store-down/store=" + k, Invariant: "store-down", Subject: "tikv", Severity: ticket.Critical,
			State: ticket.Open, Summary: "store " + k + " is Down", Labels: map[string]string{"store": k},
			Evidence: map[string]any{"last_heartbeat_age_s": 1900}, FirstSeen: now, LastSeen: now, Occurrences: 1,
		}, time.Hour, now)
		if err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(api.New(st, api.Options{}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestTicketsCommands(t *testing.T) {
	url := ticketServer(t)
	out, _, err := run(t, nil, "tickets", "list", "--server", url)
	if err != nil || !strings.Contains(out, "ID  STATE") || !strings.Contains(out, "store-down/store=4") || !strings.Contains(out, "critical") {
		t.Fatalf("list: %v\n%s", err, out)
	}
	out, _, err = run(t, nil, "tickets", "list", "--server", url, "-o", "json", "--state", "open")
	var ts []ticket.Ticket
	if err != nil || json.Unmarshal([]byte(out), &ts) != nil || len(ts) != 2 {
		t.Fatalf("list json: %v\n%s", err, out)
	}
	out, _, err = run(t, nil, "tickets", "show", "1", "--server", url)
	if err != nil || !strings.Contains(out, "Timeline:") || !strings.Contains(out, "last_heartbeat_age_s") {
		t.Fatalf("show: %v\n%s", err, out)
	}
	out, _, err = run(t, nil, "tickets", "resolve", "1", "--reason", "replaced the disk", "--server", url)
	if err != nil || !strings.Contains(out, "ticket 1 resolved") {
		t.Fatalf("resolve: %v\n%s", err, out)
	}
	out, _, _ = run(t, nil, "tickets", "list", "--server", url, "--state", "resolved")
	if !strings.Contains(out, "store-down/store=4") || strings.Contains(out, "store=5") {
		t.Fatalf("resolved list:\n%s", out)
	}
}

func TestTicketsCommandErrors(t *testing.T) {
	url := ticketServer(t)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"tickets", "resolve", "1", "--server", url}, 2, "--reason is required"},
		{[]string{"tickets", "show", "abc", "--server", url}, 2, "ticket id"},
		{[]string{"tickets", "show", "99", "--server", url}, 1, "not found"},
		{[]string{"tickets", "list", "--state", "bogus", "--server", url}, 2, "--state"},
		{[]string{"tickets", "list", "-o", "yaml", "--server", url}, 2, "table or json"},
		{[]string{"tickets", "list", "--server", "http://127.0.0.1:1"}, 1, "is `operator run` running?"},
	}
	for _, tc := range cases {
		_, _, err := run(t, nil, tc.args...)
		if err == nil || exitCode(err) != tc.code || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err %v (exit %d), want exit %d mentioning %q", tc.args, err, exitCode(err), tc.code, tc.want)
		}
	}
}
