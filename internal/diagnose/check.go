package diagnose

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/ticket"
)

// Checked is an answer after Check: the status it earned, the diagnosis
// that survived (nil when refused), and every reason something was not
// accepted.
type Checked struct {
	Status    ticket.DiagnosisStatus
	Diagnosis *ticket.Diagnosis
	Refusals  []ticket.Refusal
}

// maxAnswerBytes bounds an answer; a model that rambles past it is refused.
const maxAnswerBytes = 64 << 10

// wireAnswer is the answer with its proposal kept raw, so a bad proposal
// does not take the rest of the diagnosis with it.
type wireAnswer struct {
	Summary      string            `json:"summary"`
	Cause        string            `json:"probable_cause"`
	EvidenceIDs  []string          `json:"evidence_ids"`
	Confidence   *float64          `json:"confidence"`
	Severity     string            `json:"severity"`
	Risks        []string          `json:"risks"`
	Proposal     json.RawMessage   `json:"proposed_action"`
	Alternatives []json.RawMessage `json:"alternatives"`
}

type wireProposal struct {
	Type            string          `json:"type"`
	Params          json.RawMessage `json:"params"`
	Rationale       string          `json:"rationale"`
	Urgency         string          `json:"urgency"`
	ExpectedOutcome string          `json:"expected_outcome"`
}

// Check trusts nothing in an answer. The diagnosis is refused when it is
// not the expected JSON, lacks a cause or summary, has no valid confidence
// or severity, or cites evidence the context never gave. A valid diagnosis
// keeps its text while its proposal is refused when the action is not in
// the registry, its params fail the action's schema, or an entity it names
// (a store, a region) is not one the context shows. Alternatives that are
// not registry actions (or "none") are dropped with a refusal.
func Check(raw json.RawMessage, c *subject.Context, actions []subject.ActionSpec) Checked {
	refuse := func(field, format string, args ...any) Checked {
		return Checked{Status: ticket.DiagnosisRefused, Refusals: []ticket.Refusal{{Field: field, Reason: fmt.Sprintf(format, args...)}}}
	}
	if len(raw) > maxAnswerBytes {
		return refuse("answer", "is %d bytes, more than the %d allowed", len(raw), maxAnswerBytes)
	}
	var w wireAnswer
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return refuse("answer", "is not a diagnosis object: %v", err)
	}
	if dec.More() {
		return refuse("answer", "has data after the diagnosis object")
	}
	d := &ticket.Diagnosis{
		Summary: strings.TrimSpace(w.Summary), Cause: strings.TrimSpace(w.Cause),
		EvidenceIDs: w.EvidenceIDs, Risks: w.Risks,
	}
	var out Checked
	if w.Confidence == nil {
		out.Refusals = append(out.Refusals, ticket.Refusal{Field: "confidence", Reason: "is missing"})
	} else {
		d.Confidence = *w.Confidence
	}
	if err := d.Severity.UnmarshalText([]byte(w.Severity)); err != nil {
		out.Refusals = append(out.Refusals, ticket.Refusal{Field: "severity", Reason: fmt.Sprintf("%q is not info, warning or critical", w.Severity)})
		d.Severity = ticket.Info // keeps Validate's report to the other fields
	}
	if err := d.Validate(); err != nil {
		out.Refusals = append(out.Refusals, ticket.Refusal{Field: "diagnosis", Reason: strings.TrimPrefix(err.Error(), ticket.ErrInvalid.Error()+": diagnosis: ")})
	}
	for _, id := range w.EvidenceIDs {
		if _, ok := c.EvidenceByID(id); !ok {
			out.Refusals = append(out.Refusals, ticket.Refusal{Field: "evidence_ids", Reason: fmt.Sprintf("cites %q, which the context never gave", id)})
		}
	}
	if len(out.Refusals) > 0 {
		out.Status = ticket.DiagnosisRefused
		return out
	}

	out.Status = ticket.DiagnosisOK
	out.Diagnosis = d
	if p, refusals := checkProposal(w.Proposal, c, actions); len(refusals) > 0 {
		out.Status = ticket.DiagnosisProposalRefused
		out.Refusals = append(out.Refusals, refusals...)
	} else {
		d.Proposal = p
	}
	for i, a := range w.Alternatives {
		alt, err := checkAlternative(a, c, actions)
		if err != nil {
			out.Refusals = append(out.Refusals, ticket.Refusal{Field: fmt.Sprintf("alternatives[%d]", i), Reason: err.Error() + " (dropped)"})
			continue
		}
		d.Alternatives = append(d.Alternatives, alt)
	}
	return out
}

