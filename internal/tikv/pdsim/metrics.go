package pdsim

import (
	"net/http"
)

// simMetrics counts operator events for pd_schedule_operators_count.
type simMetrics struct {
	ops    map[[2]string]float64 // (type, event) -> count
	splits int
}

func (m *simMetrics) opEvent(desc, event string) {
	if m.ops == nil {
		m.ops = map[[2]string]float64{}
	}
	m.ops[[2]string{desc, event}]++
}

func (s *Server) metricsHandler() http.Handler {
	return http.NotFoundHandler()
}
