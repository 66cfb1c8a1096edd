package console

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/audit"
	"github.com/operator-dev/operator/internal/auth"
	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/ticket"
)

// liveStates are the run states the overview lists: not yet finished.
var liveStates = []action.State{action.Proposed, action.Approved, action.Queued, action.Executing, action.Verifying}

// storeFailed answers a failed read: 404 for a missing object, else 500
// (logged; the page says only what failed, not the database's words).
func (c *console) storeFailed(w http.ResponseWriter, r *http.Request, what string, err error) {
	if errors.Is(err, store.ErrNotFound) {
		c.errorPage(w, r, http.StatusNotFound, what+": not found")
		return
	}
	c.opts.Log.Error("console: read the store", "what", what, "err", err)
	c.errorPage(w, r, http.StatusInternalServerError, what+": state store error")
}

type overviewData struct {
	Wired      bool // runs and actions are served
	KillSwitch action.KillSwitch
	Tickets    []ticket.Ticket
	Runs       []action.Run
	Admin      bool
	Cluster    clusterData
}

func (c *console) overview(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	d := overviewData{Cluster: c.cluster()}
	ts, err := c.opts.Store.List(ctx, store.Filter{States: []ticket.State{ticket.Open, ticket.Diagnosed}, Limit: 500})
	if err != nil {
		c.storeFailed(w, r, "active tickets", err)
		return
	}
	d.Tickets = ts
	if c.opts.Runs != nil && c.opts.Actions != nil {
		d.Wired = true
		if d.KillSwitch, err = c.opts.Runs.KillSwitch(ctx); err != nil {
			c.storeFailed(w, r, "kill switch", err)
			return
		}
		if d.Runs, err = c.opts.Runs.ListRuns(ctx, store.RunFilter{States: liveStates}); err != nil {
			c.storeFailed(w, r, "live action runs", err)
			return
		}
		d.Admin = viewerOf(r).user.Role.AtLeast(auth.Admin)
	}
	c.render(w, r, http.StatusOK, "overview", "Overview", d)
}

type ticketData struct {
	Ticket    ticket.Ticket
	Events    []ticket.Event
	Diagnoses []ticket.DiagnosisRecord
	Runs      []action.Run
}

func (c *console) ticketPage(w http.ResponseWriter, r *http.Request) {
	id, err := ticket.ParseID(r.PathValue("id"))
	if err != nil {
		c.errorPage(w, r, http.StatusBadRequest, fmt.Sprintf("ticket id %q: %v", r.PathValue("id"), err))
		return
	}
	ctx := r.Context()
	what := fmt.Sprintf("ticket %d", id)
	var d ticketData
	if d.Ticket, err = c.opts.Store.Get(ctx, id); err != nil {
		c.storeFailed(w, r, what, err)
		return
	}
	if d.Events, err = c.opts.Store.Events(ctx, id); err != nil {
		c.storeFailed(w, r, "timeline of "+what, err)
		return
	}
	if d.Diagnoses, err = c.opts.Store.LatestDiagnoses(ctx, id); err != nil {
		c.storeFailed(w, r, "diagnosis of "+what, err)
		return
	}
	if c.opts.Runs != nil {
		if d.Runs, err = c.opts.Runs.ListRuns(ctx, store.RunFilter{TicketID: id}); err != nil {
			c.storeFailed(w, r, "runs of "+what, err)
			return
		}
	}
	c.render(w, r, http.StatusOK, "ticket", fmt.Sprintf("Ticket %d", id), d)
}

type actionData struct {
	Run       action.Run
	Spec      *subject.ActionSpec
	DryRun    *action.DryRunResult
	DryRunNow bool   // DryRun is a fresh preflight, not the stored one
	DryRunErr string // the fresh preflight failed to run
	Approvals []action.Approval
	Timeline  []action.Transition
	CanDecide bool // show Approve and Reject
	// Progress is how far the run's work has got, measured now (nil:
	// nothing to measure); ProgressErr why it could not be measured.
	Progress    *action.Progress
	ProgressErr string
}

func (c *console) actionPage(w http.ResponseWriter, r *http.Request) {
	if c.opts.Runs == nil || c.opts.Actions == nil {
		c.errorPage(w, r, http.StatusServiceUnavailable, "this daemon runs no executor (actions are not wired)")
		return
	}
	n, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || n <= 0 {
		c.errorPage(w, r, http.StatusBadRequest, fmt.Sprintf("action run id %q is not a positive number", r.PathValue("id")))
		return
	}
	id, ctx := action.ID(n), r.Context()
	what := fmt.Sprintf("action run %d", id)
	var d actionData
	if d.Run, err = c.opts.Runs.GetRun(ctx, id); err != nil {
		c.storeFailed(w, r, what, err)
		return
	}
	if d.Timeline, err = c.opts.Runs.RunTransitions(ctx, id); err != nil {
		c.storeFailed(w, r, "timeline of "+what, err)
		return
	}
	if d.Approvals, err = c.opts.Runs.Approvals(ctx, id); err != nil {
		c.storeFailed(w, r, "approvals of "+what, err)
		return
	}
	if spec, ok := subject.Action(c.opts.Registry[d.Run.Subject], d.Run.Action); ok {
		d.Spec = &spec
	}
	d.DryRun = d.Run.DryRun
	if d.Run.State == action.Proposed {
		// An approver decides on the cluster as it is now, so a proposal
		// shows a fresh preflight (it changes nothing), as approve
		// --dry-run does.
		if _, res, err := c.opts.Actions.DryRun(ctx, id); err != nil {
			d.DryRunErr = err.Error()
		} else {
			d.DryRun, d.DryRunNow = &res, true
		}
		d.CanDecide = viewerOf(r).user.Role.AtLeast(auth.Approver)
	}
	// The work may outlive the run (a drain completes while PD is still
	// emptying the store); a cluster that cannot be read must not hide
	// the run, so the page says what failed instead.
	if p, ok, err := c.opts.Actions.Progress(ctx, id); err != nil {
		c.opts.Log.Warn("console: measure the progress of an action run", "run", id, "err", err)
		d.ProgressErr = err.Error()
	} else if ok {
		d.Progress = &p
	}
	c.render(w, r, http.StatusOK, "action", what, d)
}

// auditTail is how many records the audit page shows.
const auditTail = 100

type auditData struct {
	Records []audit.Record // oldest first
	Total   int64
	Report  audit.Report
}

func (c *console) auditPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	log := c.opts.Store.Audit()
	var d auditData
	// A ring of the last auditTail records: the log is streamed, never
	// held whole.
	ring := make([]audit.Record, 0, auditTail)
	err := log.All(ctx, func(rec audit.Record) error {
		d.Total++
		if len(ring) < auditTail {
			ring = append(ring, rec)
		} else {
			copy(ring, ring[1:])
			ring[auditTail-1] = rec
		}
		return nil
	})
	if err != nil {
		c.storeFailed(w, r, "audit log", err)
		return
	}
	d.Records = ring
	if d.Report, err = audit.Verify(ctx, log, nil); err != nil {
		c.storeFailed(w, r, "verify the audit log", err)
		return
	}
	c.render(w, r, http.StatusOK, "audit", "Audit", d)
}
