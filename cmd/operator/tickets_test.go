package main

import (
	"context"
	"encoding/json"
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/api"
	"github.com/operator-dev/operator/internal/auth"
	"github.com/operator-dev/operator/internal/store/sqlite"
	"github.com/operator-dev/operator/internal/ticket"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// serveStore opens an empty store and serves the API over it; tf is the
// path of a file holding an admin's token.
func serveStore(t *testing.T) (st *sqlite.Store, url, tf string) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "op.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv := httptest.NewServer(api.New(st, api.Options{}))
	t.Cleanup(srv.Close)
	return st, srv.URL, tokenFile(t, st, "root", auth.Admin)
}

// tokenFile adds a user and writes their token to a file only they read.
func tokenFile(t *testing.T, st *sqlite.Store, name string, role auth.Role) string {
	t.Helper()
	tok, hash, err := auth.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddUser(context.Background(), auth.User{Name: name, Role: role, CreatedAt: time.Now(), CreatedBy: "test"}, hash); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name+".token")
	if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func ticketServer(t *testing.T) (string, string) {
	t.Helper()
	st, url, tf := serveStore(t)
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
	return url, tf
}

func TestTicketsCommands(t *testing.T) {
	url, tf := ticketServer(t)
	out, _, err := run(t, nil, "tickets", "list", "--server", url, "--token-file", tf)
	if err != nil || !strings.Contains(out, "ID  STATE") || !strings.Contains(out, "store-down/store=4") || !strings.Contains(out, "critical") {
		t.Fatalf("list: %v\n%s", err, out)
	}
	out, _, err = run(t, nil, "tickets", "list", "--server", url, "--token-file", tf, "-o", "json", "--state", "open")
	var ts []ticket.Ticket
	if err != nil || json.Unmarshal([]byte(out), &ts) != nil || len(ts) != 2 {
		t.Fatalf("list json: %v\n%s", err, out)
	}
	out, _, err = run(t, nil, "tickets", "show", "1", "--server", url, "--token-file", tf)
	if err != nil || !strings.Contains(out, "Timeline:") || !strings.Contains(out, "last_heartbeat_age_s") ||
		!strings.HasSuffix(out, "## Diagnosis\n\nNo diagnosis yet.\n") {
		t.Fatalf("show: %v\n%s", err, out)
	}
	out, _, err = run(t, nil, "tickets", "resolve", "1", "--reason", "replaced the disk", "--server", url, "--token-file", tf)
	if err != nil || !strings.Contains(out, "ticket 1 resolved") {
		t.Fatalf("resolve: %v\n%s", err, out)
	}
	out, _, _ = run(t, nil, "tickets", "list", "--server", url, "--token-file", tf, "--state", "resolved")
	if !strings.Contains(out, "store-down/store=4") || strings.Contains(out, "store=5") {
		t.Fatalf("resolved list:\n%s", out)
	}
}

func TestTicketsCommandErrors(t *testing.T) {
	url, tf := ticketServer(t)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"tickets", "resolve", "1", "--server", url, "--token-file", tf}, 2, "--reason is required"},
		{[]string{"tickets", "show", "abc", "--server", url, "--token-file", tf}, 2, "ticket id"},
		{[]string{"tickets", "show", "99", "--server", url, "--token-file", tf}, 1, "not found"},
		{[]string{"tickets", "list", "--state", "bogus", "--server", url, "--token-file", tf}, 2, "--state"},
		{[]string{"tickets", "list", "-o", "yaml", "--server", url, "--token-file", tf}, 2, "table or json"},
		{[]string{"tickets", "list", "--server", "http://127.0.0.1:1"}, 1, "is `operator run` running?"},
	}
	for _, tc := range cases {
		_, _, err := run(t, nil, tc.args...)
		if err == nil || exitCode(err) != tc.code || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err %v (exit %d), want exit %d mentioning %q", tc.args, err, exitCode(err), tc.code, tc.want)
		}
	}
}

