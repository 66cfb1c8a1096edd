package ticket

import (
	"fmt"
	"time"
)

// EventKind says what happened on a ticket's timeline.
type EventKind string

// Event kinds. There is deliberately no "seen again" kind: repeats only bump
// Ticket.Occurrences and Ticket.LastSeen, so the timeline stays short.
const (
	EventOpened       EventKind = "opened"
	EventDiagnosed    EventKind = "diagnosed"
	EventResolved     EventKind = "resolved"
	EventReopened     EventKind = "reopened"
	EventStateChanged EventKind = "state-changed" // any other transition
	EventNote         EventKind = "note"          // free text from a human or a component
)

// EventKinds returns every known kind.
func EventKinds() []EventKind {
	return []EventKind{EventOpened, EventDiagnosed, EventResolved, EventReopened, EventStateChanged, EventNote}
}

// Valid reports whether k is a known kind.
func (k EventKind) Valid() bool {
	for _, known := range EventKinds() {
		if k == known {
			return true
		}
	}
	return false
}

// Lifecycle reports whether k records a state change. Those events are
// written by the store together with the change itself, never appended on
// their own, so the timeline cannot claim a transition that did not happen.
func (k EventKind) Lifecycle() bool {
	switch k {
	case EventOpened, EventDiagnosed, EventResolved, EventReopened, EventStateChanged:
		return true
	}
	return false
}

// Event is one entry on a ticket's timeline.
type Event struct {
	ID       int64          `json:"id"` // assigned by the store; breaks ties between equal At
	TicketID ID             `json:"ticket_id"`
	At       time.Time      `json:"at"`
	Kind     EventKind      `json:"kind"`
	Message  string         `json:"message,omitempty"`
	Data     map[string]any `json:"data,omitempty"`
}

// Validate checks an event a caller wants to append (a non-lifecycle kind,
// a ticket, a time).
func (e Event) Validate() error {
	switch {
	case e.TicketID <= 0:
		return fmt.Errorf("%w: event has no ticket ID", ErrInvalid)
	case !e.Kind.Valid():
		return fmt.Errorf("%w: unknown event kind %q", ErrInvalid, e.Kind)
	case e.Kind.Lifecycle():
		return fmt.Errorf("%w: %q events are written by state changes, not appended", ErrInvalid, e.Kind)
	case e.At.IsZero():
		return fmt.Errorf("%w: event has no time", ErrInvalid)
	}
	return nil
}
