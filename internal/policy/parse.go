package policy

import (
	"fmt"
	"maps"
	"slices"

	"github.com/operator-dev/operator/internal/yamldoc"
	"gopkg.in/yaml.v3"
)

// Top-level keys, in the order the example file uses.
var topKeys = []string{"tiers", "actions", "auto-approve", "maintenance-windows", "always-allowed", "rate-limits"}

// Parse reads and validates a policy document. known maps every action the
// registry offers to its risk tier ("low", "medium", "high"); an action name
// the registry does not know is refused wherever it appears, so a nil map
// allows policies that name no action. The error, if any, is Problems:
// every problem in the document, each with its line and column.
func Parse(data []byte, known map[string]string) (*Policy, error) {
	ps := &parser{known: known, actionNames: slices.Sorted(maps.Keys(known))}
	pol := ps.document(data)
	if len(ps.problems) > 0 {
		ps.problems.SortByPosition()
		return nil, ps.problems
	}
	pol.digest = digestOf(pol)
	return pol, nil
}

// parser walks the YAML node tree, rather than unmarshalling into structs,
// so that every problem, not just the first, is found with its position.
type parser struct {
	known       map[string]string
	actionNames []string
	problems    Problems
}

func (ps *parser) report(n *yaml.Node, path, format string, args ...any) {
	p := Problem{Path: path, Message: fmt.Sprintf(format, args...)}
	if n != nil {
		p.Line, p.Column = n.Line, n.Column
	}
	ps.problems = append(ps.problems, p)
}

func (ps *parser) document(data []byte) *Policy {
	root, err := yamldoc.ParseOne(data)
	if err != nil {
		ps.problems = append(ps.problems, yamldoc.SyntaxProblem("", data, err))
		return nil
	}
	if root == nil || isNull(root) {
		ps.problems = append(ps.problems, Problem{Line: 1, Message: "empty policy: want at least tiers (low, medium, high)"})
		return nil
	}
	if yamldoc.Deref(root).Kind != yaml.MappingNode {
		ps.report(root, "", "want a mapping of %s, got %s", joinKeys(topKeys), yamldoc.Describe(root))
		return nil
	}
	pol := &Policy{tiers: map[string]Requirement{}, overrides: map[string]override{}, rateLimits: map[string]int{}}
	var tiersOK map[string]bool
	var actions *yaml.Node
	seenTiers := false
	ps.mapping(yamldoc.Deref(root), "", topKeys, func(key string, k, v *yaml.Node) {
		switch key {
		case "tiers":
			seenTiers = true
			tiersOK = ps.tiers(pol, k, v)
		case "actions":
			actions = v // after the tiers, which its entries refine
		case "auto-approve":
			ps.autoApprove(pol, v)
		case "maintenance-windows":
			ps.windows(pol, v)
		case "always-allowed":
			pol.alwaysAllowed = ps.actionList(v, key)
			slices.Sort(pol.alwaysAllowed)
		case "rate-limits":
			ps.rateLimits(pol, v)
		}
	})
	if !seenTiers {
		ps.report(root, "tiers", "missing: every policy sets the low, medium and high tiers")
	}
	if actions != nil {
		ps.overrides(pol, actions, tiersOK)
	}
	return pol
}

// mapping calls fn for each entry of the mapping n whose key is in keys (any
// key when keys is nil), in document order. Non-string keys, merge keys,
// duplicates and (with keys) unknown keys are reported and skipped.
func (ps *parser) mapping(n *yaml.Node, path string, keys []string, fn func(key string, k, v *yaml.Node)) {
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := yamldoc.Deref(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			ps.report(n.Content[i], path, "key must be a string, got %s", yamldoc.Describe(k))
			continue
		}
		if k.ShortTag() == "!!merge" {
			ps.report(k, path, "merge keys (<<) are not supported; write the keys out")
			continue
		}
		sub := join(path, k.Value)
		if first, dup := seen[k.Value]; dup {
			ps.report(k, sub, "duplicate key (first at line %d)", first)
			continue
		}
		seen[k.Value] = k.Line
		if keys != nil && !slices.Contains(keys, k.Value) {
			ps.report(k, sub, "%s", unknownName("key", k.Value, keys))
			continue
		}
		fn(k.Value, k, v)
	}
}

// section returns n as a mapping, or reports what it is instead. An empty
// value ("actions:" with everything below commented out) is no mapping and
// no problem.
func (ps *parser) section(n *yaml.Node, path, want string) (*yaml.Node, bool) {
	switch d := yamldoc.Deref(n); {
	case d.Kind == yaml.MappingNode:
		return d, true
	case isNull(d):
		return nil, false
	default:
		ps.report(n, path, "want %s, got %s", want, yamldoc.Describe(d))
		return nil, false
	}
}

// list returns n as a sequence, or reports what it is instead.
func (ps *parser) list(n *yaml.Node, path, want string) (*yaml.Node, bool) {
	switch d := yamldoc.Deref(n); {
	case d.Kind == yaml.SequenceNode:
		return d, true
	case isNull(d):
		return nil, false
	default:
		ps.report(n, path, "want %s, got %s", want, yamldoc.Describe(d))
		return nil, false
	}
}

// action checks an action name against the registry and returns its risk.
func (ps *parser) action(n *yaml.Node, path string) (name, risk string, ok bool) {
	name, err := nodeString(n)
	if err != nil {
		ps.report(n, path, "%v", err)
		return "", "", false
	}
	return ps.actionName(n, path, name)
}

func (ps *parser) actionName(n *yaml.Node, path, name string) (string, string, bool) {
	risk, ok := ps.known[name]
	if !ok {
		ps.report(n, path, "%s", unknownName("action", name, ps.actionNames))
		return "", "", false
	}
	return name, risk, true
}

// actionList reads a list of distinct action names.
func (ps *parser) actionList(n *yaml.Node, path string) []string {
	seq, ok := ps.list(n, path, "a list of action names")
	if !ok {
		return nil
	}
	var out []string
	for _, item := range seq.Content {
		name, _, ok := ps.action(item, path)
		if !ok {
			continue
		}
		if slices.Contains(out, name) {
			ps.report(item, path, "%s is listed twice", name)
			continue
		}
		out = append(out, name)
	}
	return out
}

func (ps *parser) rateLimits(pol *Policy, n *yaml.Node) {
	m, ok := ps.section(n, "rate-limits", "a mapping of action name to runs per hour")
	if !ok {
		return
	}
	ps.mapping(m, "rate-limits", nil, func(key string, k, v *yaml.Node) {
		path := join("rate-limits", key)
		name, _, ok := ps.actionName(k, path, key)
		if !ok {
			return
		}
		limit, err := nodeInt(v)
		switch {
		case err != nil:
			ps.report(v, path, "%v", err)
		case limit < 1 || limit > MaxRatePerHour:
			ps.report(v, path, "want 1 to %d runs started per hour, got %d (remove the key for no limit)", MaxRatePerHour, limit)
		default:
			pol.rateLimits[name] = int(limit)
		}
	})
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }
