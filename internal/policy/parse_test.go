package policy

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// Every problem in a file is reported at once, in order, each with its line
// and column, so one edit-reload round fixes them all.
func TestParseReportsEveryProblem(t *testing.T) {
	data, err := os.ReadFile("testdata/bad.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Parse(data, registry)
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("Parse error %v (%T) is not Problems", err, err)
	}
	want := []string{
		`3:16: tiers.low.approvers: want 1 to 5 distinct approvers, got 0`,
		`4:13: tiers.low.roles: viewers may not approve: they can only read (want approver or admin)`,
		`5:5: tiers.low.proposer-may-aprove: unknown key "proposer-may-aprove" (did you mean "proposer-may-approve"?)`,
		`7:19: tiers.low.expire-after: expire-after (10m) must be longer than escalate-after (30m): nobody is asked again about an expired proposal`,
		`10:20: tiers.medium.roles: unknown role "admn" (did you mean "admin"?)`,
		`11:19: tiers.medium.expire-after: want a duration such as 10m or 1h30m, got integer 90`,
		`13:16: tiers.high.approvers: high-risk actions need at least 2 distinct approvers (separation of duties), got 1`,
		`15:27: tiers.high.proposer-may-approve: must be false for high-risk actions: nobody approves their own high-risk proposal (separation of duties)`,
		`18:3: actions.drain_stor: unknown action "drain_stor" (did you mean "drain_store"?)`,
		`21:11: auto-approve[0].name: rule name "Bad Name": use lower-case letters, digits and - (at most 63)`,
		`23:13: auto-approve[0].action: auto-approve is only for low-risk actions; drain_store is high risk`,
		`24:21: auto-approve[0].min-confidence: want a confidence above 0 and at most 1, got 1.5`,
		`25:5: auto-approve[1].invariant: missing: every rule sets name, invariant, action and min-confidence`,
		`28:25: auto-approve[1].params.region_id: want a string, number or boolean, got a list`,
		`30:18: maintenance-windows[0].days: unknown day "funday" (want one of mon, tue, wed, thu, fri, sat, sun)`,
		`30:34: maintenance-windows[0].start: invalid time of day "25:00" (want HH:MM, 00:00 to 23:59)`,
		`30:67: maintenance-windows[0].timezone: unknown time zone "Mars/Olympus" (want an IANA name such as UTC or Europe/Berlin)`,
		`31:35: always-allowed: transfer_leader is listed twice`,
		`33:17: rate-limits.split_region: want 1 to 1000 runs started per hour, got 0 (remove the key for no limit)`,
		`34:1: rate-limit: unknown key "rate-limit" (did you mean "rate-limits"?)`,
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.String())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !strings.HasPrefix(err.Error(), "20 problems:\n\t3:16: ") {
		t.Errorf("error text starts %q", err.Error()[:40])
	}
}

