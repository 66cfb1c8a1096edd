package pdsim

import (
	"net/http"
	"sync"
	"time"
)

// Request is one state-changing request PD answered (POST, PUT, PATCH,
// DELETE on PD's API): what a test reads to prove how many times a change
// reached PD, across restarts and failovers of the operator.
type Request struct {
	At     time.Time `json:"at"` // simulated time
	Method string    `json:"method"`
	Path   string    `json:"path"` // with the query: "/pd/api/v1/store/3/state?state=Offline"
	Status int       `json:"status"`
}

// maxLogged bounds the log; the oldest entries are dropped first.
const maxLogged = 10_000

// requestLog keeps the writes in order.
type requestLog struct {
	mu   sync.Mutex
	reqs []Request
}

func (l *requestLog) add(r Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.reqs) == maxLogged {
		l.reqs = append(l.reqs[:0], l.reqs[1:]...)
	}
	l.reqs = append(l.reqs, r)
}

func (l *requestLog) all() []Request {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Request(nil), l.reqs...)
}

// Writes returns the state-changing requests PD answered, oldest first
// (also served at GET /pdsim/v1/requests).
func (s *Server) Writes() []Request { return s.writes.all() }

func isWrite(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// statusRecorder notes the status a handler answered with.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (s *Server) getRequests(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"writes": s.Writes()})
}

// Flush passes a flush through (the truncation fault flushes half a body).
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
