package policy

import (
	"regexp"

	"gopkg.in/yaml.v3"
)

var (
	ruleKeys = []string{"name", "invariant", "action", "min-confidence", "params"}
	// A rule's name is quoted in audit records and URLs; keep it plain.
	ruleNameRE  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	invariantRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,126}$`)
	paramNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
)

func (ps *parser) autoApprove(pol *Policy, n *yaml.Node) {
	seq, ok := ps.list(n, "auto-approve", "a list of runbook rules")
	if !ok {
		return
	}
	names := map[string]int{}
	for i, item := range seq.Content {
		path := index("auto-approve", i)
		m, ok := ps.section(item, path, "a mapping of "+joinKeys(ruleKeys))
		if !ok {
			if isNull(item) {
				ps.report(item, path, "empty rule: set name, invariant, action and min-confidence")
			}
			continue
		}
		before := len(ps.problems)
		var r autoRule
		set := map[string]bool{}
		ps.mapping(m, path, ruleKeys, func(key string, k, v *yaml.Node) {
			p := join(path, key)
			set[key] = true
			switch key {
			case "name":
				s, err := nodeString(v)
				switch {
				case err != nil:
					ps.report(v, p, "%v", err)
				case !ruleNameRE.MatchString(s):
					ps.report(v, p, "rule name %q: use lower-case letters, digits and - (at most 63)", s)
				case names[s] > 0:
					ps.report(v, p, "rule name %q is already used at line %d", s, names[s])
				default:
					r.name, names[s] = s, v.Line
				}
			case "invariant":
				s, err := nodeString(v)
				switch {
				case err != nil:
					ps.report(v, p, "%v", err)
				case !invariantRE.MatchString(s):
					ps.report(v, p, "invariant %q: want a name such as hot-write-region", s)
				default:
					r.invariant = s
				}
			case "action":
				name, risk, ok := ps.action(v, p)
				switch {
				case !ok:
				case risk != RiskLow:
					ps.report(v, p, "auto-approve is only for low-risk actions; %s is %s risk", name, riskName(risk))
				default:
					r.action = name
				}
			case "min-confidence":
				c, err := nodeFloat(v)
				switch {
				case err != nil:
					ps.report(v, p, "%v", err)
				case !(c > 0 && c <= 1):
					ps.report(v, p, "want a confidence above 0 and at most 1, got %v", c)
				default:
					r.minConfidence = c
				}
			case "params":
				r.params = ps.params(v, p)
			}
		})
		for _, key := range ruleKeys[:4] {
			if !set[key] {
				ps.report(item, join(path, key), "missing: every rule sets name, invariant, action and min-confidence")
			}
		}
		if len(ps.problems) == before {
			pol.rules = append(pol.rules, r)
		}
	}
}

func riskName(risk string) string {
	if risk == "" {
		return "unrated"
	}
	return risk
}

// params reads the parameters a proposal must match: names to plain values.
func (ps *parser) params(n *yaml.Node, path string) map[string]any {
	m, ok := ps.section(n, path, "a mapping of parameter name to value")
	if !ok {
		return nil
	}
	out := map[string]any{}
	ps.mapping(m, path, nil, func(key string, k, v *yaml.Node) {
		p := join(path, key)
		if !paramNameRE.MatchString(key) {
			ps.report(k, p, "parameter name %q: want a name such as region_id", key)
			return
		}
		val, err := scalar(v)
		if err != nil {
			ps.report(v, p, "%v", err)
			return
		}
		out[key] = val
	})
	if len(out) == 0 {
		return nil
	}
	return out
}