// checkProposal returns the proposal, or why it is refused. No proposal
// (absent or null) is a valid answer: doing nothing is often right.
func checkProposal(raw json.RawMessage, c *subject.Context, actions []subject.ActionSpec) (*ticket.Proposal, []ticket.Refusal) {
	if len(raw) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil, nil
	}
	refusal := func(field, format string, args ...any) []ticket.Refusal {
		return []ticket.Refusal{{Field: "proposed_action" + field, Reason: fmt.Sprintf(format, args...)}}
	}
	var w wireProposal
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return nil, refusal("", "is not a proposal object: %v", err)
	}
	spec, ok := subject.Action(actions, w.Type)
	if !ok {
		return nil, refusal(".type", "%q is not an action in the registry (known: %s)", w.Type, actionNames(actions))
	}
	params, refusals := checkParams(spec, w.Params, c)
	p := &ticket.Proposal{Type: w.Type, Params: params, Rationale: strings.TrimSpace(w.Rationale),
		Urgency: w.Urgency, ExpectedOutcome: strings.TrimSpace(w.ExpectedOutcome)}
	shape := ticket.Diagnosis{Summary: "-", Cause: "-", EvidenceIDs: []string{"-"}, Severity: ticket.Info, Proposal: p}
	if err := shape.Validate(); err != nil {
		refusals = append(refusals, ticket.Refusal{Field: "proposed_action", Reason: strings.TrimPrefix(err.Error(), ticket.ErrInvalid.Error()+": diagnosis: ")})
	}
	if len(refusals) > 0 {
		return nil, refusals
	}
	return p, nil
}

// checkParams validates params against the action's JSON Schema, then
// checks every entity it names against the context.
func checkParams(spec subject.ActionSpec, raw json.RawMessage, c *subject.Context) (map[string]any, []ticket.Refusal) {
	field := "proposed_action.params"
	if len(raw) == 0 {
		raw = json.RawMessage("{}")
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, []ticket.Refusal{{Field: field, Reason: fmt.Sprintf("are not JSON: %v", err)}}
	}
	sch, err := compileParams(spec)
	if err != nil {
		return nil, []ticket.Refusal{{Field: field, Reason: fmt.Sprintf("cannot be checked: %v", err)}}
	}
	if err := sch.Validate(inst); err != nil {
		var ve *jsonschema.ValidationError
		if !errors.As(err, &ve) {
			return nil, []ticket.Refusal{{Field: field, Reason: err.Error()}}
		}
		return nil, schemaRefusals(field, ve)
	}
	params, _ := inst.(map[string]any)
	var refusals []ticket.Refusal
	for _, p := range spec.Params {
		v, ok := params[p.Name]
		if !ok {
			continue
		}
		if p.Type == subject.ParamDuration {
			if why := durationOutOfBounds(p, v); why != "" {
				refusals = append(refusals, ticket.Refusal{Field: field + "." + p.Name, Reason: why})
			}
			continue
		}
		if !p.Type.Entity() {
			continue
		}
		id := entityID(v)
		params[p.Name] = json.Number(id) // 3.0 and 3 name the same store
		if !c.Known(p.Type, id) {
			refusals = append(refusals, ticket.Refusal{Field: field + "." + p.Name,
				Reason: fmt.Sprintf("%s %s is not in this ticket's context: it does not exist or is unrelated (shown: %s)",
					entityWord(p.Type), id, shown(c.Entities[p.Type]))})
		}
	}
	return params, refusals
}

// compileParams compiles the action's params schema (entities as positive
// integers; membership is checked against the context separately, with a
// clearer message).
func compileParams(spec subject.ActionSpec) (*jsonschema.Schema, error) {
	doc, err := json.Marshal(ParamsSchema(spec, nil))
	if err != nil {
		return nil, err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, err
	}
	comp := jsonschema.NewCompiler()
	url := "operator:params/" + spec.Name + ".json"
	if err := comp.AddResource(url, v); err != nil {
		return nil, err
	}
	return comp.Compile(url)
}

