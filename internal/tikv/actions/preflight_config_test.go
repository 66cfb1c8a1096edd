package actions

import (
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

func TestPreflightSetLowSpaceRatio(t *testing.T) {
	e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
	res := e.preflight(SetLowSpaceRatio, map[string]any{"value": 0.85})
	wantValid(t, res)
	wantBlast(t, res, action.Blast{})
	if res.Predicted["from"] != 0.8 || res.Predicted["to"] != 0.85 || res.Predicted["name"] != "low-space-ratio" {
		t.Errorf("predicted %v, want from 0.8 (PD's default) to 0.85", res.Predicted)
	}
	if len(res.Warnings) != 0 {
		t.Errorf("warnings with every store nearly empty: %v", res.Warnings)
	}

	// PD refuses a low-space-ratio that is not strictly above
	// high-space-ratio (0.7 by default): equal is refused too.
	wantInvalid(t, e.preflight(SetLowSpaceRatio, map[string]any{"value": 0.7}), "low-space-ratio 0.7 is not above high-space-ratio 0.7")
	wantInvalid(t, e.preflight(SetLowSpaceRatio, map[string]any{"value": 0.6}), "not above high-space-ratio")
	e.post("/pd/api/v1/config/schedule", `{"high-space-ratio":0.78}`)
	wantInvalid(t, e.preflight(SetLowSpaceRatio, map[string]any{"value": 0.75}), "low-space-ratio 0.75 is not above high-space-ratio 0.78")
	wantInvalid(t, e.preflight(SetLowSpaceRatio, map[string]any{"value": 0.99}), "the registry allows 0.5 to 0.95")
	wantInvalid(t, e.preflight(SetLowSpaceRatio, map[string]any{"value": "high"}), "parameter value is missing or not a number")
}

func TestPreflightSetLowSpaceRatioStoresAffected(t *testing.T) {
	e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
	e.fault(`{"type":"fill-disk","store":3,"available_ratio":0.22}`)
	e.fault(`{"type":"fill-disk","store":4,"available_ratio":0.15}`)
	e.clock.Advance(10 * time.Second)

	// 0.75: a store is low below 25% free, so store 3 (22% free) joins 4.
	res := e.preflight(SetLowSpaceRatio, map[string]any{"value": 0.75})
	wantValid(t, res)
	wantWarning(t, res, "would count store(s) [3] as low on space")
	if res.Predicted["stores_becoming_low_space"] != 1 {
		t.Errorf("predicted %v", res.Predicted)
	}
	// 0.9: only below 10% free, so store 4 (15% free) takes regions again.
	res = e.preflight(SetLowSpaceRatio, map[string]any{"value": 0.9})
	wantValid(t, res)
	wantWarning(t, res, "store(s) [4], low on space now, would take regions again")
}
