package ticketview

import (
	"encoding/json"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/ticket"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := "testdata/" + name
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (rerun with -update if the change is intended):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// round is one of each kind of record, as a round with every outcome
// would hold them.
func round() []ticket.DiagnosisRecord {
	at := time.Date(2026, 3, 1, 12, 5, 0, 0, time.UTC)
	return []ticket.DiagnosisRecord{
		{
			ID: 1, TicketID: 7, Round: 2, At: at, Provider: "rules", Status: ticket.DiagnosisOK, EvidenceDigest: "d",
			Diagnosis: &ticket.Diagnosis{
				Summary: "Store 4 stopped sending heartbeats 31m ago.", Cause: "The TiKV process on store 4 is down\n(disk failure suspected).",
				EvidenceIDs: []string{"e1", "e3"}, Confidence: 0.85, Severity: ticket.Critical,
				Risks: []string{"store 5 takes the extra leaders", "if store 4 returns, leaders move back"},
				Proposal: &ticket.Proposal{Type: "transfer_leader",
					// As read from the store (json.Number) and from the API (float64).
					Params:    map[string]any{"to_store_id": json.Number("5"), "region_id": float64(1000001), "reason": "store 4 down"},
					Rationale: "Region 1000001 has no leader; store 5 holds a healthy peer.", Urgency: "immediate",
					ExpectedOutcome: "Region 1000001 serves reads and writes again within a minute."},
				Alternatives: []ticket.Alternative{
					{Type: "none", WhyNot: "the region stays unavailable"},
					{Type: "add_peer", Params: map[string]any{"store_id": 6, "region_id": 1000001}, WhyNot: "slower than a leader transfer"},
				},
			},
			Usage: ticket.Usage{},
		},
		{
			ID: 2, TicketID: 7, Round: 2, At: at, Provider: "anthropic", Model: "claude-sonnet-4-5", Status: ticket.DiagnosisProposalRefused,
			Disputed: true, EvidenceDigest: "d",
			Diagnosis: &ticket.Diagnosis{Summary: "Store 4 is down.", Cause: "Disk failure on store 4.",
				EvidenceIDs: []string{"e1"}, Confidence: 0.4, Severity: ticket.Critical},
			Refusals: []ticket.Refusal{
				{Field: "proposed_action.params.to_store_id", Reason: "store 99 is not in this ticket's context: it does not exist or is unrelated (shown: 1, 4, 5)"},
				{Field: "alternatives[0]", Reason: `"reboot" is not an action in the registry (dropped)`},
			},
			Usage: ticket.Usage{InputTokens: 12345, OutputTokens: 678, CostUSD: 0.0472, Attempts: 1},
		},
		{
			ID: 3, TicketID: 7, Round: 2, At: at, Provider: "openai", Model: "gpt-4.1", Status: ticket.DiagnosisRefused, EvidenceDigest: "d",
			Refusals: []ticket.Refusal{{Field: "evidence_ids", Reason: `cites "e9", which the context never gave`}},
			Usage:    ticket.Usage{InputTokens: 9000, OutputTokens: 300, CostUSD: 0.021, Attempts: 2},
		},
		{
			ID: 4, TicketID: 7, Round: 2, At: at, Provider: "openai-backup", Status: ticket.DiagnosisFailed, EvidenceDigest: "d",
			Error: "POST https://llm.internal/v1/chat/completions: HTTP 503 after 3 attempts", Usage: ticket.Usage{Attempts: 3},
		},
		{
			ID: 5, TicketID: 7, Round: 2, At: at, Provider: "local", Status: ticket.DiagnosisOK, EvidenceDigest: "d",
			Diagnosis: &ticket.Diagnosis{Summary: "Transient.", Cause: "A network blip; the store is back.",
				EvidenceIDs: []string{"e2"}, Confidence: 0.6, Severity: ticket.Info,
				// A model's backticks cannot close the block early.
				Proposal: &ticket.Proposal{Type: "watch", Urgency: "when-convenient", Rationale: "see `x`",
					Params: map[string]any{"note": "```\nrm -rf /\n```"}}},
		},
	}
}

func TestDiagnosesGolden(t *testing.T) {
	var b strings.Builder
	if err := Diagnoses(&b, round()); err != nil {
		t.Fatal(err)
	}
	golden(t, "diagnosis.golden", b.String())
}

func TestDiagnosesNone(t *testing.T) {
	var b strings.Builder
	if err := Diagnoses(&b, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), "## Diagnosis\n\nNo diagnosis yet.\n"; got != want {
		t.Fatalf("Diagnoses(nil) = %q, want %q", got, want)
	}
}

// One record renders the same alone as inside the section.
func TestDiagnosisIsPartOfSection(t *testing.T) {
	var one, all strings.Builder
	recs := round()
	if err := Diagnosis(&one, recs[1]); err != nil {
		t.Fatal(err)
	}
	if err := Diagnoses(&all, recs); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(all.String(), "\n"+one.String()) || !strings.HasPrefix(one.String(), "### anthropic (claude-sonnet-4-5): proposal refused\n") {
		t.Fatalf("Diagnosis alone:\n%s\nis not a part of the section:\n%s", one.String(), all.String())
	}
}
