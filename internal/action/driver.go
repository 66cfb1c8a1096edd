package action

import (
	"context"
	"time"
)

// Driver carries out one adapter's registry actions on its cluster. The
// executor (core) decides when; the driver knows how. Every method is
// safe to call again after a crash: none of them assumes the process that
// started a run is the one finishing it.
//
// The executor's order for one run is:
//
//	Preflight -> Plan -> (executing, intent recorded) -> Acquire -> Submit
//	-> Observe ... until finished -> (verifying) -> Verify -> Release
//
// and after a restart, for a run found executing or verifying: Observe
// (what became of the intent), then Verify, then Release.
type Driver interface {
	// Preflight checks the action's preconditions against the live
	// cluster, changing nothing. A failed precondition is Valid=false with
	// a message; the error is for a cluster that could not be read.
	Preflight(ctx context.Context, name string, params map[string]any) (DryRunResult, error)

	// Plan returns the intent: what Submit will do and what to watch for,
	// with a snapshot of what the action touches before it runs. It is
	// recorded before anything reaches the cluster, so a restart knows
	// what may have been submitted. It changes nothing.
	Plan(ctx context.Context, run Run) (Intent, error)

	// Acquire takes what the action needs held while it runs: the
	// cluster's maintenance lock, PD checkers that would undo it paused.
	// A refusal (another task holds the lock) is an error wrapping
	// ErrRefused whose message names the holder; nothing was submitted.
	Acquire(ctx context.Context, run Run, in Intent) error

	// Submit makes the one change. An error means the cluster refused it
	// or the call failed; whether it may still have happened is for
	// Observe to find out.
	Submit(ctx context.Context, run Run, in Intent) error

	// Observe reports what became of a submitted (or maybe submitted)
	// intent, from the cluster alone.
	Observe(ctx context.Context, run Run, in Intent) (Observation, error)

	// Verify checks the intended effect after the change finished and
	// returns the after snapshot.
	Verify(ctx context.Context, run Run, in Intent) (Verification, error)

	// Cancel stops a submitted change that is still running (the kill
	// switch, a human's cancel), touching only what this intent created.
	Cancel(ctx context.Context, run Run, in Intent) error

	// Release gives back what Acquire took. It is idempotent.
	Release(ctx context.Context, run Run, in Intent) error

	// Recover runs once at start-up, before any run moves: it releases
	// what runs no longer live may still hold (a lock, a paused checker)
	// after a crash. live are the runs still executing or verifying.
	Recover(ctx context.Context, live []Run) error
}

// Intent is what a run is about to do, recorded on the executing
// transition before the cluster is called.
type Intent struct {
	// Call is the cluster call in words: "POST /operators split-region region 49".
	Call string `json:"call"`
	// Watch is what Observe looks for: an operator on a region, a config
	// key's value, a store's state. Adapter-defined, JSON-safe.
	Watch map[string]any `json:"watch,omitempty"`
	// Before is the snapshot of what the action touches.
	Before map[string]any `json:"before,omitempty"`
	// Undo is the compensating action with exact parameters (the
	// recorded previous value), if the action is reversible.
	Undo *Step `json:"undo,omitempty"`
	// At is when the intent was recorded: anything the cluster did for
	// this run happened after it.
	At time.Time `json:"at"`
}

// Step is one registry action with parameters.
type Step struct {
	Action string         `json:"action"`
	Params map[string]any `json:"params"`
}

// Phase is where a submitted change is.
type Phase string

// Phases of a submitted change.
const (
	// PhaseRunning: the cluster is still carrying it out.
	PhaseRunning Phase = "running"
	// PhaseFinished: the cluster says it finished successfully (an
	// operator's SUCCESS, a config value in place).
	PhaseFinished Phase = "finished"
	// PhaseFailed: the cluster ended it without success (TIMEOUT, CANCEL,
	// REPLACE, refused); the run fails.
	PhaseFailed Phase = "failed"
	// PhaseNotRun: the cluster shows no trace of it and could show one if
	// it had happened: it did not run.
	PhaseNotRun Phase = "not_run"
	// PhaseUnknown: no trace, but the cluster may have forgotten one (PD
	// drops finished operators after minutes): it may have run.
	PhaseUnknown Phase = "unknown"
)

// Observation is what Observe found.
type Observation struct {
	Phase  Phase          `json:"phase"`
	Detail string         `json:"detail"`         // for the record: "operator split-region on region 49: SUCCESS"
	Data   map[string]any `json:"data,omitempty"` // adapter facts: the operator status, steps done
}

// Verification is what Verify found.
type Verification struct {
	OK     bool           `json:"ok"`
	Detail string         `json:"detail"` // "region 49 split: now [a, m) and region 1001 holds [m, z)"
	After  map[string]any `json:"after,omitempty"`
}
