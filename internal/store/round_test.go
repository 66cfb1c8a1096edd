package store

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/ticket"
)

var roundAt = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func okRec(provider string, proposal *ticket.Proposal) ticket.DiagnosisRecord {
	return ticket.DiagnosisRecord{At: roundAt, Provider: provider, Status: ticket.DiagnosisOK,
		Diagnosis: &ticket.Diagnosis{Summary: "s", Cause: "c", EvidenceIDs: []string{"e1"}, Confidence: 0.5,
			Severity: ticket.Warning, Proposal: proposal}}
}

func TestCheckDiagnosesNormalizes(t *testing.T) {
	in := []ticket.DiagnosisRecord{okRec("rules", nil), okRec("anthropic", nil)}
	in[0].ID, in[0].Round = 5, 9
	in[1].TicketID = 3
	out, err := CheckDiagnoses(3, in)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range out {
		if r.TicketID != 3 || r.ID != 0 || r.Round != 0 {
			t.Errorf("record %d = ticket %d, id %d, round %d; want ticket 3, id and round cleared", i, r.TicketID, r.ID, r.Round)
		}
	}
	if in[0].TicketID != 0 || in[0].Round != 9 {
		t.Error("CheckDiagnoses changed the caller's records")
	}
}

func TestCheckDiagnosesRefuses(t *testing.T) {
	bad := func(mut func(*ticket.DiagnosisRecord)) []ticket.DiagnosisRecord {
		r := okRec("openai", nil)
		mut(&r)
		return []ticket.DiagnosisRecord{okRec("rules", nil), r}
	}
	cases := []struct {
		name string
		recs []ticket.DiagnosisRecord
		want string
	}{
		{"empty", nil, "at least one record"},
		{"other ticket", bad(func(r *ticket.DiagnosisRecord) { r.TicketID = 4 }), "record 1 (openai) is for ticket 4, not 3"},
		{"invalid", bad(func(r *ticket.DiagnosisRecord) { r.Diagnosis = nil }), "record 1 (openai): invalid ticket: ok diagnosis record without a diagnosis"},
		{"negative tokens", bad(func(r *ticket.DiagnosisRecord) { r.Usage.OutputTokens = -2 }), "negative token count"},
		{"negative cost", bad(func(r *ticket.DiagnosisRecord) { r.Usage.CostUSD = -0.5 }), "cost -0.5"},
		{"negative attempts", bad(func(r *ticket.DiagnosisRecord) { r.Usage.Attempts = -1 }), "negative attempt count"},
	}
	for _, tc := range cases {
		_, err := CheckDiagnoses(3, tc.recs)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: CheckDiagnoses = %v, want ErrInvalid saying %q", tc.name, err, tc.want)
		}
	}
}

func TestRoundEvent(t *testing.T) {
	refused := func(status ticket.DiagnosisStatus, rs ...ticket.Refusal) ticket.DiagnosisRecord {
		r := okRec("anthropic", nil)
		r.Status, r.Refusals = status, rs
		if status == ticket.DiagnosisRefused {
			r.Diagnosis = nil
		}
		return r
	}
	disputed := okRec("openai", &ticket.Proposal{Type: "add_peer"})
	disputed.Disputed = true
	failed := ticket.DiagnosisRecord{Provider: "openai", Status: ticket.DiagnosisFailed, Error: "dial tcp:\n  connection refused"}
	long := ticket.Refusal{Field: "proposed_action.params.to_store_id", Reason: strings.Repeat("very long reason ", 20)}

	cases := []struct {
		name     string
		recs     []ticket.DiagnosisRecord
		from, to ticket.State
		kind     ticket.EventKind
		message  string
	}{
		{"usable moves", []ticket.DiagnosisRecord{
			okRec("rules", &ticket.Proposal{Type: "transfer_leader"}),
			refused(ticket.DiagnosisProposalRefused, ticket.Refusal{Field: "proposed_action.params.to_store_id", Reason: "store 99 is unknown"}),
		}, ticket.Open, ticket.Diagnosed, ticket.EventDiagnosed,
			"diagnosed: rules ok (proposes transfer_leader), anthropic proposal refused (proposed_action.params.to_store_id: store 99 is unknown)"},
		{"no action, disputed", []ticket.DiagnosisRecord{okRec("rules", nil), disputed}, ticket.Diagnosed, ticket.Diagnosed, ticket.EventDiagnosed,
			"diagnosed: rules ok (no action), openai ok (proposes add_peer, disputed)"},
		{"nothing usable", []ticket.DiagnosisRecord{
			refused(ticket.DiagnosisRefused, ticket.Refusal{Field: "answer", Reason: "not JSON"}, ticket.Refusal{Field: "a", Reason: "b"}, ticket.Refusal{Field: "c", Reason: "d"}),
			failed,
		}, ticket.Open, ticket.Open, ticket.EventNote,
			"diagnosis round 3 found nothing usable: anthropic refused (answer: not JSON; 2 more), openai failed (dial tcp: connection refused)"},
		{"long reason clipped", []ticket.DiagnosisRecord{refused(ticket.DiagnosisProposalRefused, long)}, ticket.Open, ticket.Diagnosed, ticket.EventDiagnosed,
			"diagnosed: anthropic proposal refused (" + (long.Field + ": " + long.Reason)[:100] + "...)"},
	}
	for _, tc := range cases {
		e := RoundEvent(7, 3, tc.recs, tc.from, tc.to, roundAt)
		if e.Kind != tc.kind || e.Message != tc.message || e.TicketID != 7 || !e.At.Equal(roundAt) {
			t.Errorf("%s: RoundEvent = %s %q (ticket %d at %v)\n want %s %q", tc.name, e.Kind, e.Message, e.TicketID, e.At, tc.kind, tc.message)
		}
		_, moved := e.Data["from"]
		if e.Data["round"] != 3 || moved != (tc.from != tc.to) || (moved && (e.Data["from"] != string(tc.from) || e.Data["to"] != string(tc.to))) {
			t.Errorf("%s: event data = %v", tc.name, e.Data)
		}
	}
}
