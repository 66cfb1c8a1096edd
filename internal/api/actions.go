package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/auth"
	"github.com/operator-dev/operator/internal/execute"
	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/ticket"
)

// Actions is what the API asks to change runs; *execute.Executor is it.
type Actions interface {
	Approve(ctx context.Context, id action.ID, who execute.Approver, reason string) (execute.ApproveResult, error)
	Reject(ctx context.Context, id action.ID, actor, reason string) (action.Run, error)
	Cancel(ctx context.Context, id action.ID, actor, reason string) (action.Run, error)
	DryRun(ctx context.Context, id action.ID) (action.Run, action.DryRunResult, error)
	SetKillSwitch(ctx context.Context, on bool, actor, reason string) (action.KillSwitch, []action.ID, error)
	CreatePlan(ctx context.Context, tk ticket.ID, subj string, steps []action.Step, actor, reason string) ([]action.Run, error)
	// Progress measures how far a run's work has got (a drain's regions,
	// a plan's steps); false when there is nothing to measure.
	Progress(ctx context.Context, id action.ID) (action.Progress, bool, error)
}

// PlanRequest is the body of POST /api/v1/plans: an ordered list of
// registry actions proposed together.
type PlanRequest struct {
	TicketID ticket.ID     `json:"ticket_id,omitempty"`
	Subject  string        `json:"subject,omitempty"` // default: the only subject
	Steps    []action.Step `json:"steps"`
	Reason   string        `json:"reason,omitempty"`
}

// RunStore is what the API reads runs and the kill switch from.
type RunStore interface {
	store.Runs
	store.Switches
}

// ActionSpecView is what an approver reads about an action's kind.
type ActionSpecView struct {
	Description   string   `json:"description"`
	Risk          string   `json:"risk"`
	Reversibility string   `json:"reversibility"`
	Compensation  string   `json:"compensation,omitempty"`
	BlastRadius   string   `json:"blast_radius"`
	Preconditions []string `json:"preconditions,omitempty"`
	Executes      string   `json:"executes"`
	Completion    string   `json:"completion"`
	Verification  string   `json:"verification"`
	Pauses        []string `json:"pauses_checkers,omitempty"`
	Holds         []string `json:"pauses_schedulers,omitempty"`
	Timeout       string   `json:"timeout"`
}

// RunView is a run with its timeline and what its action is, as GET
// /api/v1/actions/{id} answers.
type RunView struct {
	action.Run
	Timeline  []action.Transition `json:"timeline"`
	Approvals []action.Approval   `json:"approvals"` // the yeses so far (a run may need several people)
	Spec      *ActionSpecView     `json:"spec,omitempty"`
	// Progress is how far its work has got, measured now: a drain keeps
	// going after its run completed. Omitted when there is nothing to
	// measure; ProgressError says why it could not be measured.
	Progress      *action.Progress `json:"progress,omitempty"`
	ProgressError string           `json:"progress_error,omitempty"`
}

// RunRequest is the body of approve, reject and cancel. Who acts is the
// caller's identity, never a name in the body.
type RunRequest struct {
	Reason string `json:"reason,omitempty"`
	// DryRun (approve only): run the preflight now and change nothing.
	DryRun bool `json:"dry_run,omitempty"`
}

// DryRunView answers approve with dry_run.
type DryRunView struct {
	Run    action.Run          `json:"run"`
	Result action.DryRunResult `json:"result"`
}

// KillSwitchRequest is the body of POST /api/v1/kill-switch.
type KillSwitchRequest struct {
	On     bool   `json:"on"`
	Reason string `json:"reason,omitempty"`
}

// KillSwitchView answers the kill-switch endpoints.
type KillSwitchView struct {
	action.KillSwitch
	Cancelled []action.ID `json:"cancelled,omitempty"`
}

