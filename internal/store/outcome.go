package store

import "fmt"

// Outcome says what OpenOrTouch did.
type Outcome int

// Outcomes of OpenOrTouch.
const (
	// OutcomeOpened: no ticket was active or recently resolved for the key;
	// a new one was inserted with an "opened" event.
	OutcomeOpened Outcome = iota + 1
	// OutcomeUpdated: an active ticket existed; its LastSeen, Occurrences,
	// Severity, Summary and Evidence were refreshed. No event is written
	// (except a note when the severity changed).
	OutcomeUpdated
	// OutcomeReopened: a ticket for the key was resolved within the reopen
	// window; it is Open again with a "reopened" event.
	OutcomeReopened
)

func (o Outcome) String() string {
	switch o {
	case OutcomeOpened:
		return "opened"
	case OutcomeUpdated:
		return "updated"
	case OutcomeReopened:
		return "reopened"
	}
	return fmt.Sprintf("outcome(%d)", int(o))
}
