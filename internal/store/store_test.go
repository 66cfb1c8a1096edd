package store

import (
	"errors"
	"testing"

	"github.com/operator-dev/operator/internal/ticket"
)

func TestOutcomeString(t *testing.T) {
	cases := map[Outcome]string{OutcomeOpened: "opened", OutcomeUpdated: "updated", OutcomeReopened: "reopened", 0: "outcome(0)"}
	for o, want := range cases {
		if got := o.String(); got != want {
			t.Errorf("Outcome(%d).String() = %q, want %q", int(o), got, want)
		}
	}
}

func TestFilterValidate(t *testing.T) {
	cases := []struct {
		name string
		f    Filter
		ok   bool
	}{
		{"zero", Filter{}, true},
		{"known states", Filter{States: []ticket.State{ticket.Open, ticket.Resolved}, Limit: 10}, true},
		{"unknown state", Filter{States: []ticket.State{"closed"}}, false},
		{"negative limit", Filter{Limit: -1}, false},
	}
	for _, tc := range cases {
		err := tc.f.Validate()
		if tc.ok != (err == nil) || (err != nil && !errors.Is(err, ErrInvalid)) {
			t.Errorf("%s: Validate() = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}
