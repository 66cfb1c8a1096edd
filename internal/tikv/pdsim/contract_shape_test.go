package pdsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// This file holds the shape comparison the contract tests use: two JSON
// documents have the same shape when they have the same field names, the
// same JSON types and the same nesting, recursively. Arrays are compared by
// the union of their elements' shapes; objects whose keys are ids (store or
// region numbers, as in /stores/limit or the hotspot maps) are compared by
// the union of their values.

// decodeJSON parses b keeping numbers exact (cluster ids exceed 2^53).
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after JSON value")
	}
	return v, nil
}

// shape is the union of the shapes of one or more JSON values.
type shape struct {
	kinds map[string]bool // null, bool, number, string, object, array
	// objects
	fields map[string]*shape
	// idCounts records how many id keys ("1", "2", ...) objects at this
	// position had; id keys are merged into the "{id}" field.
	idCounts map[int]bool
	// arrays
	elem       *shape
	emptyArray bool
	fullArray  bool
}

const idField = "{id}"

var idKey = regexp.MustCompile(`^[0-9]+$`)

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "bool"
	case json.Number, float64:
		return "number"
	case string:
		return "string"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return fmt.Sprintf("%T", v)
}

func shapeOf(v any) *shape {
	s := &shape{}
	s.add(v)
	return s
}

func (s *shape) add(v any) {
	if s.kinds == nil {
		s.kinds = map[string]bool{}
	}
	s.kinds[kindOf(v)] = true
	switch x := v.(type) {
	case map[string]any:
		if s.fields == nil {
			s.fields = map[string]*shape{}
		}
		ids := 0
		for k, fv := range x {
			name := k
			if idKey.MatchString(k) {
				name = idField
				ids++
			}
			f := s.fields[name]
			if f == nil {
				f = &shape{}
				s.fields[name] = f
			}
			f.add(fv)
		}
		if ids > 0 {
			if s.idCounts == nil {
				s.idCounts = map[int]bool{}
			}
			s.idCounts[ids] = true
		}
	case []any:
		if len(x) == 0 {
			s.emptyArray = true
			return
		}
		s.fullArray = true
		if s.elem == nil {
			s.elem = &shape{}
		}
		for _, e := range x {
			s.elem.add(e)
		}
	}
}

func (s *shape) kindList() string {
	var ks []string
	for k := range s.kinds {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, "|")
}

// shapeRules relax the comparison where a difference is legitimate. Each
// rule is documented where it is declared.
type shapeRules struct {
	// extraOK: fields pdsim may emit that the capture lacks, keyed by field
	// name or dotted path suffix (see ruleMatches), valued by the reason.
	extraOK map[string]string
	// missingOK: fields the capture has and pdsim may lack, keyed the same way.
	missingOK map[string]string
}

// ruleMatches tells whether a rule key names field at path: either the bare
// field name or a dotted suffix of the full path without array brackets
// ("store.status_address", "peers.role").
func ruleMatches(rules map[string]string, path, field string) bool {
	full := strings.ReplaceAll(path+"."+field, "[]", "")
	for key := range rules {
		if key == field || strings.HasSuffix(full, "."+key) {
			return true
		}
	}
	return false
}

func (r shapeRules) extra(path, field string) bool { return ruleMatches(r.extraOK, path, field) }

func (r shapeRules) missing(path, field string) bool { return ruleMatches(r.missingOK, path, field) }

// compareShapes reports every difference between want (the capture) and got
// (pdsim), one line each.
func compareShapes(path string, want, got *shape, r shapeRules) []string {
	var diffs []string
	if want.kindList() != got.kindList() {
		return []string{fmt.Sprintf("%s: PD has type %s, pdsim has %s", pathOrRoot(path), want.kindList(), got.kindList())}
	}
	if want.kinds["object"] {
		names := map[string]bool{}
		for k := range want.fields {
			names[k] = true
		}
		for k := range got.fields {
			names[k] = true
		}
		sorted := make([]string, 0, len(names))
		for k := range names {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			wf, gf := want.fields[k], got.fields[k]
			sub := path + "." + k
			switch {
			case wf == nil:
				if !r.extra(path, k) {
					diffs = append(diffs, fmt.Sprintf("%s: pdsim has field %q that PD does not return here", pathOrRoot(path), k))
				}
			case gf == nil:
				if !r.missing(path, k) {
					diffs = append(diffs, fmt.Sprintf("%s: PD returns field %q, pdsim lacks it", pathOrRoot(path), k))
				}
			default:
				diffs = append(diffs, compareShapes(sub, wf, gf, r)...)
			}
		}
		if len(want.idCounts) > 0 && len(got.idCounts) > 0 && !sameIntSet(want.idCounts, got.idCounts) {
			diffs = append(diffs, fmt.Sprintf("%s: PD's map has %v ids, pdsim's %v", pathOrRoot(path), intSet(want.idCounts), intSet(got.idCounts)))
		}
	}
	if want.kinds["array"] {
		switch {
		case want.elem != nil && got.elem != nil:
			diffs = append(diffs, compareShapes(path+"[]", want.elem, got.elem, r)...)
		case (want.elem == nil) != (got.elem == nil):
			// Strict: every setup reproduces the captured situation, so an
			// empty list on one side only is a difference.
			diffs = append(diffs, fmt.Sprintf("%s: PD's array is %s, pdsim's is %s", pathOrRoot(path), emptiness(want), emptiness(got)))
		}
	}
	return diffs
}

