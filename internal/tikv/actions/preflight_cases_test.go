package actions

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

// Cases that hold for every action in the registry: each has a passing
// preflight with an exact blast radius, and each refuses without a PD
// leader, while scheduling is halted (those that schedule), and for a
// store or region id that does not exist.

// pfCase prepares a cluster on which the action is valid and returns its
// parameters and the blast radius preflight must report.
type pfCase struct {
	setup func(e *pfEnv) (map[string]any, action.Blast)
	// halted: the action schedules work, so halted scheduling refuses it.
	halted bool
}

func pfCases() map[string]pfCase {
	cases := map[string]pfCase{
		TransferLeader: {halted: true, setup: func(e *pfEnv) (map[string]any, action.Blast) {
			r, to := e.follower(0)
			return map[string]any{"region_id": r.ID, "to_store_id": to}, action.Blast{Stores: 2, Regions: 1}
		}},
		TransferPeer: {halted: true, setup: func(e *pfEnv) (map[string]any, action.Blast) {
			r, from := e.follower(0)
			return map[string]any{"region_id": r.ID, "from_store_id": from, "to_store_id": storeWithout(r, 5)},
				action.Blast{Stores: 2, Regions: 1, Bytes: r.ApproximateSize << 20}
		}},
		AddPeer: {halted: true, setup: func(e *pfEnv) (map[string]any, action.Blast) {
			r, _ := e.follower(0)
			return map[string]any{"region_id": r.ID, "store_id": storeWithout(r, 5)},
				action.Blast{Stores: 1, Regions: 1, Bytes: r.ApproximateSize << 20}
		}},
		RemovePeer: {halted: true, setup: func(e *pfEnv) (map[string]any, action.Blast) {
			r, from := e.follower(0)
			return map[string]any{"region_id": r.ID, "store_id": from}, action.Blast{Stores: 1, Regions: 1}
		}},
		SplitRegion: {halted: true, setup: func(e *pfEnv) (map[string]any, action.Blast) {
			r, _ := e.follower(0)
			return map[string]any{"region_id": r.ID, "policy": "approximate"}, action.Blast{Stores: len(r.Peers), Regions: 1}
		}},
		MergeRegion: {halted: true, setup: func(e *pfEnv) (map[string]any, action.Blast) {
			a, b := e.neighbours()
			return map[string]any{"region_id": a.ID, "target_region_id": b.ID},
				action.Blast{Stores: len(storeUnion(a, b)), Regions: 2, Bytes: a.ApproximateSize << 20}
		}},
		CancelOperator: {setup: func(e *pfEnv) (map[string]any, action.Blast) {
			r, to := e.follower(0)
			e.create(pd.TransferLeader(r.ID, to))
			return map[string]any{"region_id": r.ID}, action.Blast{Regions: 1}
		}},
		DrainStore: {halted: true, setup: func(e *pfEnv) (map[string]any, action.Blast) {
			st := e.storeInfo(1)
			return map[string]any{"store_id": 1}, action.Blast{Stores: 5, Regions: st.Status.RegionCount, Bytes: st.Status.RegionSize << 20}
		}},
		CancelDrain: {setup: func(e *pfEnv) (map[string]any, action.Blast) {
			if err := e.writer.DeleteStore(context.Background(), 1, false); err != nil {
				e.t.Fatal(err)
			}
			return map[string]any{"store_id": 1}, action.Blast{Stores: 1}
		}},
		EvictLeader: {halted: true, setup: func(e *pfEnv) (map[string]any, action.Blast) {
			return map[string]any{"store_id": 1}, action.Blast{Stores: 1, Regions: e.storeInfo(1).Status.LeaderCount}
		}},
		CancelEvictLeader: {setup: func(e *pfEnv) (map[string]any, action.Blast) {
			e.evict(1)
			return map[string]any{"store_id": 1}, action.Blast{Stores: 1}
		}},
		SetStoreWeight: {setup: func(e *pfEnv) (map[string]any, action.Blast) {
			return map[string]any{"store_id": 1, "leader_weight": 2, "region_weight": 0.5}, action.Blast{Stores: 1}
		}},
		SetStoreLimit: {setup: func(e *pfEnv) (map[string]any, action.Blast) {
			return map[string]any{"store_id": 1, "type": "remove-peer", "rate": 30}, action.Blast{Stores: 1}
		}},
		SetLowSpaceRatio: {setup: func(e *pfEnv) (map[string]any, action.Blast) {
			return map[string]any{"value": 0.85}, action.Blast{}
		}},
		PauseScheduler: {setup: func(e *pfEnv) (map[string]any, action.Blast) {
			return map[string]any{"name": "balance-region-scheduler", "for": "10m"}, action.Blast{}
		}},
		ResumeScheduler: {setup: func(e *pfEnv) (map[string]any, action.Blast) {
			if err := e.writer.PauseScheduler(context.Background(), "balance-region-scheduler", time.Hour); err != nil {
				e.t.Fatal(err)
			}
			return map[string]any{"name": "balance-region-scheduler"}, action.Blast{}
		}},
	}
	// The schedule limits predate the split between pdLeader and pdUp and
	// refuse while halted; kept as they were.
	for _, name := range []string{SetLeaderScheduleLimit, SetRegionScheduleLimit, SetReplicaScheduleLimit, SetHotRegionScheduleLimit} {
		cases[name] = pfCase{halted: true, setup: func(e *pfEnv) (map[string]any, action.Blast) {
			return map[string]any{"value": 8}, action.Blast{}
		}}
	}
	return cases
}

