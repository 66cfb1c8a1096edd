package actions

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/tikv/pd"
)

// DefaultRecordRetention is how long PD keeps a finished operator's record:
// operatorStatusRemainTime in tikv/pd pkg/schedule/operator/
// operator_controller.go is 10 minutes, in a TTL cache swept once a
// minute (observed gone 10–11.5 min after the end; pdsim's recordTTL is the
// same 10 minutes). Within it, no record and no effect means "did not run".
const DefaultRecordRetention = 10 * time.Minute

// DefaultCheckerPauseMargin is added to an action's timeout when a PD
// checker is paused for it, so the pause outlives the action however long
// it is allowed to take, while PD still resumes the checker on its own if
// we crash and never release it.
const DefaultCheckerPauseMargin = 5 * time.Minute

// clockSlack widens "after the intent" when comparing PD's timestamps with
// ours: the two clocks are different machines'.
const clockSlack = 5 * time.Second

// DriverOptions tunes a Driver. The zero value uses the defaults.
type DriverOptions struct {
	Preflight PreflightOptions
	// Owner is the maintenance task type the driver takes PD's lock under
	// (default "operator"); the task id is "run-<id>".
	Owner string
	// CheckerPause is the margin over the action's timeout for which a
	// checker is paused (default DefaultCheckerPauseMargin).
	CheckerPause time.Duration
	// Clock is the time source for intents and ages (default time.Now).
	Clock func() time.Time
	// RecordRetention is how long PD keeps finished operator records
	// (default DefaultRecordRetention).
	RecordRetention time.Duration
	// Log receives what is worth knowing but not an error (a PD without
	// the maintenance API). Default: discarded.
	Log *slog.Logger
}