// TestTicketsShowDiagnosis shows a ticket the runner diagnosed: the detail
// as before, then the latest round rendered in full (testdata golden file;
// -update rewrites it). An earlier round is not shown.
func TestTicketsShowDiagnosis(t *testing.T) {
	st, url, tf := serveStore(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tk, _, err := st.OpenOrTouch(ctx, ticket.Ticket{
		DedupKey: "store-down/store=4", Invariant: "store-down", Subject: "tikv", Severity: ticket.Critical,
		Summary: "store 4 is Down", Labels: map[string]string{"store": "4"},
		Evidence: map[string]any{"last_heartbeat_age_s": 1900, "region_id": int64(9007199254740993)},
	}, time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	diag := func(summary string) *ticket.Diagnosis {
		return &ticket.Diagnosis{Summary: summary, Cause: "The TiKV process on store 4 exited.",
			EvidenceIDs: []string{"e1", "e2"}, Confidence: 0.8, Severity: ticket.Critical}
	}
	old := ticket.DiagnosisRecord{At: now.Add(time.Minute), Provider: "rules", Status: ticket.DiagnosisOK, Diagnosis: diag("an earlier round"), EvidenceDigest: "a"}
	if _, err := st.SaveDiagnoses(ctx, tk.ID, []ticket.DiagnosisRecord{old}, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	at := now.Add(5 * time.Minute)
	rules := ticket.DiagnosisRecord{At: at, Provider: "rules", Status: ticket.DiagnosisOK, Diagnosis: diag("Store 4 is down and region 9007199254740993 has no leader."), EvidenceDigest: "b"}
	rules.Diagnosis.Proposal = &ticket.Proposal{Type: "transfer_leader",
		Params:    map[string]any{"to_store_id": 5, "region_id": int64(9007199254740993)},
		Rationale: "Store 5 holds a healthy peer.", Urgency: "immediate", ExpectedOutcome: "The region serves again."}
	refused := ticket.DiagnosisRecord{At: at, Provider: "anthropic", Model: "claude-sonnet-4-5", Status: ticket.DiagnosisProposalRefused,
		Diagnosis: diag("Store 4 is down."), Disputed: true, EvidenceDigest: "b",
		Refusals: []ticket.Refusal{{Field: "proposed_action.params.to_store_id", Reason: "store 99 is not in this ticket's context"}},
		Usage:    ticket.Usage{InputTokens: 4000, OutputTokens: 250, CostUSD: 0.0158, Attempts: 1}}
	if _, err := st.SaveDiagnoses(ctx, tk.ID, []ticket.DiagnosisRecord{rules, refused}, at); err != nil {
		t.Fatal(err)
	}

	out, _, err := run(t, nil, "tickets", "show", tk.ID.String(), "--server", url, "--token-file", tf)
	if err != nil {
		t.Fatalf("show: %v\n%s", err, out)
	}
	const golden = "testdata/tickets_show_diagnosed.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if out != string(want) {
		t.Errorf("tickets show differs from %s (rerun with -update if intended):\ngot:\n%s\nwant:\n%s", golden, out, want)
	}

	// The JSON form carries the same round, all of it.
	out, _, err = run(t, nil, "tickets", "show", tk.ID.String(), "--server", url, "--token-file", tf, "-o", "json")
	var v api.TicketView
	if err != nil || json.Unmarshal([]byte(out), &v) != nil || len(v.Diagnoses) != 2 || v.Diagnoses[1].Refusals[0].Field != "proposed_action.params.to_store_id" {
		t.Fatalf("show -o json: %v\n%s", err, out)
	}
}

func TestParseStep(t *testing.T) {
	st, err := parseStep("drain_store store_id=3 ratio=0.5 policy=scan")
	if err != nil || st.Action != "drain_store" || st.Params["store_id"] != int64(3) || st.Params["ratio"] != 0.5 || st.Params["policy"] != "scan" {
		t.Fatalf("parseStep = %+v, %v", st, err)
	}
	for _, bad := range []string{"", "drain_store store_id", "drain_store a=1 a=2", "x =1"} {
		if _, err := parseStep(bad); err == nil {
			t.Errorf("parseStep(%q) accepted", bad)
		}
	}
}
