package subject

import (
	"context"
	"time"

	"github.com/operator-dev/operator/internal/ticket"
)

// Evidence is one thing a human would look at for a ticket, with an id a
// diagnosis can cite ("e3"). Data is JSON-friendly; text that came from the
// cluster (labels, addresses, annotations) stays inside Data as data.
type Evidence struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`  // "ticket", "store", "region", "operators", "config", "history", "series"...
	Title string `json:"title"` // one line, written by the adapter
	Data  any    `json:"data"`
}

// Context is what a subject gathered for one ticket: the evidence, and the
// entities an action may name because they exist and the context shows them
// (by parameter type: ParamStoreID -> {"1", "4"}).
type Context struct {
	Ticket     ticket.Ticket
	GatheredAt time.Time
	Evidence   []Evidence
	Entities   map[ParamType][]string
	// Truncated says the context was summarized to stay within its bound.
	Truncated bool
}

// Known reports whether the context shows the entity.
func (c *Context) Known(t ParamType, id string) bool {
	for _, v := range c.Entities[t] {
		if v == id {
			return true
		}
	}
	return false
}

// EvidenceByID returns the evidence with the id.
func (c *Context) EvidenceByID(id string) (Evidence, bool) {
	for _, e := range c.Evidence {
		if e.ID == id {
			return e, true
		}
	}
	return Evidence{}, false
}

// Gatherer is implemented by a subject that can collect a ticket's context
// for diagnosis. history is the recent tickets on the same entities, from
// the store; the subject adds what it reads from the system itself.
type Gatherer interface {
	Gather(ctx context.Context, t ticket.Ticket, history []ticket.Ticket, now time.Time) (*Context, error)
}
