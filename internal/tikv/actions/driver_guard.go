package actions

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/tikv/pd"
)

// What a run holds while it executes: PD's cluster-wide maintenance lock
// (v2 API, one task at a time), taken as task <Owner>/run-<id>, and the PD
// checkers that would undo its change, paused. Order matters for crash
// recovery: Acquire takes the lock before pausing a checker and Release
// resumes checkers before dropping the lock, so a checker we paused is
// always covered by a lock of ours that Recover can find.

// taskID is the maintenance task id of a run.
func taskID(id action.ID) string { return fmt.Sprintf("run-%d", id) }

// noMaintenanceAPI: PD answers a route it does not have with a text 404;
// PD's own maintenance answers on PUT are only 200 and 409.
func noMaintenanceAPI(err error) bool {
	var e *pd.Error
	return errors.As(err, &e) && e.Status == http.StatusNotFound && e.Existing == nil
}

// Acquire takes PD's maintenance lock for the run and pauses the checkers
// its action lists, for the action's timeout plus a margin so that PD
// resumes them by itself if we never come back.
func (d *Driver) Acquire(ctx context.Context, run action.Run, in action.Intent) error {
	p, _, err := d.prepare(run)
	if err != nil {
		return err
	}
	owner, id := d.opts.Owner, taskID(run.ID)
	held, err := d.lock(ctx, run, in)
	if err != nil {
		return err
	}
	delay := (p.spec.Timeout + d.opts.CheckerPause).Round(time.Second)
	// Nothing was submitted yet: on a failure, give back what was taken.
	giveBack := func(err error) error {
		if rerr := d.release(ctx, run, in, p.spec, held); rerr != nil {
			err = errors.Join(err, rerr)
		}
		return err
	}
	for _, c := range p.spec.PausesCheckers {
		if err := d.write.PauseChecker(ctx, c, delay); err != nil {
			return giveBack(fmt.Errorf("run %d: pause PD's %s checker for %s: %w", run.ID, c, delay, err))
		}
	}
	if err := d.holdSchedulers(ctx, run, in, delay); err != nil {
		return giveBack(err)
	}
	d.opts.Log.Info("acquired", "run", run.ID, "task", owner+"/"+id, "lock", held, "checkers", p.spec.PausesCheckers,
		"schedulers", heldSchedulers(in), "for", delay)
	return nil
}

// lock takes the maintenance lock; held is false on a PD without the
// maintenance API, where there is no lock to take.
func (d *Driver) lock(ctx context.Context, run action.Run, in action.Intent) (held bool, err error) {
	owner, id := d.opts.Owner, taskID(run.ID)
	desc := fmt.Sprintf("%s run %d: %s: %s", owner, run.ID, run.Action, in.Call)
	err = d.write.StartMaintenance(ctx, owner, id, desc)
	var e *pd.Error
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &e) && e.Existing != nil:
		x := e.Existing
		if x.Type == owner && x.ID == id {
			return true, nil // ours already: a restart re-acquiring
		}
		return false, fmt.Errorf("run %d: %w: PD's maintenance lock is held by task %s/%s (%q) since %s",
			run.ID, action.ErrRefused, x.Type, x.ID, x.Description, x.Started().Format(time.RFC3339))
	case noMaintenanceAPI(err):
		d.opts.Log.Warn("PD has no maintenance API (v2): running without the cluster-wide lock", "run", run.ID, "error", err)
		return false, nil
	}
	return false, fmt.Errorf("run %d: take PD's maintenance lock %s/%s: %w", run.ID, owner, id, err)
}

// Release resumes the checkers and schedulers the action paused and drops
// the lock if it is ours. It is idempotent: what is already gone is fine.
func (d *Driver) Release(ctx context.Context, run action.Run, in action.Intent) error {
	p, _, err := d.prepare(run)
	if err != nil {
		return err
	}
	return d.release(ctx, run, in, p.spec, true)
}

func (d *Driver) release(ctx context.Context, run action.Run, in action.Intent, spec subject.ActionSpec, lock bool) error {
	var errs []error
	if err := d.unholdSchedulers(ctx, run, in); err != nil {
		errs = append(errs, err)
	}
	for _, c := range spec.PausesCheckers {
		if err := d.write.PauseChecker(ctx, c, 0); err != nil && !errors.Is(err, pd.ErrNotFound) {
			errs = append(errs, fmt.Errorf("run %d: resume PD's %s checker: %w", run.ID, c, err))
		}
	}
	if lock {
		if err := d.unlock(ctx, taskID(run.ID)); err != nil {
			errs = append(errs, fmt.Errorf("run %d: %w", run.ID, err))
		}
	}
	return errors.Join(errs...)
}

// unlock deletes our task; none (404) or another's (409) is left as is.
func (d *Driver) unlock(ctx context.Context, id string) error {
	err := d.write.DeleteMaintenance(ctx, d.opts.Owner, id)
	if err == nil || errors.Is(err, pd.ErrNotFound) || errors.Is(err, pd.ErrConflict) {
		return nil
	}
	return fmt.Errorf("end maintenance task %s/%s: %w", d.opts.Owner, id, err)
}

// Recover drops a maintenance task of ours whose run is no longer live
// (we crashed holding it), and resumes the checkers such a run may have
// paused unless a live run needs them paused. A checker paused while no
// task of ours is stale was paused by someone else and is left alone:
// Acquire always locks before pausing and Release resumes before
// unlocking. On a PD without the maintenance API that cannot be told, and
// any checker no live run needs is resumed.
func (d *Driver) Recover(ctx context.Context, live []action.Run) error {
	liveTasks := map[string]bool{}
	needed := map[string]bool{}
	for _, r := range live {
		liveTasks[taskID(r.ID)] = true
		if spec, ok := subject.Action(Registry(), r.Action); ok {
			for _, c := range spec.PausesCheckers {
				needed[c] = true
			}
		}
	}
	var errs []error
	stale, api := false, true
	tasks, err := d.read.GetMaintenance(ctx)
	switch {
	case noMaintenanceAPI(err):
		api = false
	case err != nil:
		errs = append(errs, fmt.Errorf("recover: read PD's maintenance tasks: %w", err))
	}
	for _, t := range tasks {
		if t.Type != d.opts.Owner || liveTasks[t.ID] {
			continue
		}
		stale = true
		d.opts.Log.Warn("dropping a stale maintenance task", "task", t.Type+"/"+t.ID, "description", t.Description, "since", t.Started())
		if err := d.unlock(ctx, t.ID); err != nil {
			errs = append(errs, fmt.Errorf("recover: %w", err))
		}
	}
	if stale || !api {
		for _, c := range pausedCheckers() {
			if needed[c] {
				continue
			}
			st, err := d.read.GetChecker(ctx, c)
			if err != nil {
				errs = append(errs, fmt.Errorf("recover: read PD's %s checker: %w", c, err))
				continue
			}
			if !st.Paused {
				continue
			}
			if err := d.write.PauseChecker(ctx, c, 0); err != nil {
				errs = append(errs, fmt.Errorf("recover: resume PD's %s checker: %w", c, err))
			}
		}
	}
	return errors.Join(errs...)
}

// pausedCheckers lists every checker some registry action pauses.
func pausedCheckers() []string {
	var out []string
	for _, s := range Registry() {
		for _, c := range s.PausesCheckers {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return out
}
