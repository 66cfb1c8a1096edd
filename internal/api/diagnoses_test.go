package api

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/ticket"
)

func diagnosedRecord(provider string, at time.Time) ticket.DiagnosisRecord {
	return ticket.DiagnosisRecord{At: at, Provider: provider, Model: provider + "-model", Status: ticket.DiagnosisOK,
		EvidenceDigest: "d1", Usage: ticket.Usage{InputTokens: 100, OutputTokens: 20, CostUSD: 0.001, Attempts: 1},
		Diagnosis: &ticket.Diagnosis{Summary: "store 4 is down", Cause: "disk failed", EvidenceIDs: []string{"e1"},
			Confidence: 0.7, Severity: ticket.Critical,
			Proposal: &ticket.Proposal{Type: "transfer_leader", Params: map[string]any{"region_id": int64(9007199254740993), "to_store_id": 5},
				Rationale: "store 5 is healthy", Urgency: "soon"}}}
}

// openTicket opens ticket 1 through the webhook, as the daemon would.
func (r *apiRig) openTicket(t *testing.T) ticket.ID {
	t.Helper()
	if code, body := r.call(t, "POST", "/api/v1/alerts/alertmanager", webhook("firing", alert("firing", "A", "i", ""))); code != 200 {
		t.Fatalf("open a ticket: %d %s", code, body)
	}
	return 1
}

func TestTicketDetailCarriesLatestRound(t *testing.T) {
	r := newAPIRig(t)
	id := r.openTicket(t)

	// Never diagnosed: an explicit empty list in both answers.
	code, body := r.call(t, "GET", "/api/v1/tickets/1", "")
	if code != 200 || !strings.Contains(body, `"diagnoses": []`) {
		t.Fatalf("detail of an undiagnosed ticket: %d %s", code, body)
	}
	if code, body := r.call(t, "GET", "/api/v1/tickets/1/diagnoses", ""); code != 200 || strings.TrimSpace(body) != "[]" {
		t.Fatalf("diagnoses of an undiagnosed ticket: %d %s", code, body)
	}

	first := r.now
	if _, err := r.st.SaveDiagnoses(t.Context(), id, []ticket.DiagnosisRecord{diagnosedRecord("rules", first), diagnosedRecord("anthropic", first)}, first); err != nil {
		t.Fatal(err)
	}
	second := first.Add(time.Hour)
	failed := ticket.DiagnosisRecord{At: second, Provider: "openai", Status: ticket.DiagnosisFailed, Error: "timed out"}
	if _, err := r.st.SaveDiagnoses(t.Context(), id, []ticket.DiagnosisRecord{diagnosedRecord("rules", second), failed}, second); err != nil {
		t.Fatal(err)
	}

	code, body = r.call(t, "GET", "/api/v1/tickets/1", "")
	var view TicketView
	if err := json.Unmarshal([]byte(body), &view); code != 200 || err != nil {
		t.Fatalf("detail: %d %v %s", code, err, body)
	}
	if view.State != ticket.Diagnosed || len(view.Events) == 0 {
		t.Fatalf("detail ticket = %s with %d events, want diagnosed with its timeline", view.State, len(view.Events))
	}
	if got := providersAndRounds(view.Diagnoses); got != "2 rules, 2 openai" {
		t.Fatalf("detail diagnoses = %s, want the latest round only (2 rules, 2 openai)", got)
	}
	// 64-bit IDs leave the daemon exactly as stored.
	if !strings.Contains(body, `"region_id": 9007199254740993`) {
		t.Fatalf("detail lost region_id precision:\n%s", body)
	}

	code, body = r.call(t, "GET", "/api/v1/tickets/1/diagnoses", "")
	var all []ticket.DiagnosisRecord
	if err := json.Unmarshal([]byte(body), &all); code != 200 || err != nil {
		t.Fatalf("diagnoses: %d %v %s", code, err, body)
	}
	if got := providersAndRounds(all); got != "1 rules, 1 anthropic, 2 rules, 2 openai" {
		t.Fatalf("all rounds = %s", got)
	}
	if all[3].Error != "timed out" || all[0].Usage.InputTokens != 100 || all[0].Model != "rules-model" || !all[0].At.Equal(first) {
		t.Fatalf("records lost fields: %+v", all)
	}
}

func TestDiagnosesEndpointErrors(t *testing.T) {
	r := newAPIRig(t)
	r.openTicket(t)
	cases := []struct {
		path string
		code int
		want string
	}{
		{"/api/v1/tickets/99/diagnoses", 404, "diagnoses of ticket 99: not found"},
		{"/api/v1/tickets/abc/diagnoses", 400, "ticket id"},
		{"/api/v1/tickets/0/diagnoses", 400, "ticket id"},
	}
	for _, tc := range cases {
		code, body := r.call(t, "GET", tc.path, "")
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("GET %s: %d %s, want %d mentioning %q", tc.path, code, body, tc.code, tc.want)
		}
	}
	if code, _ := r.call(t, "POST", "/api/v1/tickets/1/diagnoses", "{}"); code != 405 {
		t.Errorf("POST diagnoses: %d, want 405 (diagnoses are written by the daemon's runner, not the API)", code)
	}
}

func TestClientDiagnoses(t *testing.T) {
	r := newAPIRig(t)
	id := r.openTicket(t)
	c := NewClient(r.srv.URL, r.token)

	view, err := c.Get(t.Context(), id)
	if err != nil || view.Diagnoses == nil || len(view.Diagnoses) != 0 {
		t.Fatalf("Get of an undiagnosed ticket: %+v, %v; want an empty, non-nil Diagnoses", view.Diagnoses, err)
	}
	for i := range 2 {
		at := r.now.Add(time.Duration(i) * time.Minute)
		if _, err := r.st.SaveDiagnoses(t.Context(), id, []ticket.DiagnosisRecord{diagnosedRecord("rules", at)}, at); err != nil {
			t.Fatal(err)
		}
	}
	view, err = c.Get(t.Context(), id)
	if err != nil || providersAndRounds(view.Diagnoses) != "2 rules" {
		t.Fatalf("Client.Get diagnoses = %s, %v", providersAndRounds(view.Diagnoses), err)
	}
	if p := view.Diagnoses[0].Diagnosis.Proposal; p == nil || p.Type != "transfer_leader" {
		t.Fatalf("Client.Get proposal = %+v", p)
	}
	// 64-bit IDs reach the CLI exactly, not rounded through float64.
	if n, ok := view.Diagnoses[0].Diagnosis.Proposal.Params["region_id"].(json.Number); !ok || n.String() != "9007199254740993" {
		t.Fatalf("Client.Get region_id = %#v, want json.Number 9007199254740993", view.Diagnoses[0].Diagnosis.Proposal.Params["region_id"])
	}
	all, err := c.Diagnoses(t.Context(), id)
	if err != nil || providersAndRounds(all) != "1 rules, 2 rules" {
		t.Fatalf("Client.Diagnoses = %s, %v", providersAndRounds(all), err)
	}
	if _, err := c.Diagnoses(t.Context(), 99); err == nil || !strings.Contains(err.Error(), "not found (HTTP 404)") {
		t.Fatalf("Client.Diagnoses of a missing ticket = %v", err)
	}
}

func providersAndRounds(ds []ticket.DiagnosisRecord) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = strconv.Itoa(d.Round) + " " + d.Provider
	}
	return strings.Join(parts, ", ")
}
