package execute

import (
	"context"
	"fmt"
	"sync"

	"github.com/operator-dev/operator/internal/action"
)

// fakeDriver is a cluster that does what the test says: each Observe
// returns the next programmed phase (the last one repeats).
type fakeDriver struct {
	mu         sync.Mutex
	preflight  action.DryRunResult
	phases     []action.Phase
	verifyOK   []bool
	acquireErr error
	submitErr  error

	submits, cancels, releases, recovers, acquires int
	recovered                                      [][]action.ID
}

func newFake() *fakeDriver {
	return &fakeDriver{preflight: action.DryRunResult{Valid: true, Message: "ok", Blast: &action.Blast{Stores: 1, Regions: 1}},
		phases: []action.Phase{action.PhaseRunning, action.PhaseFinished}, verifyOK: []bool{true}}
}

func (f *fakeDriver) Preflight(context.Context, string, map[string]any) (action.DryRunResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.preflight, nil
}

func (f *fakeDriver) Plan(_ context.Context, r action.Run) (action.Intent, error) {
	return action.Intent{Call: fmt.Sprintf("POST /operators %s", r.Action), Watch: map[string]any{"region_id": 49},
		Before: map[string]any{"leader": 1},
		Undo:   &action.Step{Action: "transfer_leader", Params: map[string]any{"region_id": 49, "to_store_id": 1}}}, nil
}

func (f *fakeDriver) Acquire(context.Context, action.Run, action.Intent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.acquires++
	return f.acquireErr
}

func (f *fakeDriver) Submit(context.Context, action.Run, action.Intent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.submits++
	return f.submitErr
}

func (f *fakeDriver) Observe(context.Context, action.Run, action.Intent) (action.Observation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.phases[0]
	if len(f.phases) > 1 {
		f.phases = f.phases[1:]
	}
	return action.Observation{Phase: p, Detail: "operator " + string(p)}, nil
}

func (f *fakeDriver) Verify(context.Context, action.Run, action.Intent) (action.Verification, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ok := f.verifyOK[0]
	if len(f.verifyOK) > 1 {
		f.verifyOK = f.verifyOK[1:]
	}
	return action.Verification{OK: ok, Detail: map[bool]string{true: "leader on store 2", false: "leader still on store 1"}[ok],
		After: map[string]any{"leader": 2}}, nil
}

func (f *fakeDriver) Cancel(context.Context, action.Run, action.Intent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cancels++
	return nil
}

func (f *fakeDriver) Release(context.Context, action.Run, action.Intent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.releases++
	return nil
}

func (f *fakeDriver) Recover(_ context.Context, live []action.Run) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.recovers++
	ids := []action.ID{}
	for _, r := range live {
		ids = append(ids, r.ID)
	}
	f.recovered = append(f.recovered, ids)
	return nil
}