func TestPreflightCoversTheRegistry(t *testing.T) {
	cases := pfCases()
	e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
	for _, spec := range Registry() {
		if _, ok := cases[spec.Name]; !ok {
			t.Errorf("no preflight case for %s", spec.Name)
		}
		// Even with no parameters at all, the action is dispatched: it
		// refuses over a missing parameter, not as unimplemented.
		res := e.preflight(spec.Name, map[string]any{})
		if strings.Contains(res.Message, "not implemented") {
			t.Errorf("%s: %s", spec.Name, res.Message)
		}
		if len(spec.Params) > 0 {
			wantInvalid(t, res, "parameter")
		}
	}
}

func TestPreflightEveryActionValid(t *testing.T) {
	for name, c := range pfCases() {
		t.Run(name, func(t *testing.T) {
			e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
			params, blast := c.setup(e)
			res := e.preflight(name, params)
			if !res.Valid {
				t.Fatalf("invalid: %s", res.Message)
			}
			wantBlast(t, res, blast)
			if !strings.Contains(res.Message, "preconditions hold") {
				t.Errorf("message %q", res.Message)
			}
		})
	}
}

func TestPreflightEveryActionNeedsAPDLeader(t *testing.T) {
	for name, c := range pfCases() {
		t.Run(name, func(t *testing.T) {
			e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
			params, _ := c.setup(e)
			e.leaderless.Store(true)
			wantInvalid(t, e.preflight(name, params), "PD has no leader")
		})
	}
}

func TestPreflightHaltedScheduling(t *testing.T) {
	for name, c := range pfCases() {
		t.Run(name, func(t *testing.T) {
			e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
			params, _ := c.setup(e)
			e.post("/pd/api/v1/config/schedule", `{"halt-scheduling":"true"}`)
			res := e.preflight(name, params)
			if c.halted {
				wantInvalid(t, res, "PD scheduling is halted")
				return
			}
			// Stopping or tuning things stays possible while halted.
			if !res.Valid {
				t.Fatalf("refused while halted: %s", res.Message)
			}
		})
	}
}

// TestPreflightHallucinatedIDs replaces each store or region id of a valid
// proposal with one the cluster never had: a model's invented id must be
// refused by name, never passed to PD.
func TestPreflightHallucinatedIDs(t *testing.T) {
	for _, spec := range Registry() {
		for _, ps := range spec.Params {
			var bogus any
			var want string
			switch ps.Type {
			case subject.ParamStoreID:
				bogus, want = 99, "store 99 does not exist in this cluster"
			case subject.ParamRegionID:
				bogus, want = 999999, "region 999999 does not exist in this cluster"
			default:
				continue
			}
			t.Run(spec.Name+"/"+ps.Name, func(t *testing.T) {
				e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
				params, _ := pfCases()[spec.Name].setup(e)
				params[ps.Name] = bogus
				wantInvalid(t, e.preflight(spec.Name, params), want)
			})
		}
	}
}

