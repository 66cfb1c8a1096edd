package execute

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/notify"
	"github.com/operator-dev/operator/internal/policy"
	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/subject"
)

// Actor names the executor uses on transitions and audit records.
const (
	ActorExecutor   = "executor"
	ActorKillSwitch = "kill-switch"
	ActorExpiry     = "expiry"
)

// Limits are the blast-radius and rate limits every run is held to,
// whoever approved it.
type Limits struct {
	MaxStores  int
	MaxRegions int
	MaxBytes   int64
	MaxPerHour int
}

// Config tunes the executor.
type Config struct {
	// Execute: approved runs are carried out. False is observe-only:
	// proposals are made and dry-run, nothing is queued or submitted.
	Execute bool
	// ProposalTTL: proposed runs older than this expire.
	ProposalTTL time.Duration
	// RecoveryWindow: how long a verified run waits for its ticket to
	// resolve before it completes anyway, saying the problem remains.
	RecoveryWindow time.Duration
	// VerifyGrace: how long a change that finished may take to show its
	// effect before verification fails (PD learns of a leader change on
	// the next region heartbeat).
	VerifyGrace time.Duration
	Limits      Limits
	// Policy is the approval policy in force (hot-reloaded by the caller);
	// nil: policy.Default().
	Policy func() *policy.Policy
	// Notify, if set, is told what people must know: approvals needed,
	// escalations, invalidated approvals, failures.
	Notify func(ctx context.Context, m notify.Message)
}

func (c Config) withDefaults() Config {
	if c.ProposalTTL <= 0 {
		c.ProposalTTL = time.Hour
	}
	if c.VerifyGrace <= 0 {
		c.VerifyGrace = time.Minute
	}
	return c
}

// Subject is one adapter's registry and driver.
type Subject struct {
	Actions []subject.ActionSpec
	Driver  action.Driver
}

// Executor carries out approved runs one at a time.
type Executor struct {
	cfg      Config
	store    store.Store
	subjects map[string]Subject
	log      *slog.Logger
	clock    func() time.Time
	// mu makes a pass, a kill and a human's cancel take turns: each reads
	// a run and moves it with its version, so two movers would only
	// collide (one gets ErrConflict), but a kill must not interleave with
	// a submission.
	mu        sync.Mutex
	recovered bool
	warned    map[action.ID]bool // in-flight runs observe mode has warned about
	waiting   map[string]bool    // queued runs already logged as waiting, by run and reason
	// hook, when set, is called at each named step of a run: tests use it
	// to kill the process at exactly that point.
	hook func(step string, r action.Run)
}

// New builds an executor.
func New(cfg Config, st store.Store, subjects map[string]Subject, log *slog.Logger, clock func() time.Time) *Executor {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if clock == nil {
		clock = time.Now
	}
	return &Executor{cfg: cfg.withDefaults(), store: st, subjects: subjects, log: log, clock: clock}
}

// SetStepHook installs a function called at each step of a run (after the
// step's state is durable). It exists for crash tests.
func (e *Executor) SetStepHook(h func(step string, r action.Run)) { e.hook = h }

func (e *Executor) step(name string, r action.Run) {
	if e.hook != nil {
		e.hook(name, r)
	}
}

// Steps of a run, as the hook names them.
const (
	StepQueued    = "queued"    // approved -> queued committed
	StepExecuting = "executing" // intent recorded, nothing called yet
	StepAcquired  = "acquired"  // lock held, checkers paused
	StepSubmitted = "submitted" // the cluster accepted the change
	StepVerifying = "verifying" // the change finished
	StepDone      = "done"      // terminal state committed, not yet released
)

// Live states: a run in one of these is the executor's business.
var liveStates = []action.State{action.Approved, action.Queued, action.Executing, action.Verifying}

