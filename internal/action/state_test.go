package action

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// allowed is the whole transition table, written out independently of Next
// so a change to the table has to change this test too.
var allowed = map[[2]State]bool{
	{Proposed, Approved}:   true,
	{Proposed, Rejected}:   true,
	{Proposed, Expired}:    true,
	{Proposed, Superseded}: true,
	{Approved, Queued}:     true,
	{Approved, Cancelled}:  true,
	{Queued, Executing}:    true,
	{Queued, Cancelled}:    true,
	{Queued, Failed}:       true,
	{Queued, Proposed}:     true,
	{Executing, Verifying}: true,
	{Executing, Failed}:    true,
	{Executing, TimedOut}:  true,
	{Executing, Cancelled}: true,
	{Verifying, Completed}: true,
	{Verifying, Failed}:    true,
	{Verifying, TimedOut}:  true,
}

// TestTransitionTable checks every pair of states, so every allowed move
// and every forbidden one is covered.
func TestTransitionTable(t *testing.T) {
	for _, from := range States() {
		for _, to := range States() {
			want := allowed[[2]State{from, to}]
			if got := CanTransition(from, to); got != want {
				t.Errorf("CanTransition(%s, %s) = %v, want %v", from, to, got, want)
			}
			err := CheckTransition(from, to)
			if want && err != nil {
				t.Errorf("CheckTransition(%s, %s) = %v, want nil", from, to, err)
			}
			if !want && !errors.Is(err, ErrTransition) {
				t.Errorf("CheckTransition(%s, %s) = %v, want ErrTransition", from, to, err)
			}
		}
	}
}

func TestForbiddenTransitions(t *testing.T) {
	tests := []struct {
		from, to State
		msg      string
	}{
		{Proposed, Executing, "from proposed a run may go to approved, rejected, expired, superseded"},
		{Proposed, Queued, "from proposed"},
		{Approved, Executing, "from approved a run may go to queued, cancelled"},
		{Queued, Completed, "from queued"},
		{Verifying, Cancelled, "from verifying a run may go to completed, failed, timed_out"},
		{Executing, Executing, "from executing"},
		{Completed, Proposed, "completed is terminal"},
		{DryRun, Approved, "dry_run is terminal"},
		{Proposed, DryRun, "from proposed"},
	}
	for _, tt := range tests {
		t.Run(string(tt.from)+"->"+string(tt.to), func(t *testing.T) {
			err := CheckTransition(tt.from, tt.to)
			if !errors.Is(err, ErrTransition) {
				t.Fatalf("CheckTransition = %v, want ErrTransition", err)
			}
			if !contains(err.Error(), tt.msg) {
				t.Fatalf("error %q does not say %q", err, tt.msg)
			}
		})
	}
}

func TestUnknownStates(t *testing.T) {
	for _, pair := range [][2]State{{"bogus", Approved}, {Proposed, "bogus"}, {"", Approved}} {
		if err := CheckTransition(pair[0], pair[1]); !errors.Is(err, ErrInvalid) {
			t.Errorf("CheckTransition(%q, %q) = %v, want ErrInvalid", pair[0], pair[1], err)
		}
	}
	if State("bogus").Terminal() || State("bogus").Valid() {
		t.Error("an unknown state is valid or terminal")
	}
}

func TestTerminal(t *testing.T) {
	terminal := []State{Completed, Failed, TimedOut, Rejected, Expired, Superseded, Cancelled, DryRun}
	for _, s := range States() {
		want := slices.Contains(terminal, s)
		if got := s.Terminal(); got != want {
			t.Errorf("%s.Terminal() = %v, want %v", s, got, want)
		}
		// Terminal and "has somewhere to go" must agree.
		if s.Terminal() == (len(Next(s)) > 0) {
			t.Errorf("%s: Terminal() = %v but Next = %v", s, s.Terminal(), Next(s))
		}
	}
}

// Every live state reaches a terminal state, and every state is reachable
// from proposed except dry_run (created as such).
func TestReachability(t *testing.T) {
	seen := map[State]bool{Proposed: true}
	queue := []State{Proposed}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, n := range Next(s) {
			if !seen[n] {
				seen[n] = true
				queue = append(queue, n)
			}
		}
	}
	for _, s := range States() {
		if s != DryRun && !seen[s] {
			t.Errorf("%s is not reachable from proposed", s)
		}
	}
	if seen[DryRun] {
		t.Error("dry_run is reachable by a transition; it must only be created")
	}
}

func TestStateStrings(t *testing.T) {
	want := []string{"proposed", "approved", "queued", "executing", "verifying", "completed", "failed",
		"timed_out", "rejected", "expired", "superseded", "cancelled", "dry_run"}
	var got []string
	for _, s := range States() {
		got = append(got, string(s))
		if p, err := ParseState(" " + string(s) + " "); err != nil || p != s {
			t.Errorf("ParseState(%q) = %q, %v", s, p, err)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("States() = %q, want %q (stored strings never change)", got, want)
	}
	if _, err := ParseState("TIMED_OUT"); err != nil {
		t.Errorf("ParseState is not case-insensitive: %v", err)
	}
	if _, err := ParseState("done"); !errors.Is(err, ErrInvalid) {
		t.Errorf("ParseState(done) = %v, want ErrInvalid", err)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
