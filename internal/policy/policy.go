package policy

import (
	"slices"
	"time"
)

// Risk tier names, as the registry and action runs spell them.
const (
	RiskLow    = "low"
	RiskMedium = "medium"
	RiskHigh   = "high"
)

// Role names, as internal/auth spells them. Viewers only read; they can
// never approve, whatever a policy says.
const (
	RoleViewer   = "viewer"
	RoleApprover = "approver"
	RoleAdmin    = "admin"
)

// Limits a policy must stay inside.
const (
	MaxApprovers = 5
	// MinHighApprovers is the separation-of-duties floor for high-risk
	// actions: one person can never push one through alone.
	MinHighApprovers = 2
	// MaxExpireAfter bounds how long a proposal may wait: after a week
	// the cluster it was proposed for is not the cluster it would run on.
	MaxExpireAfter = 7 * 24 * time.Hour
	// MaxRatePerHour bounds a rate limit; more is no limit at all.
	MaxRatePerHour = 1000
)

var (
	risks         = []string{RiskLow, RiskMedium, RiskHigh}
	approverRoles = []string{RoleApprover, RoleAdmin}
)

// Requirement is what approving one action takes.
type Requirement struct {
	// Approvers is how many distinct people must approve.
	Approvers int
	// Roles are the roles whose holders may approve.
	Roles []string
	// ProposerMayApprove lets whoever proposed the action approve it (and
	// count towards Approvers).
	ProposerMayApprove bool
	// EscalateAfter: unapproved this long after proposal, notify the next
	// tier of people (0: never escalate). ExpireAfter: unapproved this
	// long, the proposal expires.
	EscalateAfter, ExpireAfter time.Duration
}

func (r Requirement) clone() Requirement {
	r.Roles = slices.Clone(r.Roles)
	return r
}

// override is a per-action refinement of its tier; nil fields inherit.
type override struct {
	approvers          *int
	roles              []string
	proposerMayApprove *bool
	escalateAfter      *time.Duration
	expireAfter        *time.Duration
}

func (o override) apply(r Requirement) Requirement {
	if o.approvers != nil {
		r.Approvers = *o.approvers
	}
	if o.roles != nil {
		r.Roles = slices.Clone(o.roles)
	}
	if o.proposerMayApprove != nil {
		r.ProposerMayApprove = *o.proposerMayApprove
	}
	if o.escalateAfter != nil {
		r.EscalateAfter = *o.escalateAfter
	}
	if o.expireAfter != nil {
		r.ExpireAfter = *o.expireAfter
	}
	return r
}

// Policy is a validated approval policy. It is immutable once built (by
// Parse or Default), so one value may be shared by every goroutine.
type Policy struct {
	tiers         map[string]Requirement // by risk; always all three
	overrides     map[string]override    // by action name
	rules         []autoRule             // in file order; the first match wins
	windows       []window
	alwaysAllowed []string // sorted
	rateLimits    map[string]int
	digest        string
}

// Default is the built-in policy used when no policy file is configured:
// one approver for low and medium risk (the proposer may approve only low),
// two for high, none of them the proposer; escalation after 15 minutes; no
// auto-approval, maintenance windows or rate limits.
func Default() *Policy {
	p := &Policy{
		tiers: map[string]Requirement{
			RiskLow: {Approvers: 1, Roles: []string{RoleApprover, RoleAdmin}, ProposerMayApprove: true,
				EscalateAfter: 15 * time.Minute, ExpireAfter: time.Hour},
			RiskMedium: {Approvers: 1, Roles: []string{RoleApprover, RoleAdmin},
				EscalateAfter: 15 * time.Minute, ExpireAfter: time.Hour},
			RiskHigh: {Approvers: 2, Roles: []string{RoleApprover, RoleAdmin},
				EscalateAfter: 15 * time.Minute, ExpireAfter: 2 * time.Hour},
		},
		overrides:  map[string]override{},
		rateLimits: map[string]int{},
	}
	p.digest = digestOf(p)
	return p
}

// Tier returns the requirement of a risk tier as written, without any
// action's override. An unknown risk gets the high tier: when in doubt,
// ask for more.
func (p *Policy) Tier(risk string) Requirement {
	r, ok := p.tiers[risk]
	if !ok {
		r = p.tiers[RiskHigh]
	}
	return r.clone()
}

// Requirement returns what approving action takes at the given risk: its
// tier with the action's override applied. The high-risk floor (two
// approvers, not the proposer) is applied again here, so an override
// validated when the action was still medium risk cannot weaken it after
// the registry raised the action's risk.
func (p *Policy) Requirement(action, risk string) Requirement {
	if !slices.Contains(risks, risk) {
		risk = RiskHigh
	}
	r := p.Tier(risk)
	if o, ok := p.overrides[action]; ok {
		r = o.apply(r)
	}
	if risk == RiskHigh {
		r.Approvers = max(r.Approvers, MinHighApprovers)
		r.ProposerMayApprove = false
	}
	return r
}

// RateLimit returns the most runs of action that may start per hour; 0
// means no limit.
func (p *Policy) RateLimit(action string) int { return p.rateLimits[action] }

// Digest identifies the policy's content: the hex SHA-256 of its canonical
// form (Marshal), so comments, key order and spacing do not change it. An
// audit record stores it to say which policy approved what.
func (p *Policy) Digest() string { return p.digest }
