package diagnose

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/operator-dev/operator/internal/subject"
)

// SameParams reports whether two parameter sets of the action ask for the
// same thing: numbers compare by value whatever their form (an int from
// YAML, a json.Number or float64 from a model, "2" in a string), durations
// by length ("1h" and "60m" are the same pause), anything else by text.
func SameParams(spec subject.ActionSpec, a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, av := range a {
		bv, ok := b[k]
		if !ok || canonicalParam(paramTypeOf(spec, k), av) != canonicalParam(paramTypeOf(spec, k), bv) {
			return false
		}
	}
	return true
}

func paramTypeOf(spec subject.ActionSpec, name string) subject.ParamType {
	for _, p := range spec.Params {
		if p.Name == name {
			return p.Type
		}
	}
	return ""
}

// canonicalParam writes one param value in a canonical form.
func canonicalParam(t subject.ParamType, v any) string {
	if t == subject.ParamDuration {
		if s, ok := v.(string); ok {
			if d, err := time.ParseDuration(s); err == nil {
				return d.String()
			}
		}
	}
	if f, ok := Number(v); ok {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return fmt.Sprint(v)
}

// Number reads a param value in any numeric form, including a number in a
// string ("2").
func Number(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint64:
		return float64(n), true
	case float64:
		return n, !math.IsNaN(n)
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(n, 64)
		return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
	}
	return 0, false
}
