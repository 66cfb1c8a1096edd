package actions

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

// drvEnv is a Driver on a pdsim cluster whose clock the test moves: the
// driver's clock is the simulator's, so intent times and PD's operator
// times are the same clock. Nothing here sleeps.
type drvEnv struct {
	*pfEnv
	d      *Driver
	nextID action.ID
}

func newDrvEnv(t *testing.T, opts pdsim.Options) *drvEnv {
	t.Helper()
	if opts.Stores == 0 {
		opts.Stores = 5
	}
	if opts.Regions == 0 {
		opts.Regions = 100
	}
	e := &drvEnv{pfEnv: newPFEnv(t, opts), nextID: 40}
	e.d = NewDriver(e.reader, e.writer, DriverOptions{Clock: e.clock.Now})
	return e
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// newRun is a run of the action as the executor hands it to the driver.
func (e *drvEnv) newRun(name string, params map[string]any) action.Run {
	e.nextID++
	return action.Run{ID: e.nextID, Subject: "tikv", Action: name, Params: params, State: action.Executing, CreatedBy: "test"}
}

// stored is the intent as the store gives it back: through JSON, numbers
// as float64.
func stored(t *testing.T, in action.Intent) action.Intent {
	t.Helper()
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatalf("intent does not encode: %v", err)
	}
	var out action.Intent
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("intent does not decode: %v", err)
	}
	return out
}

func (e *drvEnv) plan(run action.Run) action.Intent {
	e.t.Helper()
	in, err := e.d.Plan(ctxT(e.t), run)
	if err != nil {
		e.t.Fatalf("plan %s %v: %v", run.Action, run.Params, err)
	}
	if in.Call == "" || len(in.Watch) == 0 || len(in.Before) == 0 || !in.At.Equal(e.clock.Now()) {
		e.t.Fatalf("plan %s: incomplete intent %+v", run.Action, in)
	}
	e.t.Logf("%s: call %q\n  watch %v\n  before %v\n  undo %+v", run.Action, in.Call, in.Watch, in.Before, in.Undo)
	return stored(e.t, in)
}

func (e *drvEnv) observe(run action.Run, in action.Intent) action.Observation {
	e.t.Helper()
	obs, err := e.d.Observe(ctxT(e.t), run, in)
	if err != nil {
		e.t.Fatalf("observe %s: %v", run.Action, err)
	}
	return obs
}

// waitPhase moves the simulated clock in steps until Observe reports want,
// failing once limit of simulated time has passed.
func (e *drvEnv) waitPhase(run action.Run, in action.Intent, want action.Phase, step, limit time.Duration) action.Observation {
	e.t.Helper()
	deadline := e.clock.Now().Add(limit)
	for {
		obs := e.observe(run, in)
		if obs.Phase == want {
			e.t.Logf("%s: %s after %s: %s", run.Action, obs.Phase, e.clock.Now().Sub(in.At), obs.Detail)
			return obs
		}
		if obs.Phase != action.PhaseRunning && obs.Phase != action.PhaseNotRun {
			e.t.Fatalf("%s: phase %s (%s), want %s", run.Action, obs.Phase, obs.Detail, want)
		}
		if !e.clock.Now().Before(deadline) {
			e.t.Fatalf("%s: still %s (%s) after %s of simulated time, want %s", run.Action, obs.Phase, obs.Detail, limit, want)
		}
		e.clock.Advance(step)
	}
}

// execute runs the executor's sequence for one run up to a finished
// Observe, returning the intent.
func (e *drvEnv) execute(run action.Run, step, limit time.Duration) action.Intent {
	e.t.Helper()
	ctx := ctxT(e.t)
	in := e.plan(run)
	if obs := e.observe(run, in); obs.Phase != action.PhaseNotRun {
		e.t.Fatalf("%s before submit: %s (%s), want not_run", run.Action, obs.Phase, obs.Detail)
	}
	if err := e.d.Acquire(ctx, run, in); err != nil {
		e.t.Fatalf("acquire %s: %v", run.Action, err)
	}
	if err := e.d.Submit(ctx, run, in); err != nil {
		e.t.Fatalf("submit %s: %v", run.Action, err)
	}
	e.waitPhase(run, in, action.PhaseFinished, step, limit)
	return in
}

func (e *drvEnv) verify(run action.Run, in action.Intent) action.Verification {
	e.t.Helper()
	v, err := e.d.Verify(ctxT(e.t), run, in)
	if err != nil {
		e.t.Fatalf("verify %s: %v", run.Action, err)
	}
	e.t.Logf("%s: verified ok=%v: %s", run.Action, v.OK, v.Detail)
	return v
}

