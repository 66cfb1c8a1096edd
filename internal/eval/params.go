package eval

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/operator-dev/operator/internal/diagnose"
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

// paramsEqual compares params as diagnose.SameParams does.
func paramsEqual(typ string, want, got map[string]any) bool {
	spec, _ := subject.Action(actions.Registry(), typ)
	return diagnose.SameParams(spec, want, got)
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
		if f, ok := diagnose.Number(v); ok {
			if _, isString := v.(string); !isString {
				v = strconv.FormatFloat(f, 'g', -1, 64)
			}
		}
		parts[i] = fmt.Sprintf("%s=%v", k, v)
	}
	return strings.Join(parts, " ")
}
