package execute

import (
	"context"
	"fmt"
	"time"

	"github.com/operator-dev/operator/internal/action"
)

// Progress is how far a run's work has got, for people watching it. A run
// whose driver measures its action (action.ProgressReporter) gets that
// measure from the live cluster, whatever its state: a drain run
// completes once PD is draining, and the regions keep moving long after.
// Otherwise a step of a plan gets the plan's steps completed, from the
// store alone. ok is false when there is nothing to measure (a run that
// never executed, an action that finishes with its run).
//
// It only reads, so it does not wait for the executor's pass: a pass may
// be blocked on the cluster for as long as a submission takes.
func (e *Executor) Progress(ctx context.Context, id action.ID) (action.Progress, bool, error) {
	r, err := e.store.GetRun(ctx, id)
	if err != nil {
		return action.Progress{}, false, fmt.Errorf("progress of run %d: %w", id, err)
	}
	if p, ok, err := e.driverProgress(ctx, r); err != nil || ok {
		return p, ok, err
	}
	if r.PlanID == 0 {
		return action.Progress{}, false, nil
	}
	return e.planProgress(ctx, r.PlanID)
}

// driverProgress asks the run's driver, if it measures progress, about a
// run that executed (its intent is what the measure starts from).
func (e *Executor) driverProgress(ctx context.Context, r action.Run) (action.Progress, bool, error) {
	s, ok := e.subjects[r.Subject]
	if !ok {
		return action.Progress{}, false, nil
	}
	pr, ok := s.Driver.(action.ProgressReporter)
	if !ok {
		return action.Progress{}, false, nil
	}
	in, _, found, err := e.loadIntent(ctx, r)
	if err != nil || !found {
		return action.Progress{}, false, err
	}
	p, ok, err := pr.Progress(ctx, r, in, e.clock())
	if err != nil {
		return action.Progress{}, false, fmt.Errorf("measure the progress of run %d (%s): %w", r.ID, r.Action, err)
	}
	return p, ok, nil
}

// planProgress counts a plan's completed steps; its rate runs from when
// its first step started executing.
func (e *Executor) planProgress(ctx context.Context, plan action.ID) (action.Progress, bool, error) {
	steps, err := e.planSteps(ctx, plan)
	if err != nil {
		return action.Progress{}, false, fmt.Errorf("progress of plan %d: %w", plan, err)
	}
	if len(steps) == 0 {
		return action.Progress{}, false, nil
	}
	var started time.Time
	for _, st := range steps {
		if st.State == action.Proposed || st.State == action.Approved || st.State == action.Queued {
			continue // never executed: no executing transition to read
		}
		trs, err := e.store.RunTransitions(ctx, st.ID)
		if err != nil {
			return action.Progress{}, false, fmt.Errorf("progress of plan %d: read the history of run %d: %w", plan, st.ID, err)
		}
		for _, tr := range trs {
			if tr.To == action.Executing && (started.IsZero() || tr.At.Before(started)) {
				started = tr.At
			}
		}
	}
	return action.PlanProgress(steps, started, e.clock()), true, nil
}
