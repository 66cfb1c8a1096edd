package store

import (
	"fmt"
	"time"

	"github.com/operator-dev/operator/internal/ticket"
)

// Filter selects tickets for List. Zero fields do not filter. Results are
// ordered by LastSeen, most recent first, ties broken by ID, highest first:
// the problem seen most recently heads the list, and a reopened ticket comes
// back to the top.
type Filter struct {
	States    []ticket.State // any of these; empty means every state
	Invariant string
	Subject   string
	DedupKey  string    // every ticket ever opened for the key, resolved ones too
	Since     time.Time // LastSeen at or after Since
	Limit     int       // at most this many; 0 means no limit
}

// Validate checks a filter before a backend turns it into a query.
func (f Filter) Validate() error {
	for _, s := range f.States {
		if !s.Valid() {
			return fmt.Errorf("%w: filter on unknown state %q", ErrInvalid, s)
		}
	}
	if f.Limit < 0 {
		return fmt.Errorf("%w: negative limit %d", ErrInvalid, f.Limit)
	}
	return nil
}