// schemaRefusals flattens a validation error into one refusal per failing
// place, in a stable order.
func schemaRefusals(field string, ve *jsonschema.ValidationError) []ticket.Refusal {
	var out []ticket.Refusal
	var walk func(u jsonschema.OutputUnit)
	walk = func(u jsonschema.OutputUnit) {
		if u.Error != nil && len(u.Errors) == 0 {
			loc := strings.ReplaceAll(strings.TrimPrefix(u.InstanceLocation, "/"), "/", ".")
			f := field
			if loc != "" {
				f += "." + loc
			}
			out = append(out, ticket.Refusal{Field: f, Reason: "fails the action's schema: " + u.Error.String()})
		}
		for _, e := range u.Errors {
			walk(e)
		}
	}
	walk(*ve.BasicOutput())
	if len(out) == 0 {
		out = append(out, ticket.Refusal{Field: field, Reason: "fails the action's schema: " + ve.Error()})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// checkAlternative holds an alternative's params to the same checks as a
// proposal's: an option "considered" must not name what does not exist.
func checkAlternative(raw json.RawMessage, c *subject.Context, actions []subject.ActionSpec) (ticket.Alternative, error) {
	var a ticket.Alternative
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		return a, fmt.Errorf("is not an alternative object: %v", err)
	}
	spec, ok := subject.Action(actions, a.Type)
	if !ok && a.Type != "none" {
		return a, fmt.Errorf("%q is not an action in the registry", a.Type)
	}
	if strings.TrimSpace(a.WhyNot) == "" {
		return a, errors.New("says nothing about why not")
	}
	if len(a.Params) > 0 {
		if !ok {
			return a, errors.New(`"none" takes no params`)
		}
		raw, err := json.Marshal(a.Params)
		if err != nil {
			return a, fmt.Errorf("params: %v", err)
		}
		// An alternative may leave params out, not get them wrong.
		params, refusals := checkParamsPartial(spec, raw, c)
		if len(refusals) > 0 {
			return a, errors.New(refusals[0].String())
		}
		a.Params = params
	}
	return a, nil
}

// checkParamsPartial is checkParams for a sketch of an action: the params
// given must be right, but required ones may be missing.
func checkParamsPartial(spec subject.ActionSpec, raw json.RawMessage, c *subject.Context) (map[string]any, []ticket.Refusal) {
	loose := spec
	loose.Params = make([]subject.ParamSpec, len(spec.Params))
	for i, p := range spec.Params {
		p.Required = false
		loose.Params[i] = p
	}
	return checkParams(loose, raw, c)
}

func actionNames(actions []subject.ActionSpec) string {
	names := make([]string, len(actions))
	for i, a := range actions {
		names[i] = a.Name
	}
	return strings.Join(names, ", ")
}

func entityWord(t subject.ParamType) string {
	switch t {
	case subject.ParamStoreID:
		return "store"
	case subject.ParamRegionID:
		return "region"
	}
	return string(t)
}

// shown lists ids for a message, at most ten.
func shown(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	if len(ids) > 10 {
		return strings.Join(ids[:10], ", ") + ", …"
	}
	return strings.Join(ids, ", ")
}

// entityID writes an id the schema accepted (an integer, possibly as 3.0)
// in its plain decimal form.
func entityID(v any) string {
	n, ok := v.(json.Number)
	if !ok {
		return fmt.Sprint(v)
	}
	if i, err := n.Int64(); err == nil {
		return strconv.FormatInt(i, 10)
	}
	if f, err := n.Float64(); err == nil && f == math.Trunc(f) && f > 0 && f < 1<<63 {
		return strconv.FormatInt(int64(f), 10)
	}
	return n.String()
}

// durationOutOfBounds says why a duration the schema accepted is still
// wrong: not positive, or outside the spec's Min..Max (seconds).
func durationOutOfBounds(p subject.ParamSpec, v any) string {
	s, _ := v.(string)
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		return fmt.Sprintf("%q is not a duration", s)
	case d <= 0:
		return fmt.Sprintf("%s is not a positive duration", d)
	case p.Min > 0 && d.Seconds() < p.Min:
		return fmt.Sprintf("%s is shorter than the least allowed, %s", d, time.Duration(p.Min*float64(time.Second)))
	case p.Max > 0 && d.Seconds() > p.Max:
		return fmt.Sprintf("%s is longer than the most allowed, %s", d, time.Duration(p.Max*float64(time.Second)))
	}
	return ""
}
