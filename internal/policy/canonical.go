package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"gopkg.in/yaml.v3"
)

// The canonical form is a policy document Parse accepts, written with
// fixed key order, no comments and normalized values (durations as Go
// prints them, days Monday first, always-allowed sorted). Two files that
// mean the same policy have the same canonical form and so the same Digest.
type docPolicy struct {
	Tiers         docTiers               `yaml:"tiers"`
	Actions       map[string]docOverride `yaml:"actions,omitempty"`
	AutoApprove   []docRule              `yaml:"auto-approve,omitempty"`
	Windows       []docWindow            `yaml:"maintenance-windows,omitempty"`
	AlwaysAllowed []string               `yaml:"always-allowed,flow,omitempty"`
	RateLimits    map[string]int         `yaml:"rate-limits,omitempty"`
}

type docTiers struct {
	Low    docTier `yaml:"low"`
	Medium docTier `yaml:"medium"`
	High   docTier `yaml:"high"`
}

type docTier struct {
	Approvers          int      `yaml:"approvers"`
	Roles              []string `yaml:"roles,flow"`
	ProposerMayApprove bool     `yaml:"proposer-may-approve"`
	EscalateAfter      string   `yaml:"escalate-after,omitempty"`
	ExpireAfter        string   `yaml:"expire-after"`
}

type docOverride struct {
	Approvers          *int     `yaml:"approvers,omitempty"`
	Roles              []string `yaml:"roles,flow,omitempty"`
	ProposerMayApprove *bool    `yaml:"proposer-may-approve,omitempty"`
	EscalateAfter      string   `yaml:"escalate-after,omitempty"`
	ExpireAfter        string   `yaml:"expire-after,omitempty"`
}

type docRule struct {
	Name          string         `yaml:"name"`
	Invariant     string         `yaml:"invariant"`
	Action        string         `yaml:"action"`
	MinConfidence float64        `yaml:"min-confidence"`
	Params        map[string]any `yaml:"params,flow,omitempty"`
}

type docWindow struct {
	Days     []string `yaml:"days,flow"`
	Start    string   `yaml:"start"`
	End      string   `yaml:"end"`
	Timezone string   `yaml:"timezone"`
}

// Marshal returns the policy's canonical form, a YAML document that Parse
// reads back to an equal policy (given the same registry).
func (p *Policy) Marshal() []byte {
	d := docPolicy{
		Tiers: docTiers{
			Low:    tierDoc(p.tiers[RiskLow]),
			Medium: tierDoc(p.tiers[RiskMedium]),
			High:   tierDoc(p.tiers[RiskHigh]),
		},
		AlwaysAllowed: p.alwaysAllowed,
	}
	if len(p.overrides) > 0 {
		d.Actions = map[string]docOverride{}
		for name, o := range p.overrides {
			d.Actions[name] = docOverride{Approvers: o.approvers, Roles: o.roles, ProposerMayApprove: o.proposerMayApprove,
				EscalateAfter: durationText(o.escalateAfter), ExpireAfter: durationText(o.expireAfter)}
		}
	}
	for _, r := range p.rules {
		d.AutoApprove = append(d.AutoApprove, docRule{Name: r.name, Invariant: r.invariant, Action: r.action,
			MinConfidence: r.minConfidence, Params: r.params})
	}
	for _, w := range p.windows {
		d.Windows = append(d.Windows, docWindow{Days: w.dayList(), Start: clock(w.start), End: clock(w.end), Timezone: w.zone})
	}
	if len(p.rateLimits) > 0 {
		d.RateLimits = p.rateLimits
	}
	out, err := yaml.Marshal(d)
	if err != nil {
		// Every field is a plain string, number, bool, list or map.
		panic(fmt.Sprintf("policy: marshal canonical form: %v", err))
	}
	return out
}

func tierDoc(r Requirement) docTier {
	t := docTier{Approvers: r.Approvers, Roles: slices.Clone(r.Roles), ProposerMayApprove: r.ProposerMayApprove,
		ExpireAfter: short(r.ExpireAfter)}
	if r.EscalateAfter > 0 {
		t.EscalateAfter = short(r.EscalateAfter)
	}
	return t
}

func durationText(d *time.Duration) string {
	if d == nil {
		return ""
	}
	return short(*d)
}

func digestOf(p *Policy) string {
	sum := sha256.Sum256(p.Marshal())
	return hex.EncodeToString(sum[:])
}
