package console

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/audit"
	"github.com/operator-dev/operator/internal/execute"
)

// formRunID reads the run id of an approve or reject post.
func (c *console) formRunID(w http.ResponseWriter, r *http.Request) (action.ID, bool) {
	if c.opts.Actions == nil {
		c.errorPage(w, r, http.StatusServiceUnavailable, "this daemon runs no executor (actions are not wired)")
		return 0, false
	}
	n, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || n <= 0 {
		c.errorPage(w, r, http.StatusBadRequest, fmt.Sprintf("action run id %q is not a positive number", r.PathValue("id")))
		return 0, false
	}
	return action.ID(n), true
}

// approve records the session user's approval. The executor's refusal
// (policy, kill switch, preflight, state) comes back as the flash
// message: the person reads why, on the page they acted from.
func (c *console) approve(w http.ResponseWriter, r *http.Request) {
	id, ok := c.formRunID(w, r)
	if !ok {
		return
	}
	back := fmt.Sprintf("/ui/actions/%d", id)
	u := viewerOf(r).user
	res, err := c.opts.Actions.Approve(r.Context(), id, execute.Approver{Name: u.Name, Role: string(u.Role)},
		strings.TrimSpace(r.PostFormValue("reason")))
	if err != nil {
		if errors.Is(err, execute.ErrApproval) {
			// Audited like every refusal; the person reads why on the page.
			rec := audit.Refused(c.opts.Now(), u.Name, "console", r.Method, r.URL.Path, http.StatusForbidden, err.Error(), r.RemoteAddr)
			if _, aerr := c.opts.Store.Audit().Append(r.Context(), rec); aerr != nil {
				c.opts.Log.Error("console: could not audit a refused approval", "run", id, "err", aerr)
			}
		}
		c.flashAndBack(w, r, back, "Not approved: "+err.Error())
		return
	}
	msg := fmt.Sprintf("Run %d approved.", id)
	if res.Run.State == action.Proposed {
		msg = fmt.Sprintf("Approval recorded: %d of %d needed.", res.Approvals, res.Needed)
	}
	c.flashAndBack(w, r, back, msg)
}

func (c *console) reject(w http.ResponseWriter, r *http.Request) {
	id, ok := c.formRunID(w, r)
	if !ok {
		return
	}
	back := fmt.Sprintf("/ui/actions/%d", id)
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if reason == "" {
		c.flashAndBack(w, r, back, "Not rejected: say why (a reason is required).")
		return
	}
	if _, err := c.opts.Actions.Reject(r.Context(), id, viewerOf(r).user.Name, reason); err != nil {
		c.flashAndBack(w, r, back, "Not rejected: "+err.Error())
		return
	}
	c.flashAndBack(w, r, back, fmt.Sprintf("Run %d rejected.", id))
}

func (c *console) killSwitch(w http.ResponseWriter, r *http.Request) {
	if c.opts.Actions == nil {
		c.errorPage(w, r, http.StatusServiceUnavailable, "this daemon runs no executor (actions are not wired)")
		return
	}
	var on bool
	switch r.PostFormValue("on") {
	case "true":
		on = true
	case "false":
	default:
		c.errorPage(w, r, http.StatusBadRequest, "kill switch: on must be true or false")
		return
	}
	ks, ids, err := c.opts.Actions.SetKillSwitch(r.Context(), on, viewerOf(r).user.Name, strings.TrimSpace(r.PostFormValue("reason")))
	if err != nil {
		c.flashAndBack(w, r, "/ui/", "Kill switch: "+err.Error())
		return
	}
	msg := "Kill switch is " + ks.String() + "."
	if len(ids) > 0 {
		msg += fmt.Sprintf(" Cancelled runs: %v.", ids)
	}
	c.flashAndBack(w, r, "/ui/", msg)
}