// verifyEventually polls Verify, moving the simulated clock, until it is
// OK or limit has passed; it returns the last verification.
func (e *drvEnv) verifyEventually(run action.Run, in action.Intent, step, limit time.Duration) action.Verification {
	e.t.Helper()
	deadline := e.clock.Now().Add(limit)
	for {
		v := e.verify(run, in)
		if v.OK {
			return v
		}
		if !e.clock.Now().Before(deadline) {
			e.t.Fatalf("%s: not verified after %s of simulated time: %s", run.Action, limit, v.Detail)
		}
		e.clock.Advance(step)
	}
}

func (e *drvEnv) release(run action.Run, in action.Intent) {
	e.t.Helper()
	for i := 0; i < 2; i++ { // idempotent
		if err := e.d.Release(ctxT(e.t), run, in); err != nil {
			e.t.Fatalf("release %s (#%d): %v", run.Action, i+1, err)
		}
	}
	if tasks, err := e.reader.GetMaintenance(ctxT(e.t)); err != nil || len(tasks) != 0 {
		e.t.Fatalf("maintenance tasks after release: %v %v", tasks, err)
	}
}

// simStatus is pdsim's GET /pdsim/v1/status, the part the tests read.
type simStatus struct {
	OperatorsCreated         int            `json:"operators_created"`
	OperatorsCreatedByRegion map[string]int `json:"operators_created_by_region"`
}

func (e *drvEnv) simStatus() simStatus {
	e.t.Helper()
	resp, err := http.Get(e.srv.URL + "/pdsim/v1/status")
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var st simStatus
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		e.t.Fatal(err)
	}
	return st
}

func (e *drvEnv) region(id pd.RegionID) *pd.RegionInfo {
	e.t.Helper()
	r, err := e.reader.GetRegion(ctxT(e.t), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// freeStore is a store without a replica of r.
func freeStore(t *testing.T, r pd.RegionInfo, stores int) pd.StoreID {
	t.Helper()
	for s := pd.StoreID(1); s <= pd.StoreID(stores); s++ {
		if _, ok := r.PeerOnStore(s); !ok {
			return s
		}
	}
	t.Fatalf("region %d has a replica on every store", r.ID)
	return 0
}

func wantUndo(t *testing.T, in action.Intent, name string, params map[string]any) {
	t.Helper()
	if in.Undo == nil {
		t.Fatalf("no undo, want %s %v", name, params)
	}
	if in.Undo.Action != name || len(in.Undo.Params) != len(params) {
		t.Fatalf("undo %s %v, want %s %v", in.Undo.Action, in.Undo.Params, name, params)
	}
	for k, want := range params {
		got := in.Undo.Params[k]
		if gu, ok := asUint(got); ok {
			if wu, ok := asUint(want); ok && gu == wu {
				continue
			}
		}
		gf, gok := asFloat(got)
		wf, wok := asFloat(want)
		if gok && wok && gf == wf {
			continue
		}
		if got != want {
			t.Errorf("undo %s: %s is %v (%T), want %v", in.Undo.Action, k, got, got, want)
		}
	}
}

func TestParseRunParams(t *testing.T) {
	for _, tc := range []struct {
		action string
		params map[string]any
		want   string // "" for valid
	}{
		{TransferLeader, map[string]any{"region_id": json.Number("49"), "to_store_id": 5.0}, ""},
		{TransferLeader, map[string]any{"region_id": 49}, "parameter to_store_id is missing"},
		{TransferLeader, map[string]any{"region_id": 49, "to_store_id": 5, "force": true}, "unknown parameter force"},
		{TransferLeader, map[string]any{"region_id": -1, "to_store_id": 5}, "not a positive whole number"},
		{SetLeaderScheduleLimit, map[string]any{"value": 2.5}, "not a whole number"},
		{SetLeaderScheduleLimit, map[string]any{"value": 0}, "outside 1..1024"},
		{SplitRegion, map[string]any{"region_id": 2, "policy": "usekey"}, "needs parameter key"},
		{SplitRegion, map[string]any{"region_id": 2, "policy": "middle"}, "not one of"},
		{PauseScheduler, map[string]any{"name": "balance-leader-scheduler", "for": "10s"}, "outside"},
		{PauseScheduler, map[string]any{"name": "balance-leader-scheduler", "for": "10m"}, ""},
		{"format_disks", nil, "not an action in the registry"},
	} {
		_, err := parseRunParams(tc.action, tc.params)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s %v: %v", tc.action, tc.params, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, action.ErrInvalid)):
			t.Errorf("%s %v: error %v, want ErrInvalid saying %q", tc.action, tc.params, err, tc.want)
		}
	}
}
