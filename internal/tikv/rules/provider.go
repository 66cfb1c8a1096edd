package rules

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/operator-dev/operator/internal/diagnose"
	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/ticket"
)

// Name is the provider's name; Model is what its answers say they came
// from (bump the version when a rule changes what it concludes).
const (
	Name  = "rules"
	Model = "rules/v1"
)

// Provider is the offline rule engine: a diagnose.Provider that needs no
// network and answers the same way for the same context.
type Provider struct{}

var _ diagnose.Provider = (*Provider)(nil)

// New returns the rule engine. It has no dependencies: everything it
// judges is in the context Gather built.
func New() *Provider { return &Provider{} }

// Name returns "rules".
func (*Provider) Name() string { return Name }

// Diagnose reads the context's typed evidence (decoding it from JSON when
// the context came back from storage) and answers a ticket.Diagnosis as
// JSON. A proposal names only actions the request offers and entities the
// context shows; anything else is turned into an alternative with the
// reason. An error means there is nothing to diagnose (no context, or no
// evidence to cite).
func (*Provider) Diagnose(ctx context.Context, req diagnose.Request) (diagnose.Answer, error) {
	if err := ctx.Err(); err != nil {
		return diagnose.Answer{}, fmt.Errorf("rules: %w", err)
	}
	if req.Context == nil {
		return diagnose.Answer{}, errors.New("rules: no context to diagnose")
	}
	v := newView(req.Context)
	if v.ticketID == "" {
		return diagnose.Answer{}, fmt.Errorf("rules: diagnose ticket %s: the context has no evidence to cite", req.Context.Ticket.DedupKey)
	}
	r := diagnoseView(v)
	d := r.diagnosis(v, req.Actions)
	raw, err := json.Marshal(d)
	if err != nil {
		return diagnose.Answer{}, fmt.Errorf("rules: diagnose ticket %s: encode: %w", v.t.DedupKey, err)
	}
	return diagnose.Answer{Raw: raw, Model: Model}, nil
}

// diagnoseView picks the rule for the ticket.
func diagnoseView(v *view) *result {
	if v.t.Subject == alertmanagerSubject || strings.HasPrefix(v.t.Invariant, "alert:") {
		return alertRule(v)
	}
	if rule, ok := ruleTable[v.t.Invariant]; ok {
		return rule(v)
	}
	return unknownRule(v)
}

// alertmanagerSubject is the subject of tickets from Alertmanager (the api
// package's AlertmanagerSubject; not imported, the adapter must not depend
// on the API).
const alertmanagerSubject = "alertmanager"

// Confidence levels: a clear-cut reading, a likely one, a guess.
const (
	confClear  = 0.9
	confLikely = 0.75
	confGuess  = 0.6
)

// result is one rule's conclusion before it becomes a ticket.Diagnosis.
type result struct {
	summary    string
	cause      string
	cites      []string
	confidence float64
	risks      []string
	proposal   *ticket.Proposal
	alts       []ticket.Alternative
}

func (r *result) cite(ids ...string) {
	for _, id := range ids {
		if id != "" {
			r.cites = append(r.cites, id)
		}
	}
}

func (r *result) propose(typ string, params map[string]any, urgency, rationale, outcome string) {
	r.proposal = &ticket.Proposal{Type: typ, Params: params, Urgency: urgency, Rationale: rationale, ExpectedOutcome: outcome}
}

func (r *result) alt(typ string, params map[string]any, whyNot string) {
	r.alts = append(r.alts, ticket.Alternative{Type: typ, Params: params, WhyNot: whyNot})
}

func (r *result) risk(s ...string) { r.risks = append(r.risks, s...) }

// diagnosis finishes a result: the ticket's severity, the ticket evidence
// always cited, citations deduplicated and limited to evidence that
// exists, and the proposal checked against what the request offers.
func (r *result) diagnosis(v *view, offered []subject.ActionSpec) ticket.Diagnosis {
	sev := v.t.Severity
	if !sev.Valid() {
		sev = ticket.Warning
	}
	d := ticket.Diagnosis{
		Summary: r.summary, Cause: r.cause, Confidence: r.confidence, Severity: sev,
		Risks: r.risks, EvidenceIDs: []string{},
	}
	seen := map[string]bool{}
	for _, id := range append([]string{v.ticketID}, r.cites...) {
		if _, ok := v.c.EvidenceByID(id); ok && !seen[id] {
			seen[id] = true
			d.EvidenceIDs = append(d.EvidenceIDs, id)
		}
	}
	if p := r.proposal; p != nil {
		if why := unfit(p.Type, p.Params, v.c, offered); why != "" {
			r.alts = append([]ticket.Alternative{{Type: p.Type, Params: p.Params, WhyNot: why}}, r.alts...)
			d.Confidence = min(d.Confidence, confGuess)
		} else {
			d.Proposal = p
		}
	}
	for _, a := range r.alts {
		if _, ok := subject.Action(offered, a.Type); ok || a.Type == "none" {
			// An alternative keeps its params only where they name what
			// the context shows (diagnose.Check holds alternatives to that
			// too); otherwise it stays as the kind of action considered.
			if len(a.Params) > 0 && unfit(a.Type, a.Params, v.c, offered) != "" {
				a.Params = nil
			}
			d.Alternatives = append(d.Alternatives, a)
		}
	}
	return d
}

// unfit says why a proposal cannot be made here: its action is not
// offered, or it names an entity the context does not show. The rules
// build their params from the context, so this is a guard, not a filter
// they rely on.
func unfit(typ string, params map[string]any, c *subject.Context, offered []subject.ActionSpec) string {
	spec, ok := subject.Action(offered, typ)
	if !ok {
		return typ + " would help, but this adapter does not offer it"
	}
	for _, p := range spec.Params {
		if !p.Type.Entity() {
			continue
		}
		val, present := params[p.Name]
		if !present {
			return fmt.Sprintf("%s would help, but no %s is known", typ, p.Name)
		}
		if id := fmt.Sprint(val); !c.Known(p.Type, id) {
			return fmt.Sprintf("%s would help, but %s %s is not in this context", typ, p.Name, id)
		}
	}
	return ""
}
