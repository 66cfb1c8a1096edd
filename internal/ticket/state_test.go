package ticket

import (
	"errors"
	"testing"
)

func TestTransitionTable(t *testing.T) {
	cases := []struct {
		from, to State
		ok       bool
		event    EventKind
	}{
		{Open, Diagnosed, true, EventDiagnosed},
		{Open, Resolved, true, EventResolved},
		{Diagnosed, Resolved, true, EventResolved},
		{Diagnosed, Open, true, EventStateChanged},
		{Resolved, Open, true, EventReopened},
		{Open, Open, false, ""},
		{Diagnosed, Diagnosed, false, ""},
		{Resolved, Resolved, false, ""},
		{Resolved, Diagnosed, false, ""},
	}
	for _, tc := range cases {
		if got := CanTransition(tc.from, tc.to); got != tc.ok {
			t.Errorf("CanTransition(%s, %s) = %v, want %v", tc.from, tc.to, got, tc.ok)
		}
		err := CheckTransition(tc.from, tc.to)
		if tc.ok != (err == nil) {
			t.Errorf("CheckTransition(%s, %s) = %v", tc.from, tc.to, err)
		}
		if err != nil && !errors.Is(err, ErrTransition) {
			t.Errorf("CheckTransition(%s, %s) = %v, does not wrap ErrTransition", tc.from, tc.to, err)
		}
		if tc.ok {
			if got := TransitionEvent(tc.from, tc.to); got != tc.event {
				t.Errorf("TransitionEvent(%s, %s) = %s, want %s", tc.from, tc.to, got, tc.event)
			}
		}
	}
}

func TestTransitionTableIsClosed(t *testing.T) {
	// Every state has a way out or is reachable again, and the table names
	// only known states: a state added without rows would be a dead end.
	for _, from := range States() {
		if len(Next(from)) == 0 {
			t.Errorf("state %s has no transitions", from)
		}
		for _, to := range Next(from) {
			if !to.Valid() {
				t.Errorf("Next(%s) names unknown state %q", from, to)
			}
			if !TransitionEvent(from, to).Lifecycle() {
				t.Errorf("TransitionEvent(%s, %s) is not a lifecycle event", from, to)
			}
		}
	}
}

func TestCheckTransitionUnknownState(t *testing.T) {
	for _, pair := range [][2]State{{"executing", Open}, {Open, "closed"}, {"", Resolved}} {
		err := CheckTransition(pair[0], pair[1])
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("CheckTransition(%q, %q) = %v, want ErrInvalid", pair[0], pair[1], err)
		}
	}
}

func TestParseState(t *testing.T) {
	cases := []struct {
		in   string
		want State
		ok   bool
	}{
		{"open", Open, true},
		{" Diagnosed ", Diagnosed, true},
		{"RESOLVED", Resolved, true},
		{"closed", "", false},
		{"", "", false},
	}
	for _, tc := range cases {
		got, err := ParseState(tc.in)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("ParseState(%q) = %q, %v", tc.in, got, err)
		}
	}
}

func TestActive(t *testing.T) {
	for _, s := range States() {
		if want := s != Resolved; s.Active() != want {
			t.Errorf("%s.Active() = %v", s, s.Active())
		}
	}
	if !State("executing").Active() {
		t.Error("a future action state must count as active")
	}
}
