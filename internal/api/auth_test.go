package api

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/audit"
	"github.com/operator-dev/operator/internal/auth"
	"github.com/operator-dev/operator/internal/store/sqlite"
)

func auditKinds(t *testing.T, st *sqlite.Store) []audit.Record {
	t.Helper()
	var out []audit.Record
	if err := st.Audit().All(context.Background(), func(r audit.Record) error { out = append(out, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestEveryCallIsAuthenticated(t *testing.T) {
	r, _, _ := newActionRig(t, true)
	viewer := r.addUser(t, "vera", auth.Viewer)
	approver := r.addUser(t, "alice", auth.Approver)
	for _, tt := range []struct {
		name, token, method, path, body string
		code                            int
		want                            string
	}{
		{"no token", "", "GET", "/api/v1/tickets", "", 401, "no bearer token"},
		{"unknown token", "optk_nope", "GET", "/api/v1/tickets", "", 401, "unknown or revoked token"},
		{"viewer reads", viewer, "GET", "/api/v1/actions", "", 200, "split_region"},
		{"viewer cannot approve", viewer, "POST", "/api/v1/actions/1/approve", `{}`, 403, "user vera is viewer; this needs approver"},
		{"viewer cannot resolve", viewer, "POST", "/api/v1/tickets/1/resolve", `{"reason":"x"}`, 403, "needs approver"},
		{"approver cannot flip the kill switch", approver, "POST", "/api/v1/kill-switch", `{"on":true}`, 403, "needs admin"},
		{"approver approves as themself", approver, "POST", "/api/v1/actions/1/approve", `{"reason":"ok"}`, 200, `"state": "approved"`},
		{"health needs nothing", "", "GET", "/healthz", "", 200, "ok"},
	} {
		code, body := r.callAs(t, tt.token, tt.method, tt.path, tt.body)
		if code != tt.code || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %d %s, want %d with %q", tt.name, code, body, tt.code, tt.want)
		}
	}
	// The approval names the identity, not anything in a body.
	trs, err := r.st.RunTransitions(context.Background(), 1)
	if err != nil || len(trs) != 1 || trs[0].Actor != "alice" {
		t.Fatalf("approval recorded as %+v, %v", trs, err)
	}
	// Refusals are audited, without the token.
	refused := 0
	for _, rec := range auditKinds(t, r.st) {
		if rec.Kind == "auth-refused" {
			refused++
			if strings.Contains(rec.Subject+rec.Actor, "optk_") {
				t.Errorf("a token in the audit log: %+v", rec)
			}
		}
	}
	if refused != 5 {
		t.Errorf("%d refusals audited, want 5", refused)
	}
}

func TestRevokedTokenStopsAtOnce(t *testing.T) {
	r := newAPIRig(t)
	tok := r.addUser(t, "bob", auth.Approver)
	if code, _ := r.callAs(t, tok, "GET", "/api/v1/tickets", ""); code != 200 {
		t.Fatalf("before revoking: %d", code)
	}
	if _, err := r.st.RevokeUser(context.Background(), "bob", "root", r.now); err != nil {
		t.Fatal(err)
	}
	if code, body := r.callAs(t, tok, "GET", "/api/v1/tickets", ""); code != 401 || !strings.Contains(body, "revoked") {
		t.Fatalf("after revoking: %d %s", code, body)
	}
}

func TestNoUsersSaysHowToStart(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "op.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r := &apiRig{st: st, now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	r.srv = newServer(t, New(st, Options{}))
	code, body := r.callAs(t, "optk_anything", "GET", "/api/v1/tickets", "")
	if code != 401 || !strings.Contains(body, "operator users add NAME --role admin") {
		t.Fatalf("%d %s", code, body)
	}
}

// The policy's refusals are 403s and audited too: here the same approver
// twice on a high-risk run.
func TestPolicyRefusalIsAForbiddenAndAudited(t *testing.T) {
	r, _, run := newActionRig(t, true)
	if _, err := r.st.CreateRun(t.Context(), action.Run{TicketID: run.TicketID, Subject: "tikv", Action: "split_region",
		Params: map[string]any{"region_id": 50}, State: action.Proposed, Risk: "high", CreatedBy: "diagnosis"}, r.now); err != nil {
		t.Fatal(err)
	}
	alice := r.addUser(t, "alice", auth.Approver)
	if code, body := r.callAs(t, alice, "POST", "/api/v1/actions/2/approve", `{}`); code != 200 || !strings.Contains(body, `"needed": 2`) {
		t.Fatalf("first approval: %d %s", code, body)
	}
	code, body := r.callAs(t, alice, "POST", "/api/v1/actions/2/approve", `{}`)
	if code != 403 || !strings.Contains(body, "already approved by the same person") {
		t.Fatalf("alice twice: %d %s", code, body)
	}
	refused := false
	for _, rec := range auditKinds(t, r.st) {
		refused = refused || (rec.Kind == "auth-refused" && rec.Actor == "alice")
	}
	if !refused {
		t.Fatal("the policy's refusal was not audited")
	}
}