func (o DriverOptions) withDefaults() DriverOptions {
	if o.Owner == "" {
		o.Owner = "operator"
	}
	if o.CheckerPause <= 0 {
		o.CheckerPause = DefaultCheckerPauseMargin
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.RecordRetention <= 0 {
		o.RecordRetention = DefaultRecordRetention
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return o
}

// Driver carries out the TiKV registry's actions through PD: it is the
// adapter's action.Driver. Reads go through a read-only client; only
// Acquire, Submit, Cancel, Release and Recover use the write client.
type Driver struct {
	read, write *pd.Client
	opts        DriverOptions
}

var _ action.Driver = (*Driver)(nil)

// NewDriver returns a driver reading PD with read and changing it with
// write.
func NewDriver(read, write *pd.Client, opts DriverOptions) *Driver {
	return &Driver{read: read, write: write, opts: opts.withDefaults()}
}

// family is how one group of registry actions is planned, submitted,
// observed and verified. Each method gets the run's validated parameters.
type family interface {
	// plan returns the intent without At.
	plan(ctx context.Context, p runParams) (action.Intent, error)
	submit(ctx context.Context, p runParams) error
	observe(ctx context.Context, p runParams, in action.Intent) (action.Observation, error)
	verify(ctx context.Context, p runParams, in action.Intent) (action.Verification, error)
}

// familyOf returns the family that carries out an action.
func (d *Driver) familyOf(name string) (family, bool) {
	switch name {
	case TransferLeader, TransferPeer, AddPeer, RemovePeer, SplitRegion, MergeRegion:
		return operatorFamily{d}, true
	case CancelOperator:
		return cancelOpFamily{d}, true
	case DrainStore, CancelDrain:
		return storeStateFamily{d}, true
	case EvictLeader, CancelEvictLeader:
		return evictFamily{d}, true
	case SetStoreWeight:
		return storeWeightFamily{d}, true
	case SetStoreLimit:
		return storeLimitFamily{d}, true
	case SetLeaderScheduleLimit, SetRegionScheduleLimit, SetReplicaScheduleLimit, SetHotRegionScheduleLimit, SetLowSpaceRatio:
		return scheduleConfigFamily{d}, true
	case PauseScheduler, ResumeScheduler:
		return schedulerFamily{d}, true
	}
	return nil, false
}

// prepare validates the run's parameters and finds its family.
func (d *Driver) prepare(run action.Run) (runParams, family, error) {
	p, err := parseRunParams(run.Action, run.Params)
	if err != nil {
		return runParams{}, nil, fmt.Errorf("run %d: %w", run.ID, err)
	}
	f, ok := d.familyOf(run.Action)
	if !ok {
		return runParams{}, nil, fmt.Errorf("run %d: %w: the driver cannot carry out %s", run.ID, action.ErrInvalid, run.Action)
	}
	return p, f, nil
}

// Preflight checks the action's preconditions, changing nothing.
func (d *Driver) Preflight(ctx context.Context, name string, params map[string]any) (action.DryRunResult, error) {
	return Preflight(ctx, d.read, name, params, d.opts.Preflight)
}

// Plan returns what Submit will do, what Observe watches, the snapshot of
// what the action touches and its exact compensating action.
func (d *Driver) Plan(ctx context.Context, run action.Run) (action.Intent, error) {
	p, f, err := d.prepare(run)
	if err != nil {
		return action.Intent{}, err
	}
	in, err := f.plan(ctx, p)
	if err != nil {
		return action.Intent{}, fmt.Errorf("plan run %d (%s): %w", run.ID, run.Action, err)
	}
	if err := d.planHolds(ctx, p.spec, &in); err != nil {
		return action.Intent{}, fmt.Errorf("plan run %d (%s): %w", run.ID, run.Action, err)
	}
	in.At = d.opts.Clock()
	return in, nil
}

// Submit makes the action's one change, from the run's validated
// parameters only.
func (d *Driver) Submit(ctx context.Context, run action.Run, in action.Intent) error {
	p, f, err := d.prepare(run)
	if err != nil {
		return err
	}
	if err := f.submit(ctx, p); err != nil {
		return fmt.Errorf("submit run %d (%s): %w", run.ID, in.Call, err)
	}
	return nil
}

// Observe reports what became of the intent, from PD alone.
func (d *Driver) Observe(ctx context.Context, run action.Run, in action.Intent) (action.Observation, error) {
	p, f, err := d.prepare(run)
	if err != nil {
		return action.Observation{}, err
	}
	obs, err := f.observe(ctx, p, in)
	if err != nil {
		return action.Observation{}, fmt.Errorf("observe run %d (%s): %w", run.ID, in.Call, err)
	}
	return obs, nil
}

// Verify checks the intended effect and returns the after snapshot.
func (d *Driver) Verify(ctx context.Context, run action.Run, in action.Intent) (action.Verification, error) {
	p, f, err := d.prepare(run)
	if err != nil {
		return action.Verification{}, err
	}
	v, err := f.verify(ctx, p, in)
	if err != nil {
		return action.Verification{}, fmt.Errorf("verify run %d (%s): %w", run.ID, in.Call, err)
	}
	return v, nil
}

// Cancel stops the run's operator if it is still running and is the one
// this intent created. Nothing else is cancellable: config changes are
// immediate, and a drain is left to run (cancel_drain is its own,
// approved action, never an implicit side effect).
func (d *Driver) Cancel(ctx context.Context, run action.Run, in action.Intent) error {
	p, f, err := d.prepare(run)
	if err != nil {
		return err
	}
	of, ok := f.(operatorFamily)
	if !ok {
		return nil
	}
	if err := of.cancel(ctx, p, in); err != nil {
		return fmt.Errorf("cancel run %d (%s): %w", run.ID, in.Call, err)
	}
	return nil
}

// ageOf is how long ago the intent was recorded.
func (d *Driver) ageOf(in action.Intent) time.Duration { return d.opts.Clock().Sub(in.At) }

// noTrace is the observation for an intent PD shows no trace of: it did
// not run if PD would still remember it, else it may have.
func (d *Driver) noTrace(in action.Intent, what string) action.Observation {
	if age := d.ageOf(in); age < d.opts.RecordRetention {
		return action.Observation{Phase: action.PhaseNotRun,
			Detail: fmt.Sprintf("%s: no operator, no record, no effect %s after the intent: it did not run", what, age.Round(time.Second))}
	}
	return action.Observation{Phase: action.PhaseUnknown,
		Detail: fmt.Sprintf("%s: no operator, no record, no effect, but the intent is %s old and PD forgets finished operators after %s: it may have run and been undone",
			what, d.ageOf(in).Round(time.Second), d.opts.RecordRetention)}
}
