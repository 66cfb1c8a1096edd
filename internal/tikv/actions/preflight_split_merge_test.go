package actions

import (
	"fmt"
	"strings"
	"testing"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

func TestPreflightSplitRegion(t *testing.T) {
	e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
	_, a := e.neighbours() // a starts at a real key, not at the start of the key space
	if a.StartKey == "" || a.EndKey == "" {
		t.Fatalf("region %d spans [%q, %q); want two real boundaries", a.ID, a.StartKey, a.EndKey)
	}
	// The smallest key after a's start key is inside a.
	inside := a.StartKey + "00"

	res := e.preflight(SplitRegion, map[string]any{"region_id": a.ID, "policy": "approximate"})
	wantValid(t, res)
	wantBlast(t, res, action.Blast{Stores: len(a.Peers), Regions: 1})
	if res.Predicted["size_mib_each"] != a.ApproximateSize/2 {
		t.Errorf("predicted %v", res.Predicted)
	}

	res = e.preflight(SplitRegion, map[string]any{"region_id": a.ID, "policy": "usekey", "key": inside})
	wantValid(t, res)
	wantBlast(t, res, action.Blast{Stores: len(a.Peers), Regions: 1})
	if res.Predicted["split_key"] != inside {
		t.Errorf("predicted %v", res.Predicted)
	}

	// Lower-case hex is the same key.
	last := e.regionWhere("at the end of the key space", func(r pd.RegionInfo) bool { return r.EndKey == "" && r.StartKey != "" })
	res = e.preflight(SplitRegion, map[string]any{"region_id": last.ID, "policy": "usekey", "key": "FFFFFFFFff"})
	wantValid(t, res) // an empty end key is the end of the key space: no upper bound

	for _, c := range []struct {
		name   string
		params map[string]any
		want   string
	}{
		{"key at the start key", map[string]any{"policy": "usekey", "key": a.StartKey}, "is not strictly inside region"},
		{"key at the end key", map[string]any{"policy": "usekey", "key": a.EndKey}, "is not strictly inside region"},
		{"key in the next region", map[string]any{"policy": "usekey", "key": a.EndKey + "00"}, "is not strictly inside region"},
		{"key not hex", map[string]any{"policy": "usekey", "key": "zz"}, `split key "zz" is not hex`},
		{"usekey without a key", map[string]any{"policy": "usekey"}, "policy usekey needs parameter key"},
		{"key with another policy", map[string]any{"policy": "scan", "key": inside}, "parameter key is only for policy usekey"},
		{"unknown policy", map[string]any{"policy": "middle"}, "the registry allows only approximate, scan, usekey"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.params["region_id"] = a.ID
			wantInvalid(t, e.preflight(SplitRegion, c.params), c.want)
		})
	}
}

func TestPreflightMergeRegion(t *testing.T) {
	e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
	a, b := e.neighbours()
	want := action.Blast{Stores: len(storeUnion(a, b)), Regions: 2, Bytes: a.ApproximateSize << 20}

	res := e.preflight(MergeRegion, map[string]any{"region_id": a.ID, "target_region_id": b.ID})
	wantValid(t, res)
	wantBlast(t, res, want)
	if res.Predicted["size_mib_after"] != a.ApproximateSize+b.ApproximateSize {
		t.Errorf("predicted %v", res.Predicted)
	}
	// Either direction is adjacent; the source's bytes are what moves.
	res = e.preflight(MergeRegion, map[string]any{"region_id": b.ID, "target_region_id": a.ID})
	wantValid(t, res)
	wantBlast(t, res, action.Blast{Stores: want.Stores, Regions: 2, Bytes: b.ApproximateSize << 20})

	// A small threshold makes the merged size worth a warning.
	small, err := Preflight(t.Context(), e.reader, MergeRegion, map[string]any{"region_id": a.ID, "target_region_id": b.ID},
		PreflightOptions{LargeMergeMiB: 1})
	if err != nil {
		t.Fatal(err)
	}
	wantWarning(t, small, fmt.Sprintf("target region %d is %d MiB", b.ID, b.ApproximateSize))
}

func TestPreflightMergeRegionRefusals(t *testing.T) {
	t.Run("not adjacent", func(t *testing.T) {
		e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
		a, b := e.neighbours()
		c := e.regionWhere("after b", func(r pd.RegionInfo) bool { return r.StartKey == b.EndKey })
		res := e.preflight(MergeRegion, map[string]any{"region_id": a.ID, "target_region_id": c.ID})
		wantInvalid(t, res, "are not adjacent")
		if !strings.Contains(res.Message, fmt.Sprintf("regions %d [", a.ID)) || !strings.Contains(res.Message, fmt.Sprintf("and %d [", c.ID)) {
			t.Errorf("message does not name both regions and their ranges: %s", res.Message)
		}
	})
	t.Run("itself", func(t *testing.T) {
		e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
		a, _ := e.neighbours()
		wantInvalid(t, e.preflight(MergeRegion, map[string]any{"region_id": a.ID, "target_region_id": a.ID}), "cannot merge into itself")
	})
	t.Run("operator on the target", func(t *testing.T) {
		e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
		a, b := e.neighbours()
		e.create(pd.TransferLeader(b.ID, followerStores(b)[0]))
		wantInvalid(t, e.preflight(MergeRegion, map[string]any{"region_id": a.ID, "target_region_id": b.ID}),
			fmt.Sprintf("region %d already has an operator", b.ID))
	})
	t.Run("pending replica on the target", func(t *testing.T) {
		e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
		a, b := e.neighbours()
		e.fault(fmt.Sprintf(`{"type":"pending-peer","region":%d}`, b.ID))
		wantInvalid(t, e.preflight(MergeRegion, map[string]any{"region_id": a.ID, "target_region_id": b.ID}),
			fmt.Sprintf("region %d has pending replica(s)", b.ID))
	})
}
