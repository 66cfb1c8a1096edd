package actions

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/tikv/pd"
)

// heldKey is where Plan records, in the intent's Watch, the schedulers the
// run will hold paused: those its action lists that PD runs and that are
// not paused already. Someone else's pause is left exactly as found, and
// because the list is in the recorded intent, a restarted process
// resumes exactly what this run paused.
const heldKey = "held_schedulers"

// planHolds fills the intent's list of schedulers to hold.
func (d *Driver) planHolds(ctx context.Context, spec subject.ActionSpec, in *action.Intent) error {
	if len(spec.PausesSchedulers) == 0 {
		return nil
	}
	all, err := d.read.GetSchedulers(ctx, pd.SchedulersAll)
	if err != nil {
		return fmt.Errorf("read schedulers: %w", err)
	}
	paused, err := d.read.GetSchedulers(ctx, pd.SchedulersPaused)
	if err != nil {
		return fmt.Errorf("read paused schedulers: %w", err)
	}
	hold := []string{}
	for _, s := range spec.PausesSchedulers {
		if slices.Contains(all, s) && !slices.Contains(paused, s) {
			hold = append(hold, s)
		}
	}
	if in.Watch == nil {
		in.Watch = map[string]any{}
	}
	in.Watch[heldKey] = hold
	return nil
}

// heldSchedulers reads the list Plan recorded (none for an intent without
// one).
func heldSchedulers(in action.Intent) []string {
	var out []string
	if v, ok := in.Watch[heldKey]; ok {
		_ = fromJSONValue(v, &out)
	}
	return out
}

// holdSchedulers pauses them for delay: PD resumes them by itself if the
// run's process never comes back.
func (d *Driver) holdSchedulers(ctx context.Context, run action.Run, in action.Intent, delay time.Duration) error {
	for _, s := range heldSchedulers(in) {
		if err := d.write.PauseScheduler(ctx, s, delay); err != nil {
			return fmt.Errorf("run %d: pause PD's %s for %s: %w", run.ID, s, delay, err)
		}
	}
	return nil
}

// unholdSchedulers resumes what holdSchedulers paused; idempotent.
func (d *Driver) unholdSchedulers(ctx context.Context, run action.Run, in action.Intent) error {
	var errs []error
	for _, s := range heldSchedulers(in) {
		if err := d.write.PauseScheduler(ctx, s, 0); err != nil && !errors.Is(err, pd.ErrNotFound) {
			errs = append(errs, fmt.Errorf("run %d: resume PD's %s: %w", run.ID, s, err))
		}
	}
	return errors.Join(errs...)
}
