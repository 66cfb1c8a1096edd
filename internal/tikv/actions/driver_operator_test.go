package actions

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

// adjacent returns two neighbouring regions (left, right).
func (e *drvEnv) adjacent() (pd.RegionInfo, pd.RegionInfo) {
	e.t.Helper()
	list, err := e.reader.GetRegionsByKey(context.Background(), "", 20)
	if err != nil {
		e.t.Fatal(err)
	}
	for i := 1; i+1 < len(list.Regions); i++ {
		a, b := list.Regions[i], list.Regions[i+1]
		if a.EndKey != "" && a.EndKey == b.StartKey {
			return a, b
		}
	}
	e.t.Fatal("no adjacent regions")
	return pd.RegionInfo{}, pd.RegionInfo{}
}

func TestDriverOperatorActions(t *testing.T) {
	for _, tc := range []struct {
		name string
		// setup picks the parameters and the exact undo expected.
		setup func(e *drvEnv) (params map[string]any, undo *action.Step)
	}{
		{TransferLeader, func(e *drvEnv) (map[string]any, *action.Step) {
			r, to := e.follower(0)
			return map[string]any{"region_id": r.ID, "to_store_id": to},
				&action.Step{Action: TransferLeader, Params: map[string]any{"region_id": r.ID, "to_store_id": r.Leader.StoreID}}
		}},
		{AddPeer, func(e *drvEnv) (map[string]any, *action.Step) {
			r, _ := e.follower(0)
			s := freeStore(e.t, r, 5)
			return map[string]any{"region_id": r.ID, "store_id": s},
				&action.Step{Action: RemovePeer, Params: map[string]any{"region_id": r.ID, "store_id": s}}
		}},
		{RemovePeer, func(e *drvEnv) (map[string]any, *action.Step) {
			r, s := e.follower(0)
			return map[string]any{"region_id": r.ID, "store_id": s},
				&action.Step{Action: AddPeer, Params: map[string]any{"region_id": r.ID, "store_id": s}}
		}},
		{TransferPeer, func(e *drvEnv) (map[string]any, *action.Step) {
			r, from := e.follower(0)
			to := freeStore(e.t, r, 5)
			return map[string]any{"region_id": r.ID, "from_store_id": from, "to_store_id": to},
				&action.Step{Action: TransferPeer, Params: map[string]any{"region_id": r.ID, "from_store_id": to, "to_store_id": from}}
		}},
		{SplitRegion, func(e *drvEnv) (map[string]any, *action.Step) {
			r, _ := e.follower(0)
			return map[string]any{"region_id": r.ID, "policy": "approximate"}, nil
		}},
		{MergeRegion, func(e *drvEnv) (map[string]any, *action.Step) {
			a, b := e.adjacent()
			return map[string]any{"region_id": a.ID, "target_region_id": b.ID}, nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newDrvEnv(t, pdsim.Options{})
			params, undo := tc.setup(e)
			run := e.newRun(tc.name, params)
			in := e.execute(run, 500*time.Millisecond, 15*time.Minute)
			if undo == nil {
				if in.Undo != nil {
					t.Errorf("irreversible %s has undo %+v", tc.name, in.Undo)
				}
			} else {
				wantUndo(t, in, undo.Action, undo.Params)
			}
			if in.Watch["kind"] != "operator" || in.Watch["desc"] != operatorDesc[tc.name] {
				t.Errorf("watch %v", in.Watch)
			}
			v := e.verify(run, in)
			if !v.OK || v.After == nil {
				t.Fatalf("verify: %+v", v)
			}
			e.release(run, in)
			// Whatever Observe and Verify did, one operator was submitted.
			region, _ := asUint(params["region_id"])
			if st := e.simStatus(); st.OperatorsCreated != 1 || st.OperatorsCreatedByRegion[pd.RegionID(region).String()] != 1 {
				t.Errorf("operators created: %+v, want exactly one on region %d", st, region)
			}
		})
	}
}

// The effect outlives PD's record, but nothing then says who made it (a
// balancer moves leaders too): Observe says it may have run, and names the
// effect in place.
func TestDriverObserveAfterRecordExpiredMayHaveRun(t *testing.T) {
	e := newDrvEnv(t, pdsim.Options{})
	r, to := e.follower(0)
	run := e.newRun(TransferLeader, map[string]any{"region_id": r.ID, "to_store_id": to})
	in := e.execute(run, 500*time.Millisecond, time.Minute)
	if _, err := e.reader.GetOperator(ctxT(t), r.ID); err != nil {
		t.Fatalf("record right after: %v", err)
	}
	e.clock.Advance(DefaultRecordRetention + 2*time.Minute)
	if op, err := e.reader.GetOperator(ctxT(t), r.ID); err == nil && op.Desc == "admin-transfer-leader" {
		t.Fatalf("PD still has the record after %s: %+v", DefaultRecordRetention, op)
	}
	obs := e.observe(run, in)
	if obs.Phase != action.PhaseUnknown || !strings.Contains(obs.Detail, "its effect is in place") || !strings.Contains(obs.Detail, "may have run") {
		t.Fatalf("observe after the record expired: %+v", obs)
	}
}

