package api

import (
	"net/http"
	"sort"

	"github.com/operator-dev/operator/internal/auth"
	"github.com/operator-dev/operator/internal/config"
	"github.com/operator-dev/operator/internal/leader"
)

// Info is what GET /api/v1/info answers: what kind of daemon a client is
// talking to, so every screen can say it (a DEMO banner; whether approving
// can change anything at all).
type Info struct {
	// Banner is shown on every screen when set (the demo binary's "DEMO").
	Banner string `json:"banner"`
	// ActionsMode is config.ModeObserve (approvals are refused) or
	// config.ModeExecute.
	ActionsMode string `json:"actions_mode"`
	// Subjects are the kinds of system the daemon watches, sorted.
	Subjects []string `json:"subjects"`
	// Replica is this replica and who leads (every replica serves the API;
	// only the leader monitors, diagnoses and executes). Nil when the
	// daemon was wired without an election.
	Replica *leader.Status `json:"replica,omitempty"`
}

// infoRoutes serves the daemon's Info: fixed when the daemon is wired,
// but for the election, read at each request.
func (s *Server) infoRoutes(o Options) {
	info := Info{Banner: o.Banner, ActionsMode: o.ActionsMode, Subjects: []string{}}
	if info.ActionsMode == "" {
		// Unset means nothing said the daemon may change the cluster;
		// the safe reading is the configuration's default.
		info.ActionsMode = config.ModeObserve
	}
	for name := range o.Registry {
		info.Subjects = append(info.Subjects, name)
	}
	sort.Strings(info.Subjects)
	s.mux.HandleFunc("GET /api/v1/info", s.requireRole(auth.Viewer, func(w http.ResponseWriter, r *http.Request) {
		out := info
		if o.Election != nil {
			st := o.Election()
			out.Replica = &st
		}
		writeJSON(w, http.StatusOK, out)
	}))
}
