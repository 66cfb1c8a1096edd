package policy

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// example.yaml is documentation people copy: it must parse, say what the
// tests below read from it, and explain every key on the line above it.
func TestExample(t *testing.T) {
	data, err := os.ReadFile("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(data, registry)
	if err != nil {
		t.Fatalf("example.yaml: %v", err)
	}

	if got := p.Requirement("drain_store", RiskHigh); got.Approvers != 3 || !slices.Equal(got.Roles, []string{RoleAdmin}) || got.ExpireAfter != 8*time.Hour {
		t.Errorf("drain_store requirement = %+v", got)
	}
	if got := p.Requirement("remove_peer", RiskHigh); got.Approvers != 2 || got.ProposerMayApprove {
		t.Errorf("high tier = %+v", got)
	}
	if rule, ok := p.AutoApprove("hot-write-region", "split_region", RiskLow, 0.8, false, map[string]any{"region_id": 9, "policy": "approximate"}); !ok || rule != "hot-write-region-split" {
		t.Errorf("example runbook does not match: %q %v", rule, ok)
	}
	// Sunday 2024-06-09 01:00 UTC is 03:00 in Berlin: inside the Saturday
	// night window that runs over midnight.
	if ok, why, _ := p.CanStart("drain_store", time.Date(2024, 6, 9, 1, 0, 0, 0, time.UTC)); !ok {
		t.Errorf("example windows: %s", why)
	}
	if ok, _, _ := p.CanStart("cancel_operator", time.Date(2024, 6, 5, 12, 0, 0, 0, time.UTC)); !ok {
		t.Error("cancel_operator is not always allowed")
	}
	if p.RateLimit("split_region") != 6 {
		t.Errorf("split_region rate limit = %d", p.RateLimit("split_region"))
	}

	// Every key this package reads appears in the example.
	text := string(data)
	for _, keys := range [][]string{topKeys, requirementKeys, ruleKeys, windowKeys} {
		for _, k := range keys {
			if !strings.Contains(text, k+":") {
				t.Errorf("example.yaml never shows %s", k)
			}
		}
	}

	// Every key written in block style has a comment on the line above.
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(text, "\n")
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode && n.Style&yaml.FlowStyle == 0 {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				if above := strings.TrimSpace(lines[k.Line-2]); !strings.HasPrefix(above, "#") {
					t.Errorf("example.yaml:%d: %s has no comment above it", k.Line, k.Value)
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(root.Content[0])
}
