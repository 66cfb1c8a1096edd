package policy

import (
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

var requirementKeys = []string{"approvers", "roles", "proposer-may-approve", "escalate-after", "expire-after"}

// setAt records where each requirement field was written; nil means not
// written here (required and missing in a tier, inherited in an override).
type setAt struct {
	approvers, roles, proposer, escalate, expire *yaml.Node
}

// tiers reads the three tiers and reports which of them are valid, so the
// overrides refining a broken tier are not checked against it.
func (ps *parser) tiers(pol *Policy, key, n *yaml.Node) map[string]bool {
	ok := map[string]bool{}
	m, isMap := ps.section(n, "tiers", "a mapping of low, medium and high")
	if !isMap {
		if isNull(n) {
			ps.report(key, "tiers", "empty: every policy sets the low, medium and high tiers")
		}
		return ok
	}
	seen := map[string]bool{}
	ps.mapping(m, "tiers", risks, func(risk string, k, v *yaml.Node) {
		seen[risk] = true
		path := join("tiers", risk)
		tm, isMap := ps.section(v, path, "a mapping of "+joinKeys(requirementKeys))
		if !isMap {
			if isNull(v) {
				ps.report(k, path, "empty tier: set at least approvers, roles and expire-after")
			}
			return
		}
		before := len(ps.problems)
		var r Requirement
		at := ps.requirement(tm, path, &r)
		for _, f := range []struct {
			node *yaml.Node
			key  string
		}{{at.approvers, "approvers"}, {at.roles, "roles"}, {at.expire, "expire-after"}} {
			if f.node == nil && !ps.reportedUnder(before, join(path, f.key)) {
				ps.report(k, join(path, f.key), "missing: every tier sets approvers, roles and expire-after")
			}
		}
		ps.crossCheck(r, risk, at, path)
		pol.tiers[risk] = r
		ok[risk] = len(ps.problems) == before
	})
	var missing []string
	for _, risk := range risks {
		if !seen[risk] {
			missing = append(missing, risk)
		}
	}
	switch len(missing) {
	case 0:
	case 1:
		ps.report(key, "tiers", "missing tier %s (every policy sets low, medium and high)", missing[0])
	default:
		ps.report(key, "tiers", "missing tiers %s (every policy sets low, medium and high)", strings.Join(missing, ", "))
	}
	return ok
}

// reportedUnder reports whether a problem at path was found since the
// first `since` problems, so a bad value is not also called missing.
func (ps *parser) reportedUnder(since int, path string) bool {
	for _, p := range ps.problems[since:] {
		if p.Path == path {
			return true
		}
	}
	return false
}

// requirement reads the fields present in m onto r and says where each was
// set. A field with a bad value is reported and left as it was.
func (ps *parser) requirement(m *yaml.Node, path string, r *Requirement) setAt {
	var at setAt
	ps.mapping(m, path, requirementKeys, func(key string, k, v *yaml.Node) {
		p := join(path, key)
		switch key {
		case "approvers":
			n, err := nodeInt(v)
			switch {
			case err != nil:
				ps.report(v, p, "%v", err)
			case n < 1 || n > MaxApprovers:
				ps.report(v, p, "want 1 to %d distinct approvers, got %d", MaxApprovers, n)
			default:
				r.Approvers, at.approvers = int(n), v
			}
		case "roles":
			if roles, ok := ps.roles(v, p); ok {
				r.Roles, at.roles = roles, v
			}
		case "proposer-may-approve":
			if b, err := nodeBool(v); err != nil {
				ps.report(v, p, "%v", err)
			} else {
				r.ProposerMayApprove, at.proposer = b, v
			}
		case "escalate-after":
			if d, err := nodeDuration(v); err != nil {
				ps.report(v, p, "%v", err)
			} else {
				r.EscalateAfter, at.escalate = d, v
			}
		case "expire-after":
			d, err := nodeDuration(v)
			switch {
			case err != nil:
				ps.report(v, p, "%v", err)
			case d > MaxExpireAfter:
				ps.report(v, p, "at most %s: a proposal that old was made for a different cluster", MaxExpireAfter)
			default:
				r.ExpireAfter, at.expire = d, v
			}
		}
	})
	return at
}

// roles reads a non-empty list of approving roles, in rank order so the
// canonical form does not depend on how they were listed.
func (ps *parser) roles(n *yaml.Node, path string) ([]string, bool) {
	seq, ok := ps.list(n, path, "a list of roles (approver, admin)")
	if !ok {
		if isNull(n) {
			ps.report(n, path, "empty: list the roles that may approve (approver, admin)")
		}
		return nil, false
	}
	if len(seq.Content) == 0 {
		ps.report(n, path, "empty: list the roles that may approve (approver, admin)")
		return nil, false
	}
	var got []string
	good := true
	for _, item := range seq.Content {
		role, err := nodeString(item)
		switch {
		case err != nil:
			ps.report(item, path, "%v", err)
		case role == RoleViewer:
			ps.report(item, path, "viewers may not approve: they can only read (want approver or admin)")
		case !slices.Contains(approverRoles, role):
			ps.report(item, path, "%s", unknownName("role", role, approverRoles))
		case slices.Contains(got, role):
			ps.report(item, path, "role %q is listed twice", role)
		default:
			got = append(got, role)
			continue
		}
		good = false
	}
	var ordered []string
	for _, r := range approverRoles {
		if slices.Contains(got, r) {
			ordered = append(ordered, r)
		}
	}
	return ordered, good
}

// crossCheck applies the rules that span fields to r, the requirement in
// force, but reports only a rule one of whose fields was written where at
// points: an override is not blamed for its tier's mistakes.
func (ps *parser) crossCheck(r Requirement, risk string, at setAt, path string) {
	if r.EscalateAfter > 0 && r.ExpireAfter > 0 && r.ExpireAfter <= r.EscalateAfter {
		if n, key := firstSet(at.expire, "expire-after", at.escalate, "escalate-after"); n != nil {
			ps.report(n, join(path, key), "expire-after (%s) must be longer than escalate-after (%s): nobody is asked again about an expired proposal",
				short(r.ExpireAfter), short(r.EscalateAfter))
		}
	}
	if risk != RiskHigh {
		return
	}
	if at.approvers != nil && r.Approvers < MinHighApprovers {
		ps.report(at.approvers, join(path, "approvers"), "high-risk actions need at least %d distinct approvers (separation of duties), got %d",
			MinHighApprovers, r.Approvers)
	}
	if at.proposer != nil && r.ProposerMayApprove {
		ps.report(at.proposer, join(path, "proposer-may-approve"), "must be false for high-risk actions: nobody approves their own high-risk proposal (separation of duties)")
	}
}

func firstSet(a *yaml.Node, akey string, b *yaml.Node, bkey string) (*yaml.Node, string) {
	if a != nil {
		return a, akey
	}
	return b, bkey
}

// short prints a duration without trailing zero units: 1h, not 1h0m0s.
func short(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// overrides reads per-action refinements of the tiers. Each is checked in
// the light of its action's tier, so "drain_store: {approvers: 1}" on a
// high-risk action is refused just as it would be in the high tier.
func (ps *parser) overrides(pol *Policy, n *yaml.Node, tiersOK map[string]bool) {
	m, ok := ps.section(n, "actions", "a mapping of action name to overrides")
	if !ok {
		return
	}
	ps.mapping(m, "actions", nil, func(key string, k, v *yaml.Node) {
		path := join("actions", key)
		name, risk, ok := ps.actionName(k, path, key)
		if !ok {
			return
		}
		om, isMap := ps.section(v, path, "a mapping of "+joinKeys(requirementKeys))
		if !isMap {
			if isNull(v) {
				ps.report(k, path, "no overrides given; remove the entry or set one of %s", joinKeys(requirementKeys))
			}
			return
		}
		if len(om.Content) == 0 {
			ps.report(k, path, "no overrides given; remove the entry or set one of %s", joinKeys(requirementKeys))
			return
		}
		before := len(ps.problems)
		tierRisk := risk
		if !slices.Contains(risks, tierRisk) {
			tierRisk = RiskHigh // as Requirement does for an unrated action
		}
		r := pol.tiers[tierRisk].clone()
		at := ps.requirement(om, path, &r)
		if len(ps.problems) > before {
			return
		}
		if tiersOK[tierRisk] {
			ps.crossCheck(r, tierRisk, at, path)
		}
		var o override
		if at.approvers != nil {
			o.approvers = &r.Approvers
		}
		if at.roles != nil {
			o.roles = r.Roles
		}
		if at.proposer != nil {
			o.proposerMayApprove = &r.ProposerMayApprove
		}
		if at.escalate != nil {
			o.escalateAfter = &r.EscalateAfter
		}
		if at.expire != nil {
			o.expireAfter = &r.ExpireAfter
		}
		pol.overrides[name] = o
	})
}

func joinKeys(keys []string) string {
	switch len(keys) {
	case 0:
		return ""
	case 1:
		return keys[0]
	}
	out := ""
	for i, k := range keys {
		switch {
		case i == 0:
		case i == len(keys)-1:
			out += " or "
		default:
			out += ", "
		}
		out += k
	}
	return out
}
