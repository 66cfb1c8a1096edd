package policy

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// registry stands in for the TiKV adapter's action registry (names and
// risks copied from internal/tikv/actions), which this core package must
// not import.
var registry = map[string]string{
	"transfer_leader":      RiskLow,
	"split_region":         RiskLow,
	"cancel_operator":      RiskLow,
	"remove_evict_leaders": RiskLow,
	"resume_scheduler":     RiskLow,
	"transfer_peer":        RiskMedium,
	"add_peer":             RiskMedium,
	"merge_region":         RiskMedium,
	"cancel_drain":         RiskMedium,
	"evict_leaders":        RiskMedium,
	"pause_scheduler":      RiskMedium,
	"remove_peer":          RiskHigh,
	"drain_store":          RiskHigh,
}

// baseTiers is a valid tiers section that tests append other sections to.
const baseTiers = `tiers:
  low:
    approvers: 1
    roles: [approver, admin]
    proposer-may-approve: true
    escalate-after: 10m
    expire-after: 30m
  medium:
    approvers: 1
    roles: [approver, admin]
    escalate-after: 15m
    expire-after: 1h
  high:
    approvers: 2
    roles: [approver, admin]
    escalate-after: 15m
    expire-after: 2h
`

func mustParse(t *testing.T, doc string) *Policy {
	t.Helper()
	p, err := Parse([]byte(doc), registry)
	if err != nil {
		t.Fatalf("Parse:\n%s\nerror: %v", doc, err)
	}
	return p
}

func TestDefault(t *testing.T) {
	p := Default()
	want := map[string]Requirement{
		RiskLow:    {Approvers: 1, Roles: []string{"approver", "admin"}, ProposerMayApprove: true, EscalateAfter: 15 * time.Minute, ExpireAfter: time.Hour},
		RiskMedium: {Approvers: 1, Roles: []string{"approver", "admin"}, EscalateAfter: 15 * time.Minute, ExpireAfter: time.Hour},
		RiskHigh:   {Approvers: 2, Roles: []string{"approver", "admin"}, EscalateAfter: 15 * time.Minute, ExpireAfter: 2 * time.Hour},
	}
	for risk, w := range want {
		if got := p.Requirement("anything", risk); !reflect.DeepEqual(got, w) {
			t.Errorf("Default %s tier = %+v, want %+v", risk, got, w)
		}
	}
	if rule, ok := p.AutoApprove("hot-write-region", "split_region", RiskLow, 1, false, nil); ok {
		t.Errorf("Default auto-approves by rule %q; it has no rules", rule)
	}
	if ok, why, _ := p.CanStart("drain_store", time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)); !ok {
		t.Errorf("Default forbids starting: %s", why)
	}
	if n := p.RateLimit("split_region"); n != 0 {
		t.Errorf("Default rate limit = %d, want none", n)
	}
	// The default must be a policy a file could state: its canonical form
	// parses back to the same digest.
	again, err := Parse(p.Marshal(), registry)
	if err != nil {
		t.Fatalf("Default's canonical form does not parse: %v\n%s", err, p.Marshal())
	}
	if again.Digest() != p.Digest() {
		t.Errorf("Default's digest changes through its canonical form:\n%s", p.Marshal())
	}
}

func TestRequirementOverrides(t *testing.T) {
	p := mustParse(t, baseTiers+`actions:
  drain_store: {approvers: 3, roles: [admin], expire-after: 8h}
  cancel_operator: {escalate-after: 2m, expire-after: 10m}
  transfer_peer: {proposer-may-approve: true}
`)
	tests := []struct {
		action, risk string
		want         Requirement
	}{
		{"drain_store", RiskHigh, Requirement{Approvers: 3, Roles: []string{"admin"}, EscalateAfter: 15 * time.Minute, ExpireAfter: 8 * time.Hour}},
		{"remove_peer", RiskHigh, Requirement{Approvers: 2, Roles: []string{"approver", "admin"}, EscalateAfter: 15 * time.Minute, ExpireAfter: 2 * time.Hour}},
		{"cancel_operator", RiskLow, Requirement{Approvers: 1, Roles: []string{"approver", "admin"}, ProposerMayApprove: true, EscalateAfter: 2 * time.Minute, ExpireAfter: 10 * time.Minute}},
		{"transfer_peer", RiskMedium, Requirement{Approvers: 1, Roles: []string{"approver", "admin"}, ProposerMayApprove: true, EscalateAfter: 15 * time.Minute, ExpireAfter: time.Hour}},
		{"split_region", RiskLow, Requirement{Approvers: 1, Roles: []string{"approver", "admin"}, ProposerMayApprove: true, EscalateAfter: 10 * time.Minute, ExpireAfter: 30 * time.Minute}},
		// An unknown risk gets the high tier.
		{"split_region", "bogus", Requirement{Approvers: 2, Roles: []string{"approver", "admin"}, EscalateAfter: 15 * time.Minute, ExpireAfter: 2 * time.Hour}},
	}
	for _, tt := range tests {
		if got := p.Requirement(tt.action, tt.risk); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Requirement(%s, %s) = %+v, want %+v", tt.action, tt.risk, got, tt.want)
		}
	}
}

// An override validated while its action was medium risk must not weaken
// the high-risk floor once the registry calls the action high risk.
func TestRequirementHighFloorAtLookup(t *testing.T) {
	p := mustParse(t, baseTiers+`actions:
  transfer_peer: {approvers: 1, proposer-may-approve: true}
`)
	got := p.Requirement("transfer_peer", RiskHigh)
	if got.Approvers < MinHighApprovers || got.ProposerMayApprove {
		t.Errorf("transfer_peer at high risk = %+v; want >= %d approvers, proposer excluded", got, MinHighApprovers)
	}
	if got := p.Requirement("transfer_peer", RiskMedium); got.Approvers != 1 || !got.ProposerMayApprove {
		t.Errorf("transfer_peer at medium risk = %+v; want the override", got)
	}
}

// Requirement hands out copies: a caller changing its Roles must not change
// the shared policy.
func TestRequirementIsACopy(t *testing.T) {
	p := Default()
	r := p.Requirement("x", RiskLow)
	r.Roles[0] = "viewer"
	if got := p.Requirement("x", RiskLow).Roles[0]; got != "approver" {
		t.Errorf("changing a returned requirement changed the policy: roles[0] = %q", got)
	}
}

func TestRateLimit(t *testing.T) {
	p := mustParse(t, baseTiers+"rate-limits:\n  split_region: 6\n  drain_store: 1\n")
	for action, want := range map[string]int{"split_region": 6, "drain_store": 1, "transfer_leader": 0} {
		if got := p.RateLimit(action); got != want {
			t.Errorf("RateLimit(%s) = %d, want %d", action, got, want)
		}
	}
}

// A nil registry refuses every action name: nothing unchecked gets through.
func TestParseNilRegistry(t *testing.T) {
	if _, err := Parse([]byte(baseTiers), nil); err != nil {
		t.Errorf("tiers alone need no registry: %v", err)
	}
	_, err := Parse([]byte(baseTiers+"rate-limits: {split_region: 6}\n"), nil)
	var ps Problems
	if !errors.As(err, &ps) || !strings.Contains(err.Error(), `unknown action "split_region"`) {
		t.Errorf("with no registry, an action name was not refused: %v", err)
	}
}
