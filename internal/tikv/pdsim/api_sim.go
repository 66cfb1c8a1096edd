package pdsim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
)

// simRoutes are pdsim's own endpoints (a real PD has no /pdsim prefix).
func (s *Server) simRoutes() {
	s.handle("POST", "/pdsim/v1/faults", s.postFault)
	s.handle("GET", "/pdsim/v1/status", s.getSimStatus)
	s.handle("GET", "/pdsim/v1/requests", s.getRequests)
}

// postFault injects one fault: {"type":"kill-store","store":3}.
func (s *Server) postFault(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var f Fault
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		writeJSON(w, 400, "bad fault: "+err.Error())
		return
	}
	if err := s.c.Inject(f); err != nil {
		writeJSON(w, 400, err.Error())
		return
	}
	writeJSON(w, 200, "fault injected: "+f.Type)
}

func (s *Server) getSimStatus(w http.ResponseWriter, r *http.Request) {
	s.read(func(c *Cluster) {
		killed := []StoreID{}
		for _, st := range c.sortedStores() {
			if st.killed {
				killed = append(killed, st.ID)
			}
		}
		byRegion := map[string]int{}
		for id, n := range c.created.byRegion {
			byRegion[strconv.FormatUint(uint64(id), 10)] = n
		}
		writeJSON(w, 200, map[string]any{
			"sim_time":       c.now.UTC(),
			"stores":         len(c.stores),
			"regions":        len(c.regions),
			"running_ops":    len(c.ops.running),
			"killed_stores":  killed,
			"pending_events": len(c.history),
			"pd_errors_left": c.faults.errorsLeft,
			"pd_truncate":    c.faults.truncate,
			"pd_slow":        c.faults.slow.String(),

			// Accepted POST /operators, so a test can prove nothing was submitted twice.
			"operators_created":           c.created.total,
			"operators_created_by_region": byRegion,
		})
	})
}
