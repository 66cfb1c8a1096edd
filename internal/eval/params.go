package eval

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/tikv/actions"
)

// checkActionParams refuses an expected action the registry does not have,
// or params it does not take, so a typo in a scenario is a parse error
// rather than a provider's unfair loss.
func checkActionParams(a Action) error {
	spec, ok := subject.Action(actions.Registry(), a.Type)
	if !ok {
		var names []string
		for _, s := range actions.Registry() {
			names = append(names, s.Name)
		}
		return fmt.Errorf("type %q is not an action in the registry (known: %s)", a.Type, strings.Join(names, ", "))
	}
	known := map[string]bool{}
	for _, p := range spec.Params {
		known[p.Name] = true
		if _, set := a.Params[p.Name]; p.Required && !set {
			return fmt.Errorf("%s needs param %s", a.Type, p.Name)
		}
	}
	for name := range a.Params {
		if !known[name] {
			return fmt.Errorf("%s takes no param %q", a.Type, name)
		}
	}
	return nil
}

// paramsEqual compares params after normalizing their values: numbers
// (an int from YAML, a json.Number or float64 from a model) by value,
// durations by length ("1h" and "60m" are the same pause), anything else
// by its text.
func paramsEqual(typ string, want, got map[string]any) bool {
	if len(want) != len(got) {
		return false
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok || normalize(typ, k, w) != normalize(typ, k, g) {
			return false
		}
	}
	return true
}

// normalize writes one param value in a canonical form.
func normalize(typ, name string, v any) string {
	if paramType(typ, name) == subject.ParamDuration {
		if s, ok := v.(string); ok {
			if d, err := time.ParseDuration(s); err == nil {
				return d.String()
			}
		}
	}
	if f, ok := number(v); ok {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return fmt.Sprint(v)
}

func paramType(typ, name string) subject.ParamType {
	spec, ok := subject.Action(actions.Registry(), typ)
	if !ok {
		return ""
	}
	for _, p := range spec.Params {
		if p.Name == name {
			return p.Type
		}
	}
	return ""
}

// number reads any numeric form, including numbers in strings ("2").
func number(v any) (float64, bool) {
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

// paramsText is "name=value ..." in key order, for the table.
func paramsText(p map[string]any) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		v := p[k]
		if f, ok := number(v); ok {
			if _, isString := v.(string); !isString {
				v = strconv.FormatFloat(f, 'g', -1, 64)
			}
		}
		parts[i] = fmt.Sprintf("%s=%v", k, v)
	}
	return strings.Join(parts, " ")
}
