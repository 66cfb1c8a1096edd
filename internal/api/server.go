package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/operator-dev/operator/internal/audit"
	"github.com/operator-dev/operator/internal/auth"
	"github.com/operator-dev/operator/internal/leader"
	"github.com/operator-dev/operator/internal/overview"
	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/ticket"
)

// Store is what the API serves from: tickets, their timelines and their
// diagnoses.
type Store interface {
	store.Tickets
	store.Diagnoses
	store.Users
	Audit() audit.Log
}

// Server serves the API over a ticket store.
type Server struct {
	tickets Store
	now     func() time.Time
	log     *slog.Logger
	mux     *http.ServeMux
	// ReopenWithin is passed to the store for alerts that come back.
	reopenWithin time.Duration
	// mapAlert, if set, names the operator's own ticket an alert is about.
	mapAlert AlertMapper
	// foldMu serializes folding alerts into operator tickets, so two
	// deliveries of one alert racing each other write one event, not two
	// (the daemon is the store's single writer).
	foldMu sync.Mutex
	// runs, actions and registry serve the action endpoints; nil: not
	// wired (the endpoints answer 503).
	runs     RunStore
	actions  Actions
	registry map[string][]subject.ActionSpec
}

// Options configure a Server.
type Options struct {
	Now          func() time.Time
	Log          *slog.Logger
	ReopenWithin time.Duration
	// Metrics, if set, is served at /metrics.
	Metrics http.Handler
	// AlertMapper, if set, maps Alertmanager alerts onto the keys of the
	// subject's own invariants, so an alert about a problem the monitor
	// already has a ticket for lands on that ticket (see alertfold.go).
	AlertMapper AlertMapper
	// Runs and Actions serve /api/v1/actions and /api/v1/kill-switch;
	// Registry describes each subject's actions for `actions show`.
	Runs     RunStore
	Actions  Actions
	Registry map[string][]subject.ActionSpec
	// Overview, if set, answers GET /api/v1/overview: the latest cluster
	// overview, false until the monitor has gathered one.
	Overview func() (overview.Overview, bool)
	// Banner and ActionsMode are served at /api/v1/info (see info.go).
	Banner      string
	ActionsMode string
	// Election, if set, says which replica this is and who leads.
	Election func() leader.Status
}

// New builds the API handler.
func New(tickets Store, opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	s := &Server{tickets: tickets, now: opts.Now, log: opts.Log, mux: http.NewServeMux(), reopenWithin: opts.ReopenWithin,
		mapAlert: opts.AlertMapper, runs: opts.Runs, actions: opts.Actions, registry: opts.Registry}
	s.mux.HandleFunc("GET /api/v1/tickets", s.requireRole(auth.Viewer, s.listTickets))
	s.mux.HandleFunc("GET /api/v1/tickets/{id}", s.requireRole(auth.Viewer, s.getTicket))
	s.mux.HandleFunc("GET /api/v1/tickets/{id}/diagnoses", s.requireRole(auth.Viewer, s.listDiagnoses))
	s.mux.HandleFunc("POST /api/v1/tickets/{id}/resolve", s.requireRole(auth.Approver, s.resolveTicket))
	// Alertmanager sends with a token of its own (http_config.authorization);
	// an alert only opens or annotates a ticket, so a viewer may send it.
	s.mux.HandleFunc("POST /api/v1/alerts/alertmanager", s.requireRole(auth.Viewer, s.alertmanager))
	s.actionRoutes()
	s.infoRoutes(opts)
	s.mux.HandleFunc("GET /api/v1/overview", s.requireRole(auth.Viewer, s.overview(opts.Overview)))
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, map[string]string{"status": "ok"}) })
	if opts.Metrics != nil {
		s.mux.Handle("GET /metrics", opts.Metrics)
	}
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// TicketView is a ticket with its timeline and its latest diagnosis round,
// as GET /api/v1/tickets/{id} answers.
type TicketView struct {
	ticket.Ticket
	Events []ticket.Event `json:"events,omitempty"`
	// Diagnoses is the latest round, one record per provider; [] when the
	// ticket was never diagnosed. Earlier rounds: GET .../diagnoses.
	Diagnoses []ticket.DiagnosisRecord `json:"diagnoses"`
}

