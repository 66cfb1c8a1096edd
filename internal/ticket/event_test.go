package ticket

import (
	"errors"
	"testing"
	"time"
)

func TestEventValidate(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		name string
		e    Event
		ok   bool
	}{
		{"note", Event{TicketID: 1, At: at, Kind: EventNote, Message: "looked at it"}, true},
		{"no ticket", Event{At: at, Kind: EventNote}, false},
		{"no time", Event{TicketID: 1, Kind: EventNote}, false},
		{"unknown kind", Event{TicketID: 1, At: at, Kind: "seen-again"}, false},
		{"lifecycle kind", Event{TicketID: 1, At: at, Kind: EventResolved}, false},
	}
	for _, tc := range cases {
		err := tc.e.Validate()
		if tc.ok != (err == nil) || (err != nil && !errors.Is(err, ErrInvalid)) {
			t.Errorf("%s: Validate() = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

func TestEventKinds(t *testing.T) {
	lifecycle := 0
	for _, k := range EventKinds() {
		if !k.Valid() {
			t.Errorf("%q is listed but not valid", k)
		}
		if k.Lifecycle() {
			lifecycle++
		}
	}
	if lifecycle != 5 {
		t.Errorf("%d lifecycle kinds, want 5 (opened, diagnosed, resolved, reopened, state-changed)", lifecycle)
	}
}
