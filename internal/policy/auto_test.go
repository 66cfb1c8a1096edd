package policy

import (
	"encoding/json"
	"math"
	"testing"
)

func TestAutoApprove(t *testing.T) {
	p := mustParse(t, baseTiers+`auto-approve:
  - name: hot-write-region-split
    invariant: hot-write-region
    action: split_region
    min-confidence: 0.8
    params: {policy: approximate}
  - name: oversized-split-42
    invariant: region-oversized
    action: split_region
    min-confidence: 0.5
    params: {region_id: 42, policy: scan}
  - name: leader-imbalance-transfer
    invariant: leader-imbalance
    action: transfer_leader
    min-confidence: 0.9
`)
	approx := map[string]any{"region_id": 7, "policy": "approximate"}
	tests := []struct {
		name       string
		invariant  string
		action     string
		risk       string
		confidence float64
		disputed   bool
		params     map[string]any
		rule       string
	}{
		{"runbook matches", "hot-write-region", "split_region", RiskLow, 0.85, false, approx, "hot-write-region-split"},
		{"exactly min confidence", "hot-write-region", "split_region", RiskLow, 0.8, false, approx, "hot-write-region-split"},
		{"below min confidence", "hot-write-region", "split_region", RiskLow, 0.79, false, approx, ""},
		{"NaN confidence", "hot-write-region", "split_region", RiskLow, math.NaN(), false, approx, ""},
		{"disputed", "hot-write-region", "split_region", RiskLow, 0.99, true, approx, ""},
		{"risk not low", "hot-write-region", "split_region", RiskMedium, 0.99, false, approx, ""},
		{"risk unknown", "hot-write-region", "split_region", "", 0.99, false, approx, ""},
		{"other invariant", "hot-read-region", "split_region", RiskLow, 0.99, false, approx, ""},
		{"other action", "hot-write-region", "transfer_leader", RiskLow, 0.99, false, approx, ""},
		{"param mismatch", "hot-write-region", "split_region", RiskLow, 0.99, false, map[string]any{"policy": "scan"}, ""},
		{"param missing", "hot-write-region", "split_region", RiskLow, 0.99, false, map[string]any{"region_id": 7}, ""},
		{"param wrong type", "hot-write-region", "split_region", RiskLow, 0.99, false, map[string]any{"policy": []string{"approximate"}}, ""},
		{"number by value, int", "region-oversized", "split_region", RiskLow, 0.6, false, map[string]any{"region_id": 42, "policy": "scan"}, "oversized-split-42"},
		{"number by value, float from JSON", "region-oversized", "split_region", RiskLow, 0.6, false, map[string]any{"region_id": 42.0, "policy": "scan"}, "oversized-split-42"},
		{"number by value, json.Number", "region-oversized", "split_region", RiskLow, 0.6, false, map[string]any{"region_id": json.Number("42"), "policy": "scan"}, "oversized-split-42"},
		{"number by value, uint8", "region-oversized", "split_region", RiskLow, 0.6, false, map[string]any{"region_id": uint8(42), "policy": "scan"}, "oversized-split-42"},
		{"number is not a string", "region-oversized", "split_region", RiskLow, 0.6, false, map[string]any{"region_id": "42", "policy": "scan"}, ""},
		{"other number", "region-oversized", "split_region", RiskLow, 0.6, false, map[string]any{"region_id": 42.5, "policy": "scan"}, ""},
		{"no params listed", "leader-imbalance", "transfer_leader", RiskLow, 0.95, false, map[string]any{"region_id": 1, "to_store_id": 2}, "leader-imbalance-transfer"},
		{"no params at all", "leader-imbalance", "transfer_leader", RiskLow, 0.95, false, nil, "leader-imbalance-transfer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rule, ok := p.AutoApprove(tt.invariant, tt.action, tt.risk, tt.confidence, tt.disputed, tt.params)
			if rule != tt.rule || ok != (tt.rule != "") {
				t.Errorf("AutoApprove = %q, %v; want %q", rule, ok, tt.rule)
			}
		})
	}
}

// Rules are tried in file order: the first match names the approval.
func TestAutoApproveFirstRuleWins(t *testing.T) {
	p := mustParse(t, baseTiers+`auto-approve:
  - {name: strict, invariant: hot-write-region, action: split_region, min-confidence: 0.95}
  - {name: loose, invariant: hot-write-region, action: split_region, min-confidence: 0.5}
`)
	for conf, want := range map[float64]string{0.99: "strict", 0.7: "loose"} {
		if rule, _ := p.AutoApprove("hot-write-region", "split_region", RiskLow, conf, false, nil); rule != want {
			t.Errorf("confidence %v: rule %q, want %q", conf, rule, want)
		}
	}
}

func TestEqualValueLargeIntegers(t *testing.T) {
	// 2^53+1 has no float64; comparing through float64 would call these equal.
	a, b := int64(1<<53+1), int64(1<<53)
	if equalValue(a, b) {
		t.Errorf("%d and %d compared equal", a, b)
	}
	if equalValue(a, float64(b)) {
		t.Errorf("%d and float %v compared equal", a, float64(b))
	}
	if !equalValue(int64(-3), int8(-3)) || equalValue(true, 1) || equalValue("1", 1) {
		t.Error("equalValue mixes types or misses equal small integers")
	}
	if equalValue(math.NaN(), math.NaN()) {
		t.Error("NaN equals NaN")
	}
}
