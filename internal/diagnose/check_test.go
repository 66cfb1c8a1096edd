package diagnose

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/ticket"
)

// testActions is a small registry in the shape of the TiKV one.
var testActions = []subject.ActionSpec{
	{Name: "transfer_leader", Description: "move a region's leader", Risk: subject.RiskLow, Params: []subject.ParamSpec{
		{Name: "region_id", Type: subject.ParamRegionID, Required: true},
		{Name: "to_store_id", Type: subject.ParamStoreID, Required: true},
	}},
	{Name: "set-schedule-limit", Description: "change a PD schedule limit", Risk: subject.RiskMedium, Params: []subject.ParamSpec{
		{Name: "name", Type: subject.ParamString, Required: true, Enum: []string{"leader-schedule-limit", "region-schedule-limit"}},
		{Name: "value", Type: subject.ParamInt, Required: true, Min: 1, Max: 1024},
	}},
	{Name: "pause_scheduler", Params: []subject.ParamSpec{
		{Name: "name", Type: subject.ParamString, Required: true},
		{Name: "for", Type: subject.ParamDuration, Required: true, Min: 60, Max: 24 * 3600},
	}},
}

func testContext() *subject.Context {
	return &subject.Context{
		Ticket: ticket.Ticket{ID: 7, DedupKey: "hot-write-region/region=49", Invariant: "hot-write-region"},
		Evidence: []subject.Evidence{
			{ID: "e1", Kind: "ticket", Title: "the ticket"},
			{ID: "e2", Kind: "region", Title: "region 49"},
		},
		Entities: map[subject.ParamType][]string{subject.ParamStoreID: {"1", "2", "4"}, subject.ParamRegionID: {"49"}},
	}
}

