package policy

import (
	"encoding/json"
	"math"
)

// autoRule is a pre-authorized runbook: a low-risk action proposed for a
// known invariant, confidently and undisputed, is approved without a human.
type autoRule struct {
	name          string
	invariant     string
	action        string
	minConfidence float64
	// params must each equal the proposal's; values are string, int64,
	// float64 or bool.
	params map[string]any
}

// AutoApprove reports which rule, if any, pre-approves a proposal: the first
// whose invariant and action match, whose listed params all equal the
// proposal's and whose min-confidence the diagnosis reaches. Only low-risk
// actions qualify and a disputed diagnosis never does, whatever the rules
// say; the risk is the registry's, passed in, not the policy's belief.
func (p *Policy) AutoApprove(invariant, action, risk string, confidence float64, disputed bool, params map[string]any) (rule string, ok bool) {
	if risk != RiskLow || disputed || math.IsNaN(confidence) {
		return "", false
	}
	for _, r := range p.rules {
		if r.invariant == invariant && r.action == action && confidence >= r.minConfidence && paramsMatch(r.params, params) {
			return r.name, true
		}
	}
	return "", false
}

func paramsMatch(want, got map[string]any) bool {
	for k, w := range want {
		g, ok := got[k]
		if !ok || !equalValue(w, g) {
			return false
		}
	}
	return true
}

// equalValue compares a rule's value with a proposal's: numbers by value
// (a proposal decoded from JSON holds 42 as float64, a rule as int64),
// strings and booleans exactly, and never a number with a string.
func equalValue(want, got any) bool {
	switch w := want.(type) {
	case string:
		g, ok := got.(string)
		return ok && g == w
	case bool:
		g, ok := got.(bool)
		return ok && g == w
	}
	wn, ok := number(want)
	if !ok {
		return false
	}
	gn, ok := number(got)
	if !ok {
		return false
	}
	if wn.isInt && gn.isInt {
		return wn.i == gn.i
	}
	return wn.f == gn.f
}

// num holds a number exactly when it is an integer that fits in int64, so
// large region ids compare exactly; otherwise as float64.
type num struct {
	isInt bool
	i     int64
	f     float64
}

func number(v any) (num, bool) {
	switch x := v.(type) {
	case int:
		return intNum(int64(x)), true
	case int8:
		return intNum(int64(x)), true
	case int16:
		return intNum(int64(x)), true
	case int32:
		return intNum(int64(x)), true
	case int64:
		return intNum(x), true
	case uint:
		return uintNum(uint64(x)), true
	case uint8:
		return intNum(int64(x)), true
	case uint16:
		return intNum(int64(x)), true
	case uint32:
		return intNum(int64(x)), true
	case uint64:
		return uintNum(x), true
	case float32:
		return floatNum(float64(x)), true
	case float64:
		return floatNum(x), true
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return intNum(i), true
		}
		if f, err := x.Float64(); err == nil {
			return floatNum(f), true
		}
	}
	return num{}, false
}

func intNum(i int64) num { return num{isInt: true, i: i, f: float64(i)} }

func uintNum(u uint64) num {
	if u <= math.MaxInt64 {
		return intNum(int64(u))
	}
	return num{f: float64(u)}
}

// floatNum keeps a whole float in int64 range as an integer, so 42.0 from
// JSON equals 42 from YAML exactly. NaN equals nothing, as it should.
func floatNum(f float64) num {
	if f == math.Trunc(f) && f >= -(1<<63) && f < 1<<63 {
		return intNum(int64(f))
	}
	return num{f: f}
}