// Helpers shared by the preflight tests.

func wantValid(t *testing.T, res action.DryRunResult) {
	t.Helper()
	if !res.Valid {
		t.Fatalf("invalid: %s", res.Message)
	}
}

func wantBlast(t *testing.T, res action.DryRunResult, want action.Blast) {
	t.Helper()
	if res.Blast == nil {
		t.Fatalf("no blast radius; want %+v", want)
	}
	if *res.Blast != want {
		t.Errorf("blast %+v, want %+v", *res.Blast, want)
	}
}

func wantWarning(t *testing.T, res action.DryRunResult, substr string) {
	t.Helper()
	for _, w := range res.Warnings {
		if strings.Contains(w, substr) {
			return
		}
	}
	t.Errorf("no warning says %q: %v", substr, res.Warnings)
}

func (e *pfEnv) create(op pd.OperatorRequest) {
	e.t.Helper()
	if err := e.writer.CreateOperator(context.Background(), op); err != nil {
		e.t.Fatalf("%s: %v", op, err)
	}
}

func (e *pfEnv) evict(store pd.StoreID) {
	e.t.Helper()
	if err := e.writer.AddScheduler(context.Background(), "evict-leader-scheduler", store); err != nil {
		e.t.Fatal(err)
	}
}

func (e *pfEnv) storeInfo(id pd.StoreID) *pd.StoreInfo {
	e.t.Helper()
	st, err := e.reader.GetStore(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return st
}

// regionWhere returns the first region in key order that satisfies ok and
// has no running PD operator.
func (e *pfEnv) regionWhere(what string, ok func(pd.RegionInfo) bool) pd.RegionInfo {
	e.t.Helper()
	list, err := e.reader.GetRegionsByKey(context.Background(), "", 200)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range list.Regions {
		if !ok(r) {
			continue
		}
		op, err := e.reader.GetOperator(context.Background(), r.ID)
		if err == nil && !op.State.Ended() {
			continue
		}
		if err != nil && !errors.Is(err, pd.ErrNotFound) {
			e.t.Fatal(err)
		}
		return r
	}
	e.t.Fatalf("no region %s", what)
	return pd.RegionInfo{}
}

// neighbours returns two adjacent regions, the first ending where the
// second starts.
func (e *pfEnv) neighbours() (pd.RegionInfo, pd.RegionInfo) {
	e.t.Helper()
	list, err := e.reader.GetRegionsByKey(context.Background(), "", 50)
	if err != nil {
		e.t.Fatal(err)
	}
	for i := 0; i+1 < len(list.Regions); i++ {
		if a, b := list.Regions[i], list.Regions[i+1]; a.EndKey != "" && a.EndKey == b.StartKey {
			return a, b
		}
	}
	e.t.Fatal("no adjacent regions")
	return pd.RegionInfo{}, pd.RegionInfo{}
}

func hasPeerOn(r pd.RegionInfo, s pd.StoreID) bool { return peerOn(&r, s) != nil }

// storeWithout is a store of 1..n holding no replica of r.
func storeWithout(r pd.RegionInfo, n int) pd.StoreID {
	for s := pd.StoreID(1); s <= pd.StoreID(n); s++ {
		if !hasPeerOn(r, s) {
			return s
		}
	}
	panic(fmt.Sprintf("region %d has a replica on every store", r.ID))
}

// followerStores are the stores holding a voter of r that does not lead.
func followerStores(r pd.RegionInfo) []pd.StoreID {
	var out []pd.StoreID
	for _, q := range r.Peers {
		if isVoter(q) && q.StoreID != r.Leader.StoreID {
			out = append(out, q.StoreID)
		}
	}
	return out
}

func storeUnion(rs ...pd.RegionInfo) map[pd.StoreID]bool {
	out := map[pd.StoreID]bool{}
	for _, r := range rs {
		for _, q := range r.Peers {
			out[q.StoreID] = true
		}
	}
	return out
}
