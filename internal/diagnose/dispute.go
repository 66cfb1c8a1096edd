package diagnose

import (
	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/ticket"
)

// DisputedConfidenceCap is the most confidence a diagnosis keeps when the
// rules provider and a model disagree on what to do.
const DisputedConfidenceCap = 0.5

// markDisputes compares the rules provider's proposal with every other
// provider's in one round. Where they differ (one proposes an action and
// the other none, or different actions, or the same action with other
// parameters) both records are marked disputed and the model's confidence
// is capped: a human must decide, and no policy may approve it alone.
// Records without an accepted diagnosis take no part.
func markDisputes(recs []ticket.DiagnosisRecord, rulesName string, actions []subject.ActionSpec) {
	var rules *ticket.DiagnosisRecord
	for i := range recs {
		if recs[i].Provider == rulesName && recs[i].Diagnosis != nil {
			rules = &recs[i]
		}
	}
	if rules == nil {
		return
	}
	for i := range recs {
		r := &recs[i]
		if r == rules || r.Diagnosis == nil {
			continue
		}
		if sameAction(rules.Diagnosis.Proposal, r.Diagnosis.Proposal, actions) {
			continue
		}
		r.Disputed, rules.Disputed = true, true
		r.Diagnosis.Confidence = min(r.Diagnosis.Confidence, DisputedConfidenceCap)
	}
}

// sameAction reports whether two proposals ask for the same thing.
func sameAction(a, b *ticket.Proposal, actions []subject.ActionSpec) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	spec, _ := subject.Action(actions, a.Type)
	return a.Type == b.Type && SameParams(spec, a.Params, b.Params)
}
