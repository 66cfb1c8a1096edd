package ticketview

import (
	"encoding/json"
	"testing"

	"github.com/operator-dev/operator/internal/ticket"
)

func TestAdvice(t *testing.T) {
	d := &ticket.Diagnosis{Summary: "store 2's disk is 90% used", Confidence: 0.75,
		Proposal: &ticket.Proposal{Type: "set_store_weight", Params: map[string]any{"store_id": json.Number("2"), "region_weight": 0.5, "leader_weight": 1}}}
	cases := []struct {
		rec  ticket.DiagnosisRecord
		want string
	}{
		{ticket.DiagnosisRecord{Provider: "rules", Status: ticket.DiagnosisOK, Diagnosis: d},
			"rules: set_store_weight leader_weight=1 region_weight=0.5 store_id=2 (confidence 0.75) · store 2's disk is 90% used"},
		{ticket.DiagnosisRecord{Provider: "rules", Status: ticket.DiagnosisOK, Diagnosis: &ticket.Diagnosis{Summary: "wait", Confidence: 0.9}},
			"rules: no action (confidence 0.90) · wait"},
		{ticket.DiagnosisRecord{Provider: "anthropic", Status: ticket.DiagnosisProposalRefused, Disputed: true,
			Diagnosis: &ticket.Diagnosis{Summary: "down\nstore", Confidence: 0.5}},
			"anthropic: proposal refused (confidence 0.50, disputed) · down store"},
		{ticket.DiagnosisRecord{Provider: "anthropic", Status: ticket.DiagnosisFailed, Error: "529 overloaded"}, "anthropic: no answer (529 overloaded)"},
		{ticket.DiagnosisRecord{Provider: "openai", Status: ticket.DiagnosisRefused}, "openai: answer refused"},
	}
	for _, tc := range cases {
		if got := Advice(tc.rec); got != tc.want {
			t.Errorf("Advice = %q\nwant     %q", got, tc.want)
		}
	}
}
