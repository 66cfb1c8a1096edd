package ticket

import (
	"fmt"
	"strings"
)

// State is where a ticket is in its lifecycle. It is a string so the stored
// and JSON forms are readable and so later issues can add action states
// (proposed, approved, executing, ...) without renumbering anything: add the
// constant, list it in States and give it rows in the transition table.
type State string

// States of the observe-only lifecycle.
const (
	Open      State = "open"      // the invariant is broken; nobody has looked yet
	Diagnosed State = "diagnosed" // a diagnosis is attached
	Resolved  State = "resolved"  // the invariant holds again, or a human closed it
)

// States returns every known state in lifecycle order.
func States() []State { return []State{Open, Diagnosed, Resolved} }

// Valid reports whether s is a known state.
func (s State) Valid() bool {
	for _, k := range States() {
		if s == k {
			return true
		}
	}
	return false
}

// Active reports whether a ticket in state s counts as the one live ticket
// for its dedup key. Every state but Resolved is active, including states
// added later, so the "one active ticket per key" rule needs no change when
// action states arrive.
func (s State) Active() bool { return s != Resolved }

// ParseState reads a state name (any case).
func ParseState(s string) (State, error) {
	st := State(strings.ToLower(strings.TrimSpace(s)))
	if !st.Valid() {
		return "", fmt.Errorf("%w: unknown state %q (want one of %s)", ErrInvalid, s, joinStates(States()))
	}
	return st, nil
}

// Next lists the states a ticket in state from may move to. It is the
// transition table; CanTransition and CheckTransition read it.
//
// Diagnosed -> Open exists so a diagnosis found wrong can be discarded.
// Resolved -> Open is a reopen (the store also counts it and clears
// ResolvedAt). A state never transitions to itself: a repeat observation is
// a touch, not a transition.
func Next(from State) []State {
	switch from {
	case Open:
		return []State{Diagnosed, Resolved}
	case Diagnosed:
		return []State{Open, Resolved}
	case Resolved:
		return []State{Open}
	}
	return nil
}

// CanTransition reports whether the lifecycle allows moving from -> to.
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
	return fmt.Errorf("%w: %s -> %s (from %s a ticket may go to %s)",
		ErrTransition, from, to, from, joinStates(Next(from)))
}

// TransitionEvent is the kind of timeline event that records from -> to.
func TransitionEvent(from, to State) EventKind {
	switch {
	case to == Resolved:
		return EventResolved
	case from == Resolved:
		return EventReopened
	case to == Diagnosed:
		return EventDiagnosed
	}
	return EventStateChanged
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