func (s *Server) actionRoutes() {
	s.mux.HandleFunc("GET /api/v1/actions", s.requireRole(auth.Viewer, s.needRuns(s.listRuns)))
	s.mux.HandleFunc("GET /api/v1/actions/{id}", s.requireRole(auth.Viewer, s.needRuns(s.getRun)))
	s.mux.HandleFunc("POST /api/v1/actions/{id}/approve", s.requireRole(auth.Approver, s.needRuns(s.approveRun)))
	s.mux.HandleFunc("POST /api/v1/actions/{id}/reject", s.requireRole(auth.Approver, s.needRuns(s.rejectRun)))
	s.mux.HandleFunc("POST /api/v1/actions/{id}/cancel", s.requireRole(auth.Approver, s.needRuns(s.cancelRun)))
	s.mux.HandleFunc("POST /api/v1/plans", s.requireRole(auth.Approver, s.needRuns(s.createPlan)))
	s.mux.HandleFunc("GET /api/v1/kill-switch", s.requireRole(auth.Viewer, s.needRuns(s.getKillSwitch)))
	s.mux.HandleFunc("POST /api/v1/kill-switch", s.requireRole(auth.Admin, s.needRuns(s.setKillSwitch)))
}

func (s *Server) needRuns(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.runs == nil || s.actions == nil {
			writeError(w, http.StatusServiceUnavailable, "this daemon runs no executor (actions are not wired)")
			return
		}
		h(w, r)
	}
}

func runID(w http.ResponseWriter, r *http.Request) (action.ID, bool) {
	n, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || n <= 0 {
		writeError(w, http.StatusBadRequest, "action run id %q is not a positive number", r.PathValue("id"))
		return 0, false
	}
	return action.ID(n), true
}

func (s *Server) listRuns(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var f store.RunFilter
	for _, v := range q["state"] {
		st, err := action.ParseState(v)
		if err != nil {
			writeError(w, http.StatusBadRequest, "state %q: %v", v, err)
			return
		}
		f.States = append(f.States, st)
	}
	if v := q.Get("ticket"); v != "" {
		id, err := ticket.ParseID(v)
		if err != nil {
			writeError(w, http.StatusBadRequest, "ticket %q: %v", v, err)
			return
		}
		f.TicketID = id
	}
	rs, err := s.runs.ListRuns(r.Context(), f)
	if err != nil {
		s.storeError(w, "list action runs", err)
		return
	}
	if rs == nil {
		rs = []action.Run{}
	}
	writeJSON(w, http.StatusOK, rs)
}

func (s *Server) getRun(w http.ResponseWriter, r *http.Request) {
	id, ok := runID(w, r)
	if !ok {
		return
	}
	run, err := s.runs.GetRun(r.Context(), id)
	if err != nil {
		s.storeError(w, fmt.Sprintf("action run %d", id), err)
		return
	}
	trs, err := s.runs.RunTransitions(r.Context(), id)
	if err != nil {
		s.storeError(w, fmt.Sprintf("timeline of action run %d", id), err)
		return
	}
	as, err := s.runs.Approvals(r.Context(), id)
	if err != nil {
		s.storeError(w, fmt.Sprintf("approvals of action run %d", id), err)
		return
	}
	if as == nil {
		as = []action.Approval{}
	}
	v := RunView{Run: run, Timeline: trs, Approvals: as}
	if spec, ok := subject.Action(s.registry[run.Subject], run.Action); ok {
		v.Spec = specView(spec)
	}
	// An unreachable cluster must not hide the run: the view says what
	// failed instead of its progress.
	if p, ok, err := s.actions.Progress(r.Context(), id); err != nil {
		s.log.Warn("measure the progress of an action run", "run", id, "err", err)
		v.ProgressError = err.Error()
	} else if ok {
		v.Progress = &p
	}
	writeJSON(w, http.StatusOK, v)
}

func specView(a subject.ActionSpec) *ActionSpecView {
	return &ActionSpecView{Description: a.Description, Risk: a.Risk.String(), Reversibility: string(a.Reversibility),
		Compensation: a.Compensation, BlastRadius: a.BlastRadius, Preconditions: a.Preconditions, Executes: a.Executes,
		Completion: a.Completion, Verification: a.Verification, Pauses: a.PausesCheckers, Holds: a.PausesSchedulers,
		Timeout: a.Timeout.String()}
}

func readRunRequest(w http.ResponseWriter, r *http.Request, what string) (RunRequest, bool) {
	var req RunRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "%s: body must be JSON like {\"reason\": \"...\"}: %v", what, err)
		return req, false
	}
	return req, true
}