func emptiness(s *shape) string {
	if s.elem == nil {
		return "empty"
	}
	return "non-empty"
}

func pathOrRoot(p string) string {
	if p == "" {
		return "(body)"
	}
	return p
}

func sameIntSet(a, b map[int]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func intSet(m map[int]bool) []int {
	var out []int
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

// digits normalizes ids and numbers embedded in messages.
var digits = regexp.MustCompile(`[0-9]+`)

func normDigits(s string) string { return digits.ReplaceAllString(s, "N") }

// compareErrorValues compares an error body exactly: every string equal
// after digit normalization, every number equal, except fields that carry
// times.
func compareErrorValues(path string, want, got any) []string {
	if kindOf(want) != kindOf(got) {
		return []string{fmt.Sprintf("%s: PD has %s, pdsim has %s", pathOrRoot(path), kindOf(want), kindOf(got))}
	}
	switch w := want.(type) {
	case string:
		g := got.(string)
		if normDigits(w) != normDigits(g) {
			return []string{fmt.Sprintf("%s: PD says %q, pdsim says %q", pathOrRoot(path), w, g)}
		}
	case json.Number:
		if strings.HasSuffix(path, "start_timestamp") {
			return nil
		}
		if w.String() != got.(json.Number).String() {
			return []string{fmt.Sprintf("%s: PD has %s, pdsim has %s", pathOrRoot(path), w, got)}
		}
	case bool:
		if w != got.(bool) {
			return []string{fmt.Sprintf("%s: PD has %v, pdsim has %v", pathOrRoot(path), w, got)}
		}
	case map[string]any:
		g := got.(map[string]any)
		var diffs []string
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				diffs = append(diffs, fmt.Sprintf("%s: PD returns field %q, pdsim lacks it", pathOrRoot(path), k))
				continue
			}
			diffs = append(diffs, compareErrorValues(path+"."+k, wv, gv)...)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				diffs = append(diffs, fmt.Sprintf("%s: pdsim has field %q that PD does not return", pathOrRoot(path), k))
			}
		}
		sort.Strings(diffs)
		return diffs
	case []any:
		g := got.([]any)
		if len(w) != len(g) {
			return []string{fmt.Sprintf("%s: PD has %d elements, pdsim %d", pathOrRoot(path), len(w), len(g))}
		}
		var diffs []string
		for i := range w {
			diffs = append(diffs, compareErrorValues(fmt.Sprintf("%s[%d]", path, i), w[i], g[i])...)
		}
		return diffs
	}
	return nil
}

// Operator descriptions embed Go's default time format with the monotonic
// clock reading; those and ids are volatile. The timeout, the size and the
// current step are kept: they follow from the operator's steps and the
// region, which the setups reproduce.
var (
	goTimeRe  = regexp.MustCompile(`[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)? \+0000 UTC( m=\+[0-9]+\.[0-9]+)?`)
	recDurRe  = regexp.MustCompile(`duration:[0-9.]+[a-zµ]+`)
	opKeepRe  = regexp.MustCompile(`timeout:\[[^\]]*\]|currentStep:[0-9]+|size:[0-9]+`)
	opDescRe  = regexp.MustCompile(`^(status: [A-Z]+, operator: )?([a-z-]+) \{`)
	curStepRe = regexp.MustCompile(`currentStep:([0-9]+)`)
)

// normOp normalizes an operator description: timestamps become T, record
// durations D, ids and other numbers N.
func normOp(s string) string {
	s = goTimeRe.ReplaceAllString(s, "T")
	s = recDurRe.ReplaceAllString(s, "duration:D")
	var b strings.Builder
	last := 0
	for _, m := range opKeepRe.FindAllStringIndex(s, -1) {
		b.WriteString(normDigits(s[last:m[0]]))
		b.WriteString(s[m[0]:m[1]])
		last = m[1]
	}
	b.WriteString(normDigits(s[last:]))
	return b.String()
}

// opDesc returns the operator's desc ("admin-transfer-leader") from its text.
func opDesc(s string) string {
	m := opDescRe.FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return m[2]
}

func opStep(s string) string {
	m := curStepRe.FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return m[1]
}