// Within PD's record retention, no record and no foreign operator proves
// the intent never ran, even when the region changed the same way by
// other means: here TiKV splits the hot region by size, which leaves no
// operator in PD.
func TestDriverObserveIgnoresLookalikeChanges(t *testing.T) {
	e := newDrvEnv(t, pdsim.Options{})
	r, _ := e.follower(0)
	run := e.newRun(SplitRegion, map[string]any{"region_id": r.ID, "policy": "approximate"})
	in := e.plan(run)
	e.fault(fmt.Sprintf(`{"type":"hotspot","region":%d,"bytes_per_second":67108864}`, r.ID))
	e.clock.Advance(3 * time.Minute) // 64 MiB/s for minutes: TiKV splits it by size
	now, err := e.reader.GetRegion(ctxT(t), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if now.Epoch.Version == r.Epoch.Version {
		t.Fatalf("region %d did not split by size: version %d", r.ID, now.Epoch.Version)
	}
	if obs := e.observe(run, in); obs.Phase != action.PhaseNotRun || !strings.Contains(obs.Detail, "no record of one") {
		t.Fatalf("a split by size mistaken for ours: %+v", obs)
	}
}

// An intent never submitted: not_run while PD would remember, unknown
// once it may have forgotten.
func TestDriverObserveNotRunThenUnknown(t *testing.T) {
	e := newDrvEnv(t, pdsim.Options{})
	r, to := e.follower(0)
	run := e.newRun(TransferLeader, map[string]any{"region_id": r.ID, "to_store_id": to})
	in := e.plan(run)
	e.clock.Advance(time.Minute)
	if obs := e.observe(run, in); obs.Phase != action.PhaseNotRun || !strings.Contains(obs.Detail, "did not run") {
		t.Fatalf("never submitted, 1m later: %+v", obs)
	}
	e.clock.Advance(DefaultRecordRetention)
	if obs := e.observe(run, in); obs.Phase != action.PhaseUnknown || !strings.Contains(obs.Detail, "forgets finished operators after 10m0s") {
		t.Fatalf("never submitted, past retention: %+v", obs)
	}
}

// A split that never ran stays "did not run" even after PD's records are
// gone and another operator ran on the region: PD does not merge a split
// region back within split-merge-interval, so no effect proves it.
func TestDriverObserveSplitNotRunIsDurable(t *testing.T) {
	e := newDrvEnv(t, pdsim.Options{})
	r, to := e.follower(0)
	run := e.newRun(SplitRegion, map[string]any{"region_id": r.ID, "policy": "approximate"})
	in := e.plan(run)
	if err := e.writer.CreateOperator(ctxT(t), pd.TransferLeader(r.ID, pd.StoreID(to))); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(DefaultRecordRetention + time.Minute)
	if obs := e.observe(run, in); obs.Phase != action.PhaseNotRun || !strings.Contains(obs.Detail, "does not undo a split-region") {
		t.Fatalf("a split never submitted, past retention, after a foreign operator: %+v", obs)
	}
	e.clock.Advance(time.Hour)
	if obs := e.observe(run, in); obs.Phase != action.PhaseUnknown {
		t.Fatalf("past split-merge-interval: %+v", obs)
	}
}

// An operator that PD ends without success is failed, with its status.
func TestDriverObserveFailedOperator(t *testing.T) {
	e := newDrvEnv(t, pdsim.Options{NoSplit: true})
	r, _ := e.follower(0)
	run := e.newRun(SplitRegion, map[string]any{"region_id": r.ID, "policy": "scan"})
	in := e.plan(run)
	if err := e.d.Submit(ctxT(t), run, in); err != nil {
		t.Fatal(err)
	}
	if obs := e.observe(run, in); obs.Phase != action.PhaseRunning {
		t.Fatalf("just submitted: %+v", obs)
	}
	e.clock.Advance(2 * time.Minute) // split never completes: TIMEOUT at 1m
	obs := e.observe(run, in)
	if obs.Phase != action.PhaseFailed || !strings.Contains(obs.Detail, "TIMEOUT") {
		t.Fatalf("after the timeout: %+v", obs)
	}
	if v := e.verify(run, in); v.OK {
		t.Fatalf("verify of an unsplit region: %+v", v)
	}
}

func TestDriverCancel(t *testing.T) {
	t.Run("ours", func(t *testing.T) {
		e := newDrvEnv(t, pdsim.Options{})
		r, from := e.follower(0)
		run := e.newRun(TransferPeer, map[string]any{"region_id": r.ID, "from_store_id": from, "to_store_id": freeStore(t, r, 5)})
		in := e.plan(run)
		if err := e.d.Submit(ctxT(t), run, in); err != nil {
			t.Fatal(err)
		}
		if err := e.d.Cancel(ctxT(t), run, in); err != nil {
			t.Fatal(err)
		}
		obs := e.observe(run, in)
		if obs.Phase != action.PhaseFailed || !strings.Contains(obs.Detail, "CANCEL") {
			t.Fatalf("after cancel: %+v", obs)
		}
		if err := e.d.Cancel(ctxT(t), run, in); err != nil { // nothing running: fine
			t.Fatalf("second cancel: %v", err)
		}
	})
	t.Run("foreign operator is left alone", func(t *testing.T) {
		e := newDrvEnv(t, pdsim.Options{})
		r, to := e.follower(0)
		run := e.newRun(TransferLeader, map[string]any{"region_id": r.ID, "to_store_id": to})
		in := e.plan(run)
		// Someone else's operator on the same region (ours never went in).
		if err := e.writer.CreateOperator(ctxT(t), pd.AddPeer(r.ID, freeStore(t, r, 5))); err != nil {
			t.Fatal(err)
		}
		if err := e.d.Cancel(ctxT(t), run, in); err != nil {
			t.Fatal(err)
		}
		op, err := e.reader.GetOperator(ctxT(t), r.ID)
		if err != nil || op.State != pd.OperatorRunning || op.Desc != "admin-add-peer" {
			t.Fatalf("foreign operator after our cancel: %+v, %v", op, err)
		}
		if obs := e.observe(run, in); obs.Phase != action.PhaseUnknown || !strings.Contains(obs.Detail, "admin-add-peer") {
			t.Fatalf("observe with a foreign operator on the region: %+v", obs)
		}
	})
	t.Run("same kind but older than the intent", func(t *testing.T) {
		e := newDrvEnv(t, pdsim.Options{})
		r, _ := e.follower(0)
		s := freeStore(t, r, 5)
		if err := e.writer.CreateOperator(ctxT(t), pd.AddPeer(r.ID, s)); err != nil {
			t.Fatal(err)
		}
		// The target store dies: the operator stays RUNNING until its timeout.
		e.fault(fmt.Sprintf(`{"type":"kill-store","store":%d}`, s))
		e.clock.Advance(2 * clockSlack)
		run := e.newRun(AddPeer, map[string]any{"region_id": r.ID, "store_id": s})
		in := e.plan(run)
		if err := e.d.Cancel(ctxT(t), run, in); err != nil {
			t.Fatal(err)
		}
		if op, err := e.reader.GetOperator(ctxT(t), r.ID); err != nil || op.State != pd.OperatorRunning {
			t.Fatalf("older operator after our cancel: %+v, %v", op, err)
		}
		// The region was busy since before the intent: ours cannot have gone in.
		if obs := e.observe(run, in); obs.Phase != action.PhaseNotRun {
			t.Fatalf("observe with an older operator on the region: %+v", obs)
		}
	})
}

// cancel_operator is an action of its own: it cancels what runs on the
// region and watches that very operator.
func TestDriverCancelOperatorAction(t *testing.T) {
	e := newDrvEnv(t, pdsim.Options{})
	r, from := e.follower(0)
	if err := e.writer.CreateOperator(ctxT(t), pd.TransferPeer(r.ID, from, freeStore(t, r, 5))); err != nil {
		t.Fatal(err)
	}
	run := e.newRun(CancelOperator, map[string]any{"region_id": r.ID})
	in := e.execute(run, 100*time.Millisecond, time.Second)
	if in.Undo != nil || in.Watch["desc"] != "admin-move-peer" {
		t.Errorf("intent: undo %+v, watch %v", in.Undo, in.Watch)
	}
	if v := e.verify(run, in); !v.OK {
		t.Fatalf("verify: %+v", v)
	}
	e.release(run, in)
}

// PD keeps operator records in its leader's memory: after a leader change
// a finished operator has no record, and its absence proves nothing. The
// split that ran is judged by its effect ("may have run"), never "did not
// run" (found by the chaos suite).
func TestDriverObserveAfterPDLeaderChange(t *testing.T) {
	e := newDrvEnv(t, pdsim.Options{})
	r, _ := e.follower(0)
	run := e.newRun(SplitRegion, map[string]any{"region_id": r.ID, "policy": "approximate"})
	in := e.execute(run, 500*time.Millisecond, time.Minute)
	e.fault(`{"type":"pd-leader-change"}`)
	if op, err := e.reader.GetOperator(ctxT(t), r.ID); err == nil && op.Desc == "admin-split-region" {
		t.Fatalf("the new PD leader still has the record: %+v", op)
	}
	obs := e.observe(run, in)
	if obs.Phase == action.PhaseNotRun {
		t.Fatalf("a split that ran was judged not run after PD's leader changed: %+v", obs)
	}
	if obs.Phase != action.PhaseUnknown || !strings.Contains(obs.Detail, "its effect is in place") {
		t.Fatalf("observe after a PD leader change: %+v", obs)
	}
}
