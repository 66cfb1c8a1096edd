package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/config"
	"github.com/operator-dev/operator/internal/execute"
	"github.com/operator-dev/operator/internal/notify"
	"github.com/operator-dev/operator/internal/policy"
	"github.com/operator-dev/operator/internal/store/backend"
	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/tikv/actions"
	"github.com/operator-dev/operator/internal/tikv/observe"
	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/rehearse"
)

// StepHook, when set before New, is called at each step of every action
// run (execute.Step*), after that step is durable. Only tests set it: the
// crash tests kill the daemon with SIGKILL at exactly one step.
var StepHook func(step string, run action.Run)

// newExecutor wires proposals and execution. The PD client with write
// access exists only in execute mode: in observe mode the driver has no
// way to change the cluster at all, not merely a rule against it.
func newExecutor(cfg *config.Config, st backend.Store, subj *observe.Subject, read *pd.Client, log *slog.Logger,
	pol *policy.Watcher, n *notify.Notifier) (*execute.Executor, *pd.Client, error) {
	a := cfg.Actions
	var write *pd.Client
	if a.Mode == config.ModeExecute {
		w, err := pd.New(pd.Config{
			Endpoint: cfg.PD.Endpoint, Timeout: time.Duration(cfg.PD.Timeout),
			TLS: pd.TLSConfig{CAFile: cfg.PD.WriteTLS.CAFile, CertFile: cfg.PD.WriteTLS.CertFile, KeyFile: cfg.PD.WriteTLS.KeyFile},
		})
		if err != nil {
			return nil, nil, fmt.Errorf("set up the PD write client for %s: %w", cfg.PD.Endpoint, err)
		}
		write = w
	}
	drv := &rehearsingDriver{Driver: actions.NewDriver(read, write, actions.DriverOptions{Log: log}), read: read, specs: subj.Actions()}
	ecfg := execute.Config{
		Execute:        a.Mode == config.ModeExecute,
		ProposalTTL:    time.Duration(a.ProposalTTL),
		RecoveryWindow: time.Duration(a.RecoveryWindow),
		Limits: execute.Limits{MaxStores: a.MaxStores, MaxRegions: a.MaxRegions, MaxBytes: int64(a.MaxBytes),
			MaxPerHour: a.MaxPerHour},
	}
	if pol != nil {
		ecfg.Policy = pol.Current
	}
	if n != nil {
		base := "http://" + cfg.API.Listen
		ecfg.Notify = func(ctx context.Context, m notify.Message) {
			if m.RunID != 0 && m.Link == "" {
				m.Link = fmt.Sprintf("%s/api/v1/actions/%d", base, m.RunID)
			}
			if err := n.Enqueue(ctx, m); err != nil {
				log.Warn("notification not queued; it is in the audit log as a dead letter", "kind", m.Kind, "err", err)
			}
		}
	}
	ex := execute.New(ecfg, st, map[string]execute.Subject{subj.Name(): {Actions: subj.Actions(), Driver: drv}}, log, time.Now)
	if StepHook != nil {
		ex.SetStepHook(StepHook)
	}
	return ex, write, nil
}

// runActions turns diagnoses into proposals and advances the queue, every
// actions.interval, until ctx ends. A failed pass is logged and retried:
// everything it needs is in the store.
func (a *App) runActions(ctx context.Context) {
	a.log.Info("actions", "mode", a.cfg.Actions.Mode)
	t := time.NewTicker(time.Duration(a.cfg.Actions.Interval))
	defer t.Stop()
	if a.notifier != nil {
		go a.notifier.Run(ctx) //nolint:errcheck // ends with ctx; undelivered messages are dead-lettered
	}
	lastDigest := time.Now()
	for {
		if a.notifier != nil && time.Since(lastDigest) >= 24*time.Hour {
			lastDigest = time.Now()
			if err := a.notifier.SendDigest(ctx, lastDigest); err != nil {
				a.log.Warn("the daily digest was not delivered", "err", err)
			}
		}
		if _, err := a.exec.Propose(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("proposing actions failed; retrying next tick", "err", err)
		}
		if err := a.exec.Once(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("executor pass failed; retrying next tick", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// watchPolicy reloads the policy file when it changes, on every replica:
// approvals are taken by whichever replica's API a person reaches, so
// each must judge them by the current file, leader or not.
func (a *App) watchPolicy(ctx context.Context) {
	if a.policy == nil {
		return
	}
	t := time.NewTicker(time.Duration(a.cfg.Actions.Interval))
	defer t.Stop()
	for {
		a.policy.Check(ctx) //nolint:errcheck // OnError logs and audits a refused file; the old policy stays
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// rehearsingDriver is the TiKV driver with the rehearsal beside it: the
// rehearsal package reads the invariants (observe), which read the
// registry (actions), so the two meet here rather than in the adapter.
type rehearsingDriver struct {
	*actions.Driver
	read  *pd.Client
	specs []subject.ActionSpec
}

// Rehearse implements execute.Rehearser. Actions a snapshot cannot hold
// (cancel an operator, store weights) are not rehearsed: nil, no error.
func (d *rehearsingDriver) Rehearse(ctx context.Context, name string, params map[string]any) (*action.Rehearsal, error) {
	spec, ok := subject.Action(d.specs, name)
	if !ok {
		return nil, fmt.Errorf("rehearse %s: not in the registry", name)
	}
	r, err := rehearse.Rehearse(ctx, d.read, name, params, rehearse.Options{Spec: &spec})
	if errors.Is(err, rehearse.ErrNotRehearsable) {
		return nil, nil
	}
	return r, err
}