func (s *Server) approveRun(w http.ResponseWriter, r *http.Request) {
	id, ok := runID(w, r)
	if !ok {
		return
	}
	what := fmt.Sprintf("approve action run %d", id)
	req, ok := readRunRequest(w, r, what)
	if !ok {
		return
	}
	if req.DryRun {
		run, res, err := s.actions.DryRun(r.Context(), id)
		if err != nil {
			s.actionError(w, what+" (dry run)", err)
			return
		}
		writeJSON(w, http.StatusOK, DryRunView{Run: run, Result: res})
		return
	}
	u := identity(r)
	res, err := s.actions.Approve(r.Context(), id, execute.Approver{Name: u.Name, Role: string(u.Role)}, req.Reason)
	if errors.Is(err, execute.ErrApproval) {
		s.refuse(w, r, http.StatusForbidden, u.Name, err.Error()) // audited like any refusal
		return
	}
	if err != nil {
		s.actionError(w, what, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) rejectRun(w http.ResponseWriter, r *http.Request) {
	s.moveRun(w, r, "reject", s.actions.Reject)
}

func (s *Server) cancelRun(w http.ResponseWriter, r *http.Request) {
	s.moveRun(w, r, "cancel", s.actions.Cancel)
}

func (s *Server) moveRun(w http.ResponseWriter, r *http.Request, verb string,
	op func(context.Context, action.ID, string, string) (action.Run, error)) {
	id, ok := runID(w, r)
	if !ok {
		return
	}
	what := fmt.Sprintf("%s action run %d", verb, id)
	req, ok := readRunRequest(w, r, what)
	if !ok {
		return
	}
	run, err := op(r.Context(), id, identity(r).Name, req.Reason)
	if err != nil {
		s.actionError(w, what, err)
		return
	}
	writeJSON(w, http.StatusOK, run)
}

func (s *Server) createPlan(w http.ResponseWriter, r *http.Request) {
	var req PlanRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "create plan: body must be JSON like {\"ticket_id\": 7, \"steps\": [{\"action\": \"...\", \"params\": {...}}]}: %v", err)
		return
	}
	if req.Subject == "" && len(s.registry) == 1 {
		for name := range s.registry {
			req.Subject = name
		}
	}
	rs, err := s.actions.CreatePlan(r.Context(), req.TicketID, req.Subject, req.Steps, identity(r).Name, req.Reason)
	if err != nil {
		s.actionError(w, "create plan", err)
		return
	}
	writeJSON(w, http.StatusCreated, rs)
}

func (s *Server) getKillSwitch(w http.ResponseWriter, r *http.Request) {
	ks, err := s.runs.KillSwitch(r.Context())
	if err != nil {
		s.storeError(w, "read the kill switch", err)
		return
	}
	writeJSON(w, http.StatusOK, KillSwitchView{KillSwitch: ks})
}

func (s *Server) setKillSwitch(w http.ResponseWriter, r *http.Request) {
	var req KillSwitchRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "kill switch: body must be JSON like {\"on\": true, \"reason\": \"...\"}: %v", err)
		return
	}
	ks, ids, err := s.actions.SetKillSwitch(r.Context(), req.On, identity(r).Name, req.Reason)
	if err != nil {
		// The switch itself is stored before anything is cancelled: say
		// both.
		s.actionError(w, "kill switch", err)
		return
	}
	writeJSON(w, http.StatusOK, KillSwitchView{KillSwitch: ks, Cancelled: ids})
}

// actionError maps executor and store errors to statuses.
func (s *Server) actionError(w http.ResponseWriter, what string, err error) {
	switch {
	case errors.Is(err, execute.ErrObserveOnly), errors.Is(err, execute.ErrKillSwitch), errors.Is(err, execute.ErrState):
		writeError(w, http.StatusConflict, "%v", err)
	case errors.Is(err, execute.ErrApproval):
		writeError(w, http.StatusForbidden, "%v", err)
	case errors.Is(err, execute.ErrPreflight):
		writeError(w, http.StatusUnprocessableEntity, "%v", err)
	// The executor's errors already say what was being done.
	case errors.Is(err, store.ErrInvalid):
		writeError(w, http.StatusBadRequest, "%v", err)
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "%v", err)
	case errors.Is(err, store.ErrConflict):
		writeError(w, http.StatusConflict, "%v", err)
	default:
		s.storeError(w, what, err)
	}
}