// ErrorBody is every error answer.
type ErrorBody struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, format string, args ...any) {
	writeJSON(w, status, ErrorBody{Error: fmt.Sprintf(format, args...)})
}

// storeError maps store errors to statuses a client can act on.
func (s *Server) storeError(w http.ResponseWriter, what string, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "%s: not found", what)
	case errors.Is(err, store.ErrConflict):
		writeError(w, http.StatusConflict, "%s: %v", what, err)
	case errors.Is(err, store.ErrInvalid), errors.Is(err, ticket.ErrInvalid):
		writeError(w, http.StatusBadRequest, "%s: %v", what, err)
	case errors.Is(err, store.ErrFull):
		s.log.Error("state store is full", "what", what, "err", err)
		writeError(w, http.StatusInsufficientStorage, "%s: the state store's disk is full; nothing was written", what)
	default:
		s.log.Error("state store failed", "what", what, "err", err)
		writeError(w, http.StatusInternalServerError, "%s: state store error: %v", what, err)
	}
}

func (s *Server) listTickets(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.Filter{Invariant: q.Get("invariant"), Subject: q.Get("subject")}
	for _, v := range q["state"] {
		st, err := ticket.ParseState(v)
		if err != nil {
			writeError(w, http.StatusBadRequest, "state %q: %v", v, err)
			return
		}
		f.States = append(f.States, st)
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "limit %q is not a non-negative number", v)
			return
		}
		f.Limit = n
	}
	ts, err := s.tickets.List(r.Context(), f)
	if err != nil {
		s.storeError(w, "list tickets", err)
		return
	}
	if ts == nil {
		ts = []ticket.Ticket{}
	}
	writeJSON(w, http.StatusOK, ts)
}

func ticketID(w http.ResponseWriter, r *http.Request) (ticket.ID, bool) {
	id, err := ticket.ParseID(r.PathValue("id"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "ticket id %q: %v", r.PathValue("id"), err)
		return 0, false
	}
	return id, true
}

func (s *Server) getTicket(w http.ResponseWriter, r *http.Request) {
	id, ok := ticketID(w, r)
	if !ok {
		return
	}
	t, err := s.tickets.Get(r.Context(), id)
	if err != nil {
		s.storeError(w, fmt.Sprintf("ticket %d", id), err)
		return
	}
	evs, err := s.tickets.Events(r.Context(), id)
	if err != nil {
		s.storeError(w, fmt.Sprintf("timeline of ticket %d", id), err)
		return
	}
	ds, err := s.tickets.LatestDiagnoses(r.Context(), id)
	if err != nil {
		s.storeError(w, fmt.Sprintf("diagnosis of ticket %d", id), err)
		return
	}
	writeJSON(w, http.StatusOK, TicketView{Ticket: t, Events: evs, Diagnoses: nonNil(ds)})
}

// ResolveRequest is the body of POST /api/v1/tickets/{id}/resolve.
type ResolveRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) resolveTicket(w http.ResponseWriter, r *http.Request) {
	id, ok := ticketID(w, r)
	if !ok {
		return
	}
	var req ResolveRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "resolve ticket %d: body must be JSON like {\"reason\": \"...\"}: %v", id, err)
		return
	}
	if req.Reason == "" {
		writeError(w, http.StatusBadRequest, "resolve ticket %d: a reason is required", id)
		return
	}
	t, err := s.tickets.Resolve(r.Context(), id, req.Reason, s.now())
	if err != nil {
		s.storeError(w, fmt.Sprintf("resolve ticket %d", id), err)
		return
	}
	s.log.Info("ticket resolved by request", "ticket", id, "reason", req.Reason)
	writeJSON(w, http.StatusOK, t)
}
