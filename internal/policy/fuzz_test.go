package policy

import (
	"errors"
	"os"
	"slices"
	"testing"

	"github.com/operator-dev/operator/internal/yamldoc"
)

// FuzzParse feeds Parse arbitrary bytes. It must never panic; a refusal
// must be Problems that each say something and point inside the input, in
// order; and an accepted policy must keep the rules Parse exists to
// enforce and survive a trip through its canonical form unchanged.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"example.yaml", "testdata/bad.yaml"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"", "~", "- 1", "tiers: {}", baseTiers,
		baseTiers + "actions: {drain_store: {approvers: 1}, transfer_peer: {proposer-may-approve: true}}\n",
		baseTiers + "auto-approve: [{name: a, invariant: b, action: split_region, min-confidence: 0.5, params: {x: 1e300, y: \"\\x00\", z: -0, w: -0.0, v: 2.0}}]\n",
		baseTiers + "maintenance-windows: [{days: [sun], start: \"23:59\", end: \"00:00\", timezone: Asia/Kathmandu}]\n",
		baseTiers + "rate-limits: {split_region: 0x10}\n",
		"tiers: &t {low: *t}\n", "tiers:\n  <<: {low: {}}\n", "? [a]\n: 1\n", "a: 1\n---\nb: 2\n", "\xff\xfe", "\tx", "a: *nope",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data, registry)
		if err != nil {
			var ps Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("Parse error %v (%T) is not Problems", err, err)
			}
			last := yamldoc.LastLine(data)
			for i, pr := range ps {
				if pr.Message == "" {
					t.Errorf("problem %d has no message: %+v", i, pr)
				}
				if pr.Line < 0 || pr.Line > last || pr.Column < 0 {
					t.Errorf("problem %d points outside the %d-line input: %v", i, last, pr)
				}
				if i > 0 && (pr.Line < ps[i-1].Line || pr.Line == ps[i-1].Line && pr.Column < ps[i-1].Column) {
					t.Errorf("problems out of order: %v before %v", ps[i-1], pr)
				}
			}
			return
		}
		checkInvariants(t, p)
		again, err := Parse(p.Marshal(), registry)
		if err != nil {
			t.Fatalf("canonical form of an accepted policy is refused: %v\n%s", err, p.Marshal())
		}
		if again.Digest() != p.Digest() {
			t.Fatalf("canonical form changes the digest:\n%s\nvs\n%s", p.Marshal(), again.Marshal())
		}
	})
}

// checkInvariants holds an accepted policy to the rules Parse promises.
func checkInvariants(t *testing.T, p *Policy) {
	t.Helper()
	for action, risk := range registry {
		r := p.Requirement(action, risk)
		if r.Approvers < 1 || r.Approvers > MaxApprovers {
			t.Errorf("%s needs %d approvers", action, r.Approvers)
		}
		if risk == RiskHigh && (r.Approvers < MinHighApprovers || r.ProposerMayApprove) {
			t.Errorf("high-risk %s: %+v breaks separation of duties", action, r)
		}
		if len(r.Roles) == 0 || slices.ContainsFunc(r.Roles, func(s string) bool { return !slices.Contains(approverRoles, s) }) {
			t.Errorf("%s: roles %v", action, r.Roles)
		}
		if r.ExpireAfter <= 0 || r.ExpireAfter > MaxExpireAfter || r.EscalateAfter < 0 || (r.EscalateAfter > 0 && r.ExpireAfter <= r.EscalateAfter) {
			t.Errorf("%s: escalate %s, expire %s", action, r.EscalateAfter, r.ExpireAfter)
		}
	}
	for _, rule := range p.rules {
		if registry[rule.action] != RiskLow || !(rule.minConfidence > 0 && rule.minConfidence <= 1) {
			t.Errorf("rule %+v", rule)
		}
	}
	for _, w := range p.windows {
		if w.start == w.end || w.loc == nil || w.dayList() == nil {
			t.Errorf("window %+v", w)
		}
	}
	for action, n := range p.rateLimits {
		if n < 1 || n > MaxRatePerHour {
			t.Errorf("rate limit %s: %d", action, n)
		}
	}
}
