package diagnose

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/ticket"
)

// FuzzCheck feeds any bytes, as a model could write them, to Check. It
// must not panic, and its verdict must hold together: a refused answer
// has no diagnosis and says why; an accepted one is a valid diagnosis
// that cites only evidence the context gave; an accepted proposal is a
// registry action whose entities are all in the context; every kept
// alternative is a registry action or "none"; the diagnosis encodes as
// JSON (it is stored and shown).
func FuzzCheck(f *testing.F) {
	base := `{"summary":"region 49 is hot","probable_cause":"sequential inserts","evidence_ids":["e1","e2"],"confidence":0.8,"severity":"warning",` +
		`"proposed_action":{"type":"transfer_leader","params":{"region_id":49,"to_store_id":4},"rationale":"idle follower","urgency":"soon","expected_outcome":"halved"}}`
	for _, s := range []string{base,
		`{"summary":"s","probable_cause":"c","evidence_ids":["e1"],"confidence":1,"severity":"critical","proposed_action":null}`,
		`{"summary":"s","probable_cause":"c","evidence_ids":["e9"],"confidence":2,"severity":"bad"}`,
		`{"summary":"s","probable_cause":"c","evidence_ids":["e1"],"confidence":0.5,"severity":"info","alternatives":[{"type":"none","why_not":"x"},{"type":"transfer_leader","params":{"region_id":"49"},"why_not":"y"}]}`,
		`{"summary":"s","probable_cause":"c","evidence_ids":["e1"],"confidence":0.5,"severity":"info","proposed_action":{"type":"pause_scheduler","params":{"name":"x","for":"1h"}}}`,
		`{"summary":"s"} {"summary":"t"}`, `null`, `[]`, `{"summary":`, "\xff",
	} {
		f.Add([]byte(s))
	}
	ctx := testContext()
	f.Fuzz(func(t *testing.T, raw []byte) {
		got := Check(raw, ctx, testActions)
		switch got.Status {
		case ticket.DiagnosisRefused:
			if got.Diagnosis != nil || len(got.Refusals) == 0 {
				t.Fatalf("refused with diagnosis %+v and refusals %v", got.Diagnosis, got.Refusals)
			}
			return
		case ticket.DiagnosisOK, ticket.DiagnosisProposalRefused:
		default:
			t.Fatalf("status %q", got.Status)
		}
		d := got.Diagnosis
		if d == nil {
			t.Fatalf("status %s without a diagnosis", got.Status)
		}
		if err := d.Validate(); err != nil {
			t.Fatalf("accepted an invalid diagnosis: %v (%+v)", err, d)
		}
		for _, id := range d.EvidenceIDs {
			if _, ok := ctx.EvidenceByID(id); !ok {
				t.Fatalf("accepted a citation of %q", id)
			}
		}
		if got.Status == ticket.DiagnosisProposalRefused && (d.Proposal != nil || len(got.Refusals) == 0) {
			t.Fatalf("proposal refused, yet kept (%+v) or unexplained (%v)", d.Proposal, got.Refusals)
		}
		if p := d.Proposal; p != nil {
			spec, ok := subject.Action(testActions, p.Type)
			if !ok {
				t.Fatalf("accepted proposal of %q", p.Type)
			}
			checkEntities(t, spec, p.Params, ctx)
		}
		for _, a := range d.Alternatives {
			spec, ok := subject.Action(testActions, a.Type)
			if !ok && a.Type != "none" {
				t.Fatalf("kept alternative %q", a.Type)
			}
			if strings.TrimSpace(a.WhyNot) == "" {
				t.Fatalf("kept alternative %q without why_not", a.Type)
			}
			if ok {
				checkEntities(t, spec, a.Params, ctx)
			}
		}
		for _, r := range got.Refusals {
			if r.Field == "" || r.Reason == "" {
				t.Fatalf("refusal without field or reason: %+v", r)
			}
		}
		if _, err := json.Marshal(d); err != nil {
			t.Fatalf("accepted diagnosis does not encode: %v", err)
		}
	})
}

// checkEntities: every store or region an accepted action names is one
// the context shows.
func checkEntities(t *testing.T, spec subject.ActionSpec, params map[string]any, ctx *subject.Context) {
	t.Helper()
	for _, p := range spec.Params {
		v, ok := params[p.Name]
		if !ok || !p.Type.Entity() {
			continue
		}
		n, isNum := v.(json.Number)
		if !isNum || !ctx.Known(p.Type, string(n)) {
			t.Fatalf("%s.%s = %#v accepted, not an entity of the context", spec.Name, p.Name, v)
		}
	}
}
