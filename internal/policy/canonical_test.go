package policy

import (
	"strings"
	"testing"
)

// The digest identifies what a policy means, not how it is written.
func TestDigestIgnoresSpelling(t *testing.T) {
	a := mustParse(t, baseTiers+`maintenance-windows:
  - {days: [mon, fri], start: "02:00", end: "05:00"}
always-allowed: [transfer_leader, cancel_operator]
rate-limits: {split_region: 6, drain_store: 1}
`)
	// Same policy: comments, flow/block style, key order, role, day and
	// always-allowed order, duration spelling and an explicit UTC differ.
	b := mustParse(t, `# reordered
rate-limits:
  drain_store: 1
  split_region: 6
always-allowed: [cancel_operator, transfer_leader]
maintenance-windows:
  - days: [FRI, mon]
    end: "05:00"
    start: "2:00"
    timezone: UTC
tiers:
  high: {expire-after: 120m, escalate-after: 900s, roles: [admin, approver], approvers: 2, proposer-may-approve: false}
  medium: {approvers: 1, roles: [approver, admin], escalate-after: 15m, expire-after: 1h0m0s}
  low:
    expire-after: 30m
    escalate-after: 10m
    proposer-may-approve: true
    roles: [admin, approver]
    approvers: 1
`)
	if a.Digest() != b.Digest() {
		t.Errorf("same policy, different digests:\n%s\nvs\n%s", a.Marshal(), b.Marshal())
	}
	if len(a.Digest()) != 64 || strings.Trim(a.Digest(), "0123456789abcdef") != "" {
		t.Errorf("digest %q is not hex SHA-256", a.Digest())
	}
}

// ...and changes with anything that changes a decision.
func TestDigestSeesMeaning(t *testing.T) {
	base := mustParse(t, baseTiers)
	for name, doc := range map[string]string{
		"approvers":     strings.Replace(baseTiers, "approvers: 2", "approvers: 3", 1),
		"expiry":        strings.Replace(baseTiers, "expire-after: 2h", "expire-after: 3h", 1),
		"no escalation": strings.Replace(baseTiers, "    escalate-after: 10m\n", "", 1),
		"override":      baseTiers + "actions: {drain_store: {approvers: 3}}\n",
		"rate limit":    baseTiers + "rate-limits: {split_region: 6}\n",
		"rule":          baseTiers + "auto-approve: [{name: r, invariant: x, action: split_region, min-confidence: 0.9}]\n",
		"rule params":   baseTiers + "auto-approve: [{name: r, invariant: x, action: split_region, min-confidence: 0.9, params: {policy: scan}}]\n",
		"window":        baseTiers + "maintenance-windows: [{days: [mon], start: \"01:00\", end: \"02:00\"}]\n",
	} {
		if p := mustParse(t, doc); p.Digest() == base.Digest() {
			t.Errorf("%s: digest unchanged", name)
		}
	}
}

// The canonical form is itself a valid policy that means the same.
func TestMarshalRoundTrip(t *testing.T) {
	p := mustParse(t, baseTiers+`actions:
  drain_store: {approvers: 3, roles: [admin]}
  split_region: {proposer-may-approve: false, escalate-after: 1m30s, expire-after: 20m}
auto-approve:
  - {name: a, invariant: hot-write-region, action: split_region, min-confidence: 0.75, params: {policy: approximate, region_id: 42, ratio: 0.5, force: true, key: "0x10", big: 1e300}}
  - {name: b, invariant: leader-imbalance, action: transfer_leader, min-confidence: 1}
maintenance-windows:
  - {days: [sat, sun], start: "22:30", end: "24:00", timezone: America/New_York}
always-allowed: [resume_scheduler]
rate-limits: {split_region: 6}
`)
	q, err := Parse(p.Marshal(), registry)
	if err != nil {
		t.Fatalf("canonical form does not parse: %v\n%s", err, p.Marshal())
	}
	if q.Digest() != p.Digest() || string(q.Marshal()) != string(p.Marshal()) {
		t.Errorf("round trip changed the policy:\n%s\nvs\n%s", p.Marshal(), q.Marshal())
	}
	// The string "0x10" stays a string; the number 42 stays a number.
	params := map[string]any{"policy": "approximate", "region_id": 42, "ratio": 0.5, "force": true, "key": "0x10", "big": 1e300}
	if _, ok := q.AutoApprove("hot-write-region", "split_region", RiskLow, 0.8, false, params); !ok {
		t.Errorf("round-tripped rule no longer matches:\n%s", q.Marshal())
	}
}