// Once is one pass: recover after a start, apply the kill switch, expire
// stale proposals, and advance the oldest live run by one step.
//
// In observe-only mode nothing is written to the cluster, not even a
// cleanup: proposals expire and the kill switch cancels approved runs
// (both only in the store); a run found in flight from a time the
// operator could execute is left alone, and said so, until execute mode
// returns to finish it.
func (e *Executor) Once(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.recovered && e.cfg.Execute {
		if err := e.recover(ctx); err != nil {
			return fmt.Errorf("recover after start: %w", err)
		}
		e.recovered = true
	}
	ks, err := e.store.KillSwitch(ctx)
	if err != nil {
		return fmt.Errorf("read the kill switch: %w", err)
	}
	if ks.On {
		_, err := e.stopAll(ctx, ks)
		return err
	}
	if err := e.expire(ctx); err != nil {
		return err
	}
	if e.cfg.Execute {
		if err := e.settlePlans(ctx); err != nil {
			return err
		}
	}
	live, err := e.store.ListRuns(ctx, store.RunFilter{States: liveStates})
	if err != nil {
		return fmt.Errorf("read the queue: %w", err)
	}
	if len(live) == 0 {
		return nil
	}
	// One at a time: a run executing or verifying holds the cluster; the
	// queue waits behind it.
	for _, r := range live {
		if r.State == action.Executing || r.State == action.Verifying {
			if !e.cfg.Execute {
				e.warnInFlight(r)
				return nil
			}
			return e.advance(ctx, r)
		}
	}
	if !e.cfg.Execute {
		return nil // observe-only: approved runs wait (approval is refused anyway)
	}
	for _, r := range live {
		if r.State == action.Queued {
			return e.start(ctx, r)
		}
	}
	next, ok, err := e.pickNext(ctx, live)
	if err != nil || !ok {
		return err
	}
	return e.enqueue(ctx, next)
}

// warnInFlight says once per run that observe-only mode leaves it alone.
func (e *Executor) warnInFlight(r action.Run) {
	if e.warned == nil {
		e.warned = map[action.ID]bool{}
	}
	if e.warned[r.ID] {
		return
	}
	e.warned[r.ID] = true
	e.log.Warn("an action run is in flight but actions.mode is observe: it is left as it is; set actions.mode: execute to observe it to its end",
		"run", r.ID, "action", r.Action, "state", r.State)
}

// recover lets each driver release what dead runs may still hold.
func (e *Executor) recover(ctx context.Context) error {
	live, err := e.store.ListRuns(ctx, store.RunFilter{States: []action.State{action.Executing, action.Verifying}})
	if err != nil {
		return fmt.Errorf("read running runs: %w", err)
	}
	for name, s := range e.subjects {
		var mine []action.Run
		for _, r := range live {
			if r.Subject == name {
				mine = append(mine, r)
			}
		}
		if err := s.Driver.Recover(ctx, mine); err != nil {
			return fmt.Errorf("recover %s: %w", name, err)
		}
	}
	if len(live) > 0 {
		e.log.Warn("found runs in flight at start: observing them, never resubmitting", "runs", len(live))
	}
	return nil
}

// enqueue moves an approved run to queued.
func (e *Executor) enqueue(ctx context.Context, r action.Run) error {
	r, err := e.move(ctx, r, action.Queued, ActorExecutor, "next in the queue", nil)
	if err != nil {
		return err
	}
	e.step(StepQueued, r)
	return nil
}

// move is one transition, with the run's version.
func (e *Executor) move(ctx context.Context, r action.Run, to action.State, actor, reason string, data map[string]any) (action.Run, error) {
	moved, err := e.store.TransitionRun(ctx, r.ID, r.Version,
		action.Transition{To: to, At: e.clock(), Actor: actor, Reason: reason, Data: data})
	if err != nil {
		return r, fmt.Errorf("move run %d (%s) to %s: %w", r.ID, r.Action, to, err)
	}
	e.log.Info("action run moved", "run", r.ID, "action", r.Action, "from", r.State, "to", to, "reason", reason)
	if to.Terminal() {
		e.noteOutcome(ctx, moved)
	}
	return moved, nil
}

func (e *Executor) subjectOf(r action.Run) (Subject, subject.ActionSpec, error) {
	s, ok := e.subjects[r.Subject]
	if !ok {
		return s, subject.ActionSpec{}, fmt.Errorf("run %d: no driver for subject %q", r.ID, r.Subject)
	}
	spec, ok := subject.Action(s.Actions, r.Action)
	if !ok {
		return s, spec, fmt.Errorf("run %d: %q is not in the %s registry", r.ID, r.Action, r.Subject)
	}
	return s, spec, nil
}

// notify tells people, if a notifier is configured.
func (e *Executor) notify(ctx context.Context, m notify.Message) {
	if e.cfg.Notify != nil {
		e.cfg.Notify(ctx, m)
	}
}
