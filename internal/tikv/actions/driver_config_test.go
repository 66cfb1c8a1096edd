package actions

import (
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

// The immediate actions, in an order where each later one relies on the
// earlier (resume after pause, remove after evict). settle is simulated
// time let pass before Verify, for effects PD brings about gradually
// (leaders leaving); a drain's Verify is polled until regions move.
func TestDriverConfigAndStoreActions(t *testing.T) {
	e := newDrvEnv(t, pdsim.Options{})
	for _, tc := range []struct {
		name   string
		params map[string]any
		watch  string
		undo   *action.Step // nil: none expected
		settle time.Duration
	}{
		{SetLeaderScheduleLimit, map[string]any{"value": 8}, "schedule-config",
			&action.Step{Action: SetLeaderScheduleLimit, Params: map[string]any{"value": 4}}, 0},
		{SetRegionScheduleLimit, map[string]any{"value": 100}, "schedule-config",
			&action.Step{Action: SetRegionScheduleLimit, Params: map[string]any{"value": 2048}}, 0},
		{SetLowSpaceRatio, map[string]any{"value": 0.85}, "schedule-config",
			&action.Step{Action: SetLowSpaceRatio, Params: map[string]any{"value": 0.8}}, 0},
		{SetStoreWeight, map[string]any{"store_id": 2, "leader_weight": 2, "region_weight": 0.5}, "store-weight",
			&action.Step{Action: SetStoreWeight, Params: map[string]any{"store_id": 2, "leader_weight": 1, "region_weight": 1}}, 0},
		{SetStoreLimit, map[string]any{"store_id": 2, "type": "add-peer", "rate": 30}, "store-limit",
			&action.Step{Action: SetStoreLimit, Params: map[string]any{"store_id": 2, "type": "add-peer", "rate": 15}}, 0},
		{PauseScheduler, map[string]any{"name": "balance-region-scheduler", "for": "10m"}, "scheduler-paused",
			&action.Step{Action: ResumeScheduler, Params: map[string]any{"name": "balance-region-scheduler"}}, 0},
		{ResumeScheduler, map[string]any{"name": "balance-region-scheduler"}, "scheduler-paused",
			&action.Step{Action: PauseScheduler, Params: map[string]any{"name": "balance-region-scheduler", "for": "10m0s"}}, 0},
		{EvictLeader, map[string]any{"store_id": 3}, "evict-leader",
			&action.Step{Action: CancelEvictLeader, Params: map[string]any{"store_id": 3}}, time.Minute},
		{CancelEvictLeader, map[string]any{"store_id": 3}, "evict-leader",
			&action.Step{Action: EvictLeader, Params: map[string]any{"store_id": 3}}, 0},
		{DrainStore, map[string]any{"store_id": 1}, "store-state",
			&action.Step{Action: CancelDrain, Params: map[string]any{"store_id": 1}}, 0},
	} {
		run := e.newRun(tc.name, tc.params)
		in := e.execute(run, time.Second, 10*time.Second)
		if in.Watch["kind"] != tc.watch {
			t.Errorf("%s: watch %v, want kind %s", tc.name, in.Watch, tc.watch)
		}
		wantUndo(t, in, tc.undo.Action, tc.undo.Params)
		e.clock.Advance(tc.settle)
		if v := e.verifyEventually(run, in, time.Second, time.Minute); v.After == nil {
			t.Fatalf("%s: verify: %+v", tc.name, v)
		}
		if err := e.d.Cancel(ctxT(t), run, in); err != nil { // nothing to cancel: a no-op
			t.Fatalf("%s: cancel: %v", tc.name, err)
		}
		e.release(run, in)
	}
	if st := e.simStatus(); st.OperatorsCreated != 0 {
		t.Errorf("config actions created %d operators", st.OperatorsCreated)
	}
}

// A value that is neither the target nor the one before was changed by
// someone else: the run fails rather than claim it.
func TestDriverObserveChangedBySomeoneElse(t *testing.T) {
	e := newDrvEnv(t, pdsim.Options{})
	run := e.newRun(SetLeaderScheduleLimit, map[string]any{"value": 8})
	in := e.plan(run)
	e.post("/pd/api/v1/config/schedule", `{"leader-schedule-limit":6}`)
	obs := e.observe(run, in)
	if obs.Phase != action.PhaseFailed || !strings.Contains(obs.Detail, "changed by someone else") || !strings.Contains(obs.Detail, "6") {
		t.Fatalf("observe: %+v", obs)
	}
}

// A drain submitted while nothing moves: Observe says finished (the store
// is Offline), Verify refuses until the region count falls. cancel_drain
// then brings it back Up.
func TestDriverDrainAndCancel(t *testing.T) {
	e := newDrvEnv(t, pdsim.Options{})
	e.post("/pd/api/v1/config/schedule", `{"halt-scheduling":"true"}`)
	drain := e.newRun(DrainStore, map[string]any{"store_id": 4})
	din := e.execute(drain, time.Second, 5*time.Second)
	if v := e.verify(drain, din); v.OK || !strings.Contains(v.Detail, "not falling") {
		t.Fatalf("verify while nothing moves: %+v", v)
	}
	e.release(drain, din)

	cancel := e.newRun(CancelDrain, map[string]any{"store_id": 4})
	cin := e.execute(cancel, time.Second, 5*time.Second)
	wantUndo(t, cin, DrainStore, map[string]any{"store_id": 4})
	if v := e.verify(cancel, cin); !v.OK {
		t.Fatalf("verify cancel_drain: %+v", v)
	}
	e.release(cancel, cin)
	if st, err := e.reader.GetStore(ctxT(t), 4); err != nil || st.Store.State != pd.StoreUp {
		t.Fatalf("store 4: %+v %v", st, err)
	}
}
