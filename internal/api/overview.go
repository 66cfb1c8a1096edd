package api

import (
	"net/http"

	"github.com/operator-dev/operator/internal/overview"
)

// noOverview is the 503's message: the overview comes from the monitor's
// cycles, so until one completes there is none, which is not an error of
// the caller's and goes away by itself.
const noOverview = "no cluster overview yet: the monitor has not completed a cycle"

// overview answers GET /api/v1/overview with the latest cluster overview
// (latest nil: this daemon gathers none, which looks the same to a client).
func (s *Server) overview(latest func() (overview.Overview, bool)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if latest == nil {
			writeError(w, http.StatusServiceUnavailable, "%s", noOverview)
			return
		}
		o, ok := latest()
		if !ok {
			w.Header().Set("Retry-After", "10")
			writeError(w, http.StatusServiceUnavailable, "%s", noOverview)
			return
		}
		if o.Nodes == nil {
			o.Nodes = []overview.Node{}
		}
		if o.Health == nil {
			o.Health = []overview.Health{}
		}
		writeJSON(w, http.StatusOK, o)
	}
}
