package execute

import (
	"context"
	"errors"
	"fmt"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/audit"
	"github.com/operator-dev/operator/internal/store"
)

// start takes a queued run to the cluster: preflight again, hold it to the
// limits, record the intent (executing), take the lock, submit. Only this
// function submits, and only in the pass that recorded the intent.
func (e *Executor) start(ctx context.Context, r action.Run) error {
	s, spec, err := e.subjectOf(r)
	if err != nil {
		_, merr := e.move(ctx, r, action.Failed, ActorExecutor, "did not run: "+err.Error(), nil)
		return merr
	}
	res, err := s.Driver.Preflight(ctx, r.Action, r.Params)
	if err != nil {
		// The cluster could not be read: the run stays queued and is
		// checked again next pass (a cancel or the kill switch can still
		// stop it).
		return fmt.Errorf("preflight run %d before execution: %w", r.ID, err)
	}
	if !res.Valid {
		_, err := e.move(ctx, r, action.Failed, ActorExecutor, "did not run: the preflight right before execution refused it: "+res.Message,
			map[string]any{"preflight": dryRunData(res)})
		return err
	}
	if why, err := e.overLimits(ctx, res); err != nil {
		return err
	} else if why != "" {
		_, err := e.move(ctx, r, action.Failed, ActorExecutor, "did not run: "+why, map[string]any{"preflight": dryRunData(res)})
		return err
	}
	in, err := s.Driver.Plan(ctx, r)
	if err != nil {
		return fmt.Errorf("plan run %d: %w", r.ID, err)
	}
	in.At = e.clock()
	data, err := intentData(in)
	if err != nil {
		return err
	}
	data["preflight"] = dryRunData(res)
	// The intent is durable before anything reaches the cluster: from here
	// on a restart observes, it never submits.
	r, err = e.move(ctx, r, action.Executing, ActorExecutor, in.Call, data)
	if err != nil {
		return err
	}
	e.step(StepExecuting, r)
	if err := s.Driver.Acquire(ctx, r, in); err != nil {
		e.pdCall(ctx, r, "acquire", in.Call, err)
		reason := "did not run: could not take what it needs held: " + err.Error()
		if errors.Is(err, action.ErrRefused) {
			reason = "did not run: " + err.Error()
		}
		return e.finish(ctx, s, r, in, action.Failed, reason, nil)
	}
	e.step(StepAcquired, r)
	subErr := s.Driver.Submit(ctx, r, in)
	e.pdCall(ctx, r, "submit", in.Call, subErr)
	if subErr != nil {
		// The call failed, but a timeout can hide a change that happened:
		// ask the cluster before saying it did not run.
		obs, err := s.Driver.Observe(ctx, r, in)
		switch {
		case err != nil:
			return fmt.Errorf("run %d: submit failed (%v) and the cluster could not be asked what became of it: %w", r.ID, subErr, err)
		case obs.Phase == action.PhaseNotRun:
			return e.finish(ctx, s, r, in, action.Failed, "did not run: the cluster refused it: "+subErr.Error(), obsData(obs))
		case obs.Phase == action.PhaseUnknown:
			return e.finish(ctx, s, r, in, action.Failed, "may have run: the call failed ("+subErr.Error()+") and "+obs.Detail, obsData(obs))
		}
		// It ran after all: observe it like any other.
	}
	e.step(StepSubmitted, r)
	_ = spec
	return nil
}

// finish moves a run to a terminal state and releases what it held. A
// failed release is logged: the driver's Recover cleans up at the next
// start, and PD resumes a paused checker by itself when the pause ends.
func (e *Executor) finish(ctx context.Context, s Subject, r action.Run, in action.Intent, to action.State, reason string, data map[string]any) error {
	moved, err := e.move(ctx, r, to, ActorExecutor, reason, data)
	if err != nil {
		return err
	}
	e.step(StepDone, moved)
	if err := s.Driver.Release(ctx, moved, in); err != nil {
		e.log.Error("could not release what the run held; it is released at the next start", "run", r.ID, "err", err)
		e.pdCall(ctx, moved, "release", "release lock and checkers", err)
		return nil
	}
	e.pdCall(ctx, moved, "release", "release lock and checkers", nil)
	return nil
}

// pdCall appends an audit record of one call to the cluster and its result.
func (e *Executor) pdCall(ctx context.Context, r action.Run, step, call string, callErr error) {
	data := map[string]any{"run": int64(r.ID), "step": step, "call": call, "ok": callErr == nil}
	if callErr != nil {
		data["error"] = callErr.Error()
	}
	rec := audit.Record{At: e.clock(), Actor: ActorExecutor, Kind: audit.KindPDCall,
		Subject: store.RunSubject(r.Action, r.Params), Ref: store.RunRef(r.ID), Data: data}
	if _, err := e.store.Audit().Append(ctx, rec); err != nil {
		e.log.Error("could not append the audit record of a cluster call", "run", r.ID, "step", step, "err", err)
	}
}

func dryRunData(res action.DryRunResult) map[string]any {
	out := map[string]any{"valid": res.Valid, "message": res.Message}
	if len(res.Warnings) > 0 {
		out["warnings"] = res.Warnings
	}
	if res.Blast != nil {
		out["blast"] = map[string]any{"stores": res.Blast.Stores, "regions": res.Blast.Regions, "bytes": res.Blast.Bytes}
	}
	return out
}

func obsData(o action.Observation) map[string]any {
	out := map[string]any{"phase": string(o.Phase), "detail": o.Detail}
	if len(o.Data) > 0 {
		out["data"] = o.Data
	}
	return map[string]any{"observation": out}
}
