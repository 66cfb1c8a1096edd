package console

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/ticket"
)

// ticketsShown bounds the ticket list; past it the page says so.
const ticketsShown = 500

type ticketsData struct {
	State   ticket.State // the filter; "" for all
	States  []ticket.State
	Tickets []ticket.Ticket
	Full    bool // ticketsShown were listed; there may be more
	Limit   int
}

// ticketsPage lists tickets, the most recently seen first, optionally of
// one state (?state=open).
func (c *console) ticketsPage(w http.ResponseWriter, r *http.Request) {
	d := ticketsData{States: []ticket.State{ticket.Open, ticket.Diagnosed, ticket.Resolved}, Limit: ticketsShown}
	f := store.Filter{Limit: ticketsShown}
	if v := r.URL.Query().Get("state"); v != "" {
		st, err := ticket.ParseState(v)
		if err != nil {
			c.errorPage(w, r, http.StatusBadRequest, fmt.Sprintf("state %q: %v", v, err))
			return
		}
		d.State, f.States = st, []ticket.State{st}
	}
	ts, err := c.opts.Store.List(r.Context(), f)
	if err != nil {
		c.storeFailed(w, r, "tickets", err)
		return
	}
	d.Tickets, d.Full = ts, len(ts) >= ticketsShown
	c.render(w, r, http.StatusOK, "tickets", "Tickets", d)
}

// Finished runs shown on the action queue: the newest finishedShown of
// those that moved within finishedWithin.
const (
	finishedShown  = 50
	finishedWithin = 7 * 24 * time.Hour
)

type actionsData struct {
	Live     []action.Run // oldest first: the longest waiting on top
	Finished []action.Run // newest first
	Days     int
	Shown    int
}

var finishedStates = func() []action.State {
	var out []action.State
	for _, s := range action.States() {
		if s.Terminal() {
			out = append(out, s)
		}
	}
	return out
}()

// actionsPage is the action queue: runs that have not finished, then
// the recently finished ones.
func (c *console) actionsPage(w http.ResponseWriter, r *http.Request) {
	if c.opts.Runs == nil {
		c.errorPage(w, r, http.StatusServiceUnavailable, "this daemon runs no executor (actions are not wired)")
		return
	}
	ctx := r.Context()
	d := actionsData{Days: int(finishedWithin.Hours() / 24), Shown: finishedShown}
	var err error
	if d.Live, err = c.opts.Runs.ListRuns(ctx, store.RunFilter{States: liveStates}); err != nil {
		c.storeFailed(w, r, "live action runs", err)
		return
	}
	since := c.opts.Now().Add(-finishedWithin)
	done, err := c.opts.Runs.ListRuns(ctx, store.RunFilter{States: finishedStates, UpdatedSince: since})
	if err != nil {
		c.storeFailed(w, r, "finished action runs", err)
		return
	}
	if len(done) > finishedShown {
		done = done[len(done)-finishedShown:]
	}
	slices.Reverse(done)
	d.Finished = done
	c.render(w, r, http.StatusOK, "actions", "Actions", d)
}
