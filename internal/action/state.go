package action

import (
	"fmt"
	"strings"
)

// State is where an action run is in its life. The string is the stored and
// JSON form, so it never changes once released.
type State string

// States of an action run.
//
//	proposed -> approved -> queued -> executing -> verifying -> completed
//	                          |          |            |      -> failed | timed_out
//	                          |          |            +-------> failed | timed_out
//	                          |          +--------------------> failed | timed_out
//	                          +-------------------------------> failed (refused before anything ran)
//	proposed -> rejected | expired | superseded
//	approved | queued | executing -> cancelled
//	dry_run: created as such, never moves
const (
	Proposed   State = "proposed"   // a diagnosis proposed it; waiting for approval
	Approved   State = "approved"   // a human or a policy approved it; not yet queued
	Queued     State = "queued"     // waiting for the executor
	Executing  State = "executing"  // submitted to the cluster
	Verifying  State = "verifying"  // the change finished; checking the outcome
	Completed  State = "completed"  // verified: the change did what it should
	Failed     State = "failed"     // execution or verification failed
	TimedOut   State = "timed_out"  // did not finish (or verify) within its allowed time
	Rejected   State = "rejected"   // an approver said no
	Expired    State = "expired"    // nobody approved it in time
	Superseded State = "superseded" // a newer proposal for the same ticket replaced it
	Cancelled  State = "cancelled"  // a human (or the kill switch) stopped it before it finished
	DryRun     State = "dry_run"    // only checked and predicted, never executed
)

// States returns every known state, live states first in lifecycle order.
func States() []State {
	return []State{Proposed, Approved, Queued, Executing, Verifying,
		Completed, Failed, TimedOut, Rejected, Expired, Superseded, Cancelled, DryRun}
}

// Valid reports whether s is a known state.
func (s State) Valid() bool {
	for _, k := range States() {
		if s == k {
			return true
		}
	}
	return false
}

// Terminal reports whether a run in state s is finished: it never moves
// again. Unknown states are not terminal (and cannot move either: Next
// lists nothing for them).
func (s State) Terminal() bool {
	switch s {
	case Completed, Failed, TimedOut, Rejected, Expired, Superseded, Cancelled, DryRun:
		return true
	}
	return false
}

// ParseState reads a state name (any case).
func ParseState(s string) (State, error) {
	st := State(strings.ToLower(strings.TrimSpace(s)))
	if !st.Valid() {
		return "", fmt.Errorf("%w: unknown state %q (want one of %s)", ErrInvalid, s, joinStates(States()))
	}
	return st, nil
}

// Next lists the states a run in state from may move to. It is the
// transition table; CanTransition and CheckTransition read it.
//
// Choices an SRE would ask about:
//   - approved -> cancelled: an approved run that is not yet queued can be
//     called off (the approver changed their mind, the kill switch) without
//     pretending it was rejected: the approval stays on the record.
//   - approved does not expire or get superseded: once approved it is the
//     executor's to queue; stopping it is an explicit cancel.
//   - queued -> proposed: the approval no longer holds: the cluster
//     changed materially between approval and execution (the preflight
//     fails, or what the action touches is not what the approvers were
//     shown). Its approvals are cleared; people must approve again.
//   - queued -> failed: the preflight right before execution (or a
//     blast-radius limit) refused it; nothing reached the cluster, and the
//     outcome says so. It never went to executing, so no restart can
//     wonder whether it ran.
//   - executing -> failed | timed_out directly: the submission itself can
//     fail or hang; verifying is only reached when the change finished.
//   - verifying cannot be cancelled: the change is already made, so
//     verification always runs to a verdict.
//   - dry_run is created as such (store.CreateRun) and never moves; a real
//     run is a new proposed run.
func Next(from State) []State {
	switch from {
	case Proposed:
		return []State{Approved, Rejected, Expired, Superseded}
	case Approved:
		return []State{Queued, Cancelled}
	case Queued:
		return []State{Executing, Failed, Cancelled, Proposed}
	case Executing:
		return []State{Verifying, Failed, TimedOut, Cancelled}
	case Verifying:
		return []State{Completed, Failed, TimedOut}
	}
	return nil
}

// CanTransition reports whether a run may move from -> to.
func CanTransition(from, to State) bool {
	for _, s := range Next(from) {
		if s == to {
			return true
		}
	}
	return false
}

// CheckTransition is CanTransition with an error that says what is allowed.
// The error wraps ErrTransition (or ErrInvalid for an unknown state).
func CheckTransition(from, to State) error {
	for _, s := range []State{from, to} {
		if !s.Valid() {
			return fmt.Errorf("%w: unknown state %q", ErrInvalid, s)
		}
	}
	if CanTransition(from, to) {
		return nil
	}
	if from.Terminal() {
		return fmt.Errorf("%w: %s -> %s (%s is terminal)", ErrTransition, from, to, from)
	}
	return fmt.Errorf("%w: %s -> %s (from %s a run may go to %s)", ErrTransition, from, to, from, joinStates(Next(from)))
}

func joinStates(ss []State) string {
	if len(ss) == 0 {
		return "nothing"
	}
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = string(s)
	}
	return strings.Join(parts, ", ")
}