// Mostly one problem per document, to pin each rule and where it points.
func TestParseProblems(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want string // the problems, as Problem.String renders them, one a line
	}{
		{"empty", "", "1: empty policy: want at least tiers (low, medium, high)"},
		{"comments only", "# nothing\n", "1: empty policy: want at least tiers (low, medium, high)"},
		{"not a mapping", "- tiers\n", "1:1: want a mapping of tiers, actions, auto-approve, maintenance-windows, always-allowed or rate-limits, got a list"},
		{"syntax error", "tiers:\n  low: [\n", "2: syntax error: did not find expected node content"},
		{"second document", baseTiers + "---\ntiers: {}\n", "18: more than one YAML document; want exactly one"},
		{"no tiers", "rate-limits: {split_region: 1}\n", "1:1: tiers: missing: every policy sets the low, medium and high tiers"},
		{"empty tiers", "tiers:\n", "1:1: tiers: empty: every policy sets the low, medium and high tiers"},
		{"missing tier", strings.Replace(baseTiers, "  medium:", "  mediun:", 1),
			"1:1: tiers: missing tier medium (every policy sets low, medium and high)\n" +
				`8:3: tiers.mediun: unknown key "mediun" (did you mean "medium"?)`},
		{"missing tier field", strings.Replace(baseTiers, "    expire-after: 2h\n", "", 1),
			"13:3: tiers.high.expire-after: missing: every tier sets approvers, roles and expire-after"},
		{"duplicate key", baseTiers + "rate-limits:\n  split_region: 1\n  split_region: 2\n",
			"20:3: rate-limits.split_region: duplicate key (first at line 19)"},
		{"merge key", "base: &b {approvers: 1}\n" + baseTiers,
			`1:1: base: unknown key "base" (want one of tiers, actions, auto-approve, maintenance-windows, always-allowed, rate-limits)`},
		{"merge key in tier", strings.Replace(baseTiers, "    approvers: 1\n    roles: [approver, admin]\n    proposer-may-approve: true\n", "    <<: {approvers: 1}\n    roles: [approver, admin]\n", 1),
			"2:3: tiers.low.approvers: missing: every tier sets approvers, roles and expire-after\n" +
				"3:5: tiers.low: merge keys (<<) are not supported; write the keys out"},
		{"empty roles", strings.Replace(baseTiers, "roles: [approver, admin]\n    proposer", "roles: []\n    proposer", 1),
			"4:12: tiers.low.roles: empty: list the roles that may approve (approver, admin)"},
		{"duplicate role", strings.Replace(baseTiers, "roles: [approver, admin]\n    proposer", "roles: [admin, admin]\n    proposer", 1),
			`4:20: tiers.low.roles: role "admin" is listed twice`},
		{"too many approvers", strings.Replace(baseTiers, "approvers: 2", "approvers: 6", 1),
			"14:16: tiers.high.approvers: want 1 to 5 distinct approvers, got 6"},
		{"approvers not a number", strings.Replace(baseTiers, "approvers: 2", `approvers: "2"`, 1),
			`14:16: tiers.high.approvers: want an integer, got string "2"`},
		{"proposer yes", strings.Replace(baseTiers, "proposer-may-approve: true", "proposer-may-approve: yes", 1),
			`5:27: tiers.low.proposer-may-approve: want true or false, got string "yes"`},
		{"bad duration", strings.Replace(baseTiers, "expire-after: 2h", "expire-after: 2 hours", 1),
			`17:19: tiers.high.expire-after: invalid duration "2 hours" (want e.g. 10m, 1h30m)`},
		{"negative duration", strings.Replace(baseTiers, "escalate-after: 10m", "escalate-after: -10m", 1),
			"6:21: tiers.low.escalate-after: want a positive duration, got -10m"},
		{"expire too long", strings.Replace(baseTiers, "expire-after: 2h", "expire-after: 200h", 1),
			"17:19: tiers.high.expire-after: at most 168h0m0s: a proposal that old was made for a different cluster"},
		{"override weakens high", baseTiers + "actions:\n  drain_store: {approvers: 1}\n",
			"19:28: actions.drain_store.approvers: high-risk actions need at least 2 distinct approvers (separation of duties), got 1"},
		{"override lets high proposer approve", baseTiers + "actions:\n  remove_peer:\n    proposer-may-approve: true\n",
			"20:27: actions.remove_peer.proposer-may-approve: must be false for high-risk actions: nobody approves their own high-risk proposal (separation of duties)"},
		{"override escalates after tier expiry", baseTiers + "actions:\n  split_region: {escalate-after: 45m}\n",
			"19:34: actions.split_region.escalate-after: expire-after (30m) must be longer than escalate-after (45m): nobody is asked again about an expired proposal"},
		{"override viewer", baseTiers + "actions:\n  split_region: {roles: [viewer]}\n",
			"19:26: actions.split_region.roles: viewers may not approve: they can only read (want approver or admin)"},
		{"override unknown key", baseTiers + "actions:\n  split_region: {approver: 2}\n",
			`19:18: actions.split_region.approver: unknown key "approver" (did you mean "approvers"?)`},
		{"empty override", baseTiers + "actions:\n  split_region: {}\n",
			"19:3: actions.split_region: no overrides given; remove the entry or set one of approvers, roles, proposer-may-approve, escalate-after or expire-after"},
		{"auto-approve medium action", baseTiers + "auto-approve:\n  - {name: r, invariant: region-miss-peer, action: add_peer, min-confidence: 0.9}\n",
			"19:52: auto-approve[0].action: auto-approve is only for low-risk actions; add_peer is medium risk"},
		{"auto-approve unknown action", baseTiers + "auto-approve:\n  - {name: r, invariant: x, action: split_regoin, min-confidence: 0.9}\n",
			`19:37: auto-approve[0].action: unknown action "split_regoin" (did you mean "split_region"?)`},
		{"auto-approve zero confidence", baseTiers + "auto-approve:\n  - {name: r, invariant: x, action: split_region, min-confidence: 0}\n",
			"19:67: auto-approve[0].min-confidence: want a confidence above 0 and at most 1, got 0"},
		{"auto-approve NaN confidence", baseTiers + "auto-approve:\n  - {name: r, invariant: x, action: split_region, min-confidence: .nan}\n",
			"19:67: auto-approve[0].min-confidence: want a finite number, got .nan"},
		{"auto-approve duplicate name", baseTiers + "auto-approve:\n  - {name: r, invariant: x, action: split_region, min-confidence: 0.5}\n  - {name: r, invariant: y, action: split_region, min-confidence: 0.5}\n",
			`20:12: auto-approve[1].name: rule name "r" is already used at line 19`},
		{"auto-approve infinite param", baseTiers + "auto-approve:\n  - {name: r, invariant: x, action: split_region, min-confidence: 0.5, params: {region_id: .inf}}\n",
			"19:92: auto-approve[0].params.region_id: want a finite number, got .inf"},
		{"auto-approve bad param name", baseTiers + "auto-approve:\n  - {name: r, invariant: x, action: split_region, min-confidence: 0.5, params: {Region: 1}}\n",
			`19:81: auto-approve[0].params.Region: parameter name "Region": want a name such as region_id`},
		{"empty windows", baseTiers + "maintenance-windows: []\n",
			"18:22: maintenance-windows: empty list: nothing could ever start; remove the key to allow starting at any time"},
		{"window without days", baseTiers + "maintenance-windows:\n  - {start: \"01:00\", end: \"02:00\"}\n",
			"19:5: maintenance-windows[0].days: missing: every window sets days, start and end"},
		{"window of no length", baseTiers + "maintenance-windows:\n  - {days: [sun], start: \"01:00\", end: \"01:00\"}\n",
			"19:26: maintenance-windows[0].end: start and end are both 01:00: a window must have a length"},
		{"window Local zone", baseTiers + "maintenance-windows:\n  - {days: [sun], start: \"01:00\", end: \"02:00\", timezone: Local}\n",
			"19:59: maintenance-windows[0].timezone: time zone Local depends on the host; name the zone (e.g. UTC, Europe/Berlin)"},
		{"window start as number", baseTiers + "maintenance-windows:\n  - {days: [sun], start: 100, end: \"02:00\"}\n",
			`19:26: maintenance-windows[0].start: want a time of day such as "02:00", got integer 100`},
		{"window 24:00 start", baseTiers + "maintenance-windows:\n  - {days: [sun], start: \"24:00\", end: \"02:00\"}\n",
			`19:26: maintenance-windows[0].start: invalid time of day "24:00" (want HH:MM, 00:00 to 23:59)`},
		{"window duplicate day", baseTiers + "maintenance-windows:\n  - {days: [sun, Sun], start: \"01:00\", end: \"02:00\"}\n",
			"19:18: maintenance-windows[0].days: sun is listed twice"},
		{"always-allowed unknown", baseTiers + "always-allowed: [cancel_operater]\n",
			`18:18: always-allowed: unknown action "cancel_operater" (did you mean "cancel_operator"?)`},
		{"rate limit not a number", baseTiers + "rate-limits: {split_region: lots}\n",
			`18:29: rate-limits.split_region: want an integer, got string "lots"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc), registry)
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("Parse error = %v, want Problems", err)
			}
			var got []string
			for _, p := range ps {
				got = append(got, p.String())
			}
			if strings.Join(got, "\n") != tt.want {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), tt.want)
			}
		})
	}
}

// A registry entry with a risk this package does not know is treated as
// high: it cannot be auto-approved and its override is held to the high
// floor.
func TestParseUnratedAction(t *testing.T) {
	known := map[string]string{"mystery": "critical"}
	_, err := Parse([]byte(baseTiers+"actions:\n  mystery: {approvers: 1}\nauto-approve:\n  - {name: r, invariant: x, action: mystery, min-confidence: 0.5}\n"), known)
	for _, want := range []string{
		"19:24: actions.mystery.approvers: high-risk actions need at least 2",
		"21:37: auto-approve[0].action: auto-approve is only for low-risk actions; mystery is critical risk",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v\ndoes not contain %q", err, want)
		}
	}
}

// Aliases are plain YAML and handy for sharing role lists.
func TestParseAliases(t *testing.T) {
	p := mustParse(t, strings.Replace(baseTiers, "roles: [approver, admin]\n    proposer", "roles: &both [approver, admin]\n    proposer", 1)+
		"actions:\n  transfer_peer: {roles: *both}\n")
	if got := p.Requirement("transfer_peer", RiskMedium).Roles; len(got) != 2 {
		t.Errorf("roles through an alias = %v", got)
	}
}