// answer builds an answer from a base, with the fields changed.
func answer(t *testing.T, change func(m map[string]any)) json.RawMessage {
	t.Helper()
	m := map[string]any{
		"summary": "region 49 takes 32MiB/s of writes on store 1", "probable_cause": "sequential inserts into one key range",
		"evidence_ids": []any{"e1", "e2"}, "confidence": 0.8, "severity": "warning",
		"proposed_action": map[string]any{
			"type": "transfer_leader", "params": map[string]any{"region_id": 49, "to_store_id": 4},
			"rationale": "store 4 holds a follower and is idle", "urgency": "soon", "expected_outcome": "store 1's write load halves",
		},
	}
	if change != nil {
		change(m)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func proposal(m map[string]any) map[string]any { return m["proposed_action"].(map[string]any) }
func params(m map[string]any) map[string]any   { return proposal(m)["params"].(map[string]any) }

func TestCheck(t *testing.T) {
	cases := []struct {
		name   string
		raw    json.RawMessage
		status ticket.DiagnosisStatus
		field  string // of the first refusal
		reason string // substring of it
	}{
		{name: "good", raw: answer(t, nil), status: ticket.DiagnosisOK},
		{name: "no action is a valid answer", raw: answer(t, func(m map[string]any) { m["proposed_action"] = nil }), status: ticket.DiagnosisOK},
		{name: "not JSON", raw: json.RawMessage(`{"summary": "trunc`), status: ticket.DiagnosisRefused, field: "answer", reason: "not a diagnosis object"},
		{name: "an array", raw: json.RawMessage(`[1,2]`), status: ticket.DiagnosisRefused, field: "answer"},
		{name: "unknown field", raw: answer(t, func(m map[string]any) { m["execute_now"] = true }), status: ticket.DiagnosisRefused, reason: "execute_now"},
		{name: "no cause", raw: answer(t, func(m map[string]any) { m["probable_cause"] = " " }), status: ticket.DiagnosisRefused, reason: "probable_cause is empty"},
		{name: "confidence above 1", raw: answer(t, func(m map[string]any) { m["confidence"] = 1.5 }), status: ticket.DiagnosisRefused, reason: "outside [0, 1]"},
		{name: "confidence missing", raw: answer(t, func(m map[string]any) { delete(m, "confidence") }), status: ticket.DiagnosisRefused, field: "confidence"},
		{name: "severity unknown", raw: answer(t, func(m map[string]any) { m["severity"] = "apocalyptic" }), status: ticket.DiagnosisRefused, field: "severity"},
		{name: "invented evidence", raw: answer(t, func(m map[string]any) { m["evidence_ids"] = []any{"e1", "e9"} }), status: ticket.DiagnosisRefused,
			field: "evidence_ids", reason: `"e9", which the context never gave`},
		{name: "no evidence", raw: answer(t, func(m map[string]any) { m["evidence_ids"] = []any{} }), status: ticket.DiagnosisRefused, reason: "cites no evidence"},
		{name: "action not in the registry", raw: answer(t, func(m map[string]any) { proposal(m)["type"] = "delete-all-regions" }),
			status: ticket.DiagnosisProposalRefused, field: "proposed_action.type", reason: "not an action in the registry"},
		{name: "store that does not exist", raw: answer(t, func(m map[string]any) { params(m)["to_store_id"] = 99 }),
			status: ticket.DiagnosisProposalRefused, field: "proposed_action.params.to_store_id", reason: "store 99 is not in this ticket's context"},
		{name: "region not related", raw: answer(t, func(m map[string]any) { params(m)["region_id"] = 50 }),
			status: ticket.DiagnosisProposalRefused, field: "proposed_action.params.region_id", reason: "region 50"},
		{name: "id as a string", raw: answer(t, func(m map[string]any) { params(m)["to_store_id"] = "4" }),
			status: ticket.DiagnosisProposalRefused, field: "proposed_action.params.to_store_id", reason: "schema"},
		{name: "negative id", raw: answer(t, func(m map[string]any) { params(m)["to_store_id"] = -4 }),
			status: ticket.DiagnosisProposalRefused, field: "proposed_action.params.to_store_id", reason: "schema"},
		{name: "missing param", raw: answer(t, func(m map[string]any) { delete(params(m), "to_store_id") }),
			status: ticket.DiagnosisProposalRefused, field: "proposed_action.params", reason: "to_store_id"},
		{name: "extra param", raw: answer(t, func(m map[string]any) { params(m)["force"] = true }),
			status: ticket.DiagnosisProposalRefused, field: "proposed_action.params", reason: "force"},
		{name: "enum violated", raw: answer(t, func(m map[string]any) {
			m["proposed_action"] = map[string]any{"type": "set-schedule-limit", "params": map[string]any{"name": "max-replicas", "value": 5},
				"rationale": "r", "urgency": "soon", "expected_outcome": "o"}
		}), status: ticket.DiagnosisProposalRefused, field: "proposed_action.params.name", reason: "schema"},
		{name: "bound violated", raw: answer(t, func(m map[string]any) {
			m["proposed_action"] = map[string]any{"type": "set-schedule-limit", "params": map[string]any{"name": "leader-schedule-limit", "value": 100000},
				"rationale": "r", "urgency": "soon", "expected_outcome": "o"}
		}), status: ticket.DiagnosisProposalRefused, field: "proposed_action.params.value", reason: "schema"},
		{name: "duration past its bound", raw: answer(t, func(m map[string]any) {
			m["proposed_action"] = map[string]any{"type": "pause_scheduler", "params": map[string]any{"name": "balance-leader-scheduler", "for": "8760h"},
				"rationale": "r", "urgency": "soon", "expected_outcome": "o"}
		}), status: ticket.DiagnosisProposalRefused, field: "proposed_action.params.for", reason: "longer than the most allowed, 24h0m0s"},
		{name: "zero duration", raw: answer(t, func(m map[string]any) {
			m["proposed_action"] = map[string]any{"type": "pause_scheduler", "params": map[string]any{"name": "balance-leader-scheduler", "for": "0s"},
				"rationale": "r", "urgency": "soon", "expected_outcome": "o"}
		}), status: ticket.DiagnosisProposalRefused, field: "proposed_action.params.for", reason: "not a positive duration"},
		{name: "bad duration", raw: answer(t, func(m map[string]any) {
			m["proposed_action"] = map[string]any{"type": "pause_scheduler", "params": map[string]any{"name": "balance-leader-scheduler", "for": "forever"},
				"rationale": "r", "urgency": "soon", "expected_outcome": "o"}
		}), status: ticket.DiagnosisProposalRefused, field: "proposed_action.params.for", reason: "schema"},
		{name: "urgency unknown", raw: answer(t, func(m map[string]any) { proposal(m)["urgency"] = "yesterday" }),
			status: ticket.DiagnosisProposalRefused, reason: "urgency"},
		{name: "no rationale", raw: answer(t, func(m map[string]any) { proposal(m)["rationale"] = "" }),
			status: ticket.DiagnosisProposalRefused, reason: "no rationale"},
		{name: "too long", raw: json.RawMessage(`{"summary":"` + strings.Repeat("a", maxAnswerBytes) + `"}`), status: ticket.DiagnosisRefused, reason: "bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Check(tc.raw, testContext(), testActions)
			if got.Status != tc.status {
				t.Fatalf("status %s, want %s; refusals %v", got.Status, tc.status, got.Refusals)
			}
			switch tc.status {
			case ticket.DiagnosisOK:
				if got.Diagnosis == nil || len(got.Refusals) != 0 {
					t.Fatalf("ok without a clean diagnosis: %+v", got)
				}
				return
			case ticket.DiagnosisRefused:
				if got.Diagnosis != nil {
					t.Errorf("refused answer kept a diagnosis: %+v", got.Diagnosis)
				}
			case ticket.DiagnosisProposalRefused:
				if got.Diagnosis == nil || got.Diagnosis.Proposal != nil {
					t.Errorf("proposal refused: diagnosis %+v must stay, its proposal must go", got.Diagnosis)
				}
			}
			if len(got.Refusals) == 0 {
				t.Fatal("refused without a reason")
			}
			r := got.Refusals[0]
			if tc.field != "" && r.Field != tc.field {
				t.Errorf("field %q, want %q (%v)", r.Field, tc.field, got.Refusals)
			}
			if tc.reason != "" && !strings.Contains(r.Reason, tc.reason) {
				t.Errorf("reason %q lacks %q", r.Reason, tc.reason)
			}
		})
	}
}

// An accepted proposal carries ids in plain decimal, whatever JSON number
// form the answer used.
func TestCheckNormalizesEntityIDs(t *testing.T) {
	got := Check(answer(t, func(m map[string]any) { params(m)["to_store_id"] = 4.0 }), testContext(), testActions)
	if got.Status != ticket.DiagnosisOK {
		t.Fatalf("%+v", got)
	}
	if v := got.Diagnosis.Proposal.Params["to_store_id"]; v != json.Number("4") {
		t.Errorf("to_store_id = %#v", v)
	}
}

func TestCheckDropsBadAlternatives(t *testing.T) {
	got := Check(answer(t, func(m map[string]any) {
		m["alternatives"] = []any{
			map[string]any{"type": "none", "why_not": "the hotspot is not going away"},
			map[string]any{"type": "rm-rf", "why_not": "x"},
			map[string]any{"type": "transfer_leader", "why_not": ""},
		}
	}), testContext(), testActions)
	if got.Status != ticket.DiagnosisOK || len(got.Diagnosis.Alternatives) != 1 || len(got.Refusals) != 2 {
		t.Fatalf("%+v", got)
	}
	if got.Refusals[0].Field != "alternatives[1]" || !strings.Contains(got.Refusals[0].Reason, "dropped") {
		t.Errorf("refusal %+v", got.Refusals[0])
	}
}

// An alternative is held to the proposal's checks on the params it gives:
// it may leave them out, not name a store the context never showed.
func TestCheckAlternativeParams(t *testing.T) {
	got := Check(answer(t, func(m map[string]any) {
		m["alternatives"] = []any{
			map[string]any{"type": "transfer_leader", "params": map[string]any{"to_store_id": 99}, "why_not": "x"},
			map[string]any{"type": "transfer_leader", "params": map[string]any{"to_store_id": 2}, "why_not": "store 2 is busy"},
			map[string]any{"type": "none", "params": map[string]any{"x": 1}, "why_not": "y"},
		}
	}), testContext(), testActions)
	if got.Status != ticket.DiagnosisOK || len(got.Diagnosis.Alternatives) != 1 || len(got.Refusals) != 2 {
		t.Fatalf("%+v", got)
	}
	if !strings.Contains(got.Refusals[0].Reason, "store 99") {
		t.Errorf("refusal %+v", got.Refusals[0])
	}
}

// The schema a model gets names only the evidence and entities it was shown.
func TestAnswerSchemaLimitsToTheContext(t *testing.T) {
	s := AnswerSchema(testContext(), testActions)
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"enum":["e1","e2"]`, `"enum":[1,2,4]`, `"enum":[49]`, `"const":"transfer_leader"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("schema lacks %s", want)
		}
	}
}
