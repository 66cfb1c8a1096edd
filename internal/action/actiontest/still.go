// Package actiontest holds action drivers for tests of the layers above
// the executor (the API, the console): clusters that do as told.
package actiontest

import (
	"context"

	"github.com/operator-dev/operator/internal/action"
)

// Still is a cluster whose preflight answers Res and on which nothing
// ever finishes: enough to drive proposals and approvals.
type Still struct{ Res action.DryRunResult }

var _ action.Driver = (*Still)(nil)

// Preflight implements action.Driver.
func (d *Still) Preflight(context.Context, string, map[string]any) (action.DryRunResult, error) {
	return d.Res, nil
}

// Plan implements action.Driver.
func (d *Still) Plan(context.Context, action.Run) (action.Intent, error) {
	return action.Intent{Call: "POST /operators"}, nil
}

// Acquire implements action.Driver.
func (d *Still) Acquire(context.Context, action.Run, action.Intent) error { return nil }

// Submit implements action.Driver.
func (d *Still) Submit(context.Context, action.Run, action.Intent) error { return nil }

// Observe implements action.Driver: always still running.
func (d *Still) Observe(context.Context, action.Run, action.Intent) (action.Observation, error) {
	return action.Observation{Phase: action.PhaseRunning, Detail: "running"}, nil
}

// Verify implements action.Driver.
func (d *Still) Verify(context.Context, action.Run, action.Intent) (action.Verification, error) {
	return action.Verification{OK: true}, nil
}

// Cancel implements action.Driver.
func (d *Still) Cancel(context.Context, action.Run, action.Intent) error { return nil }

// Release implements action.Driver.
func (d *Still) Release(context.Context, action.Run, action.Intent) error { return nil }

// Recover implements action.Driver.
func (d *Still) Recover(context.Context, []action.Run) error { return nil }
