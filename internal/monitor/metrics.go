package monitor

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/ticket"
)

// Metrics are the monitor's own Prometheus series.
type Metrics struct {
	cycleSeconds *prometheus.HistogramVec
	violations   *prometheus.GaugeVec
	errors       *prometheus.CounterVec
	skipped      *prometheus.CounterVec
}

// NewMetrics registers the monitor's series on reg, plus a collector that
// reads tickets by state from the store at scrape time.
func NewMetrics(reg prometheus.Registerer, tickets store.Tickets) *Metrics {
	m := &Metrics{
		cycleSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "operator_monitor_cycle_duration_seconds", Help: "Time one monitor cycle took.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 12),
		}, []string{"subject"}),
		violations: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "operator_monitor_invariant_violations", Help: "Violations found by the last cycle, by invariant.",
		}, []string{"subject", "invariant"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "operator_monitor_errors_total", Help: "Failures during cycles: a data source that did not answer, or an invariant that could not be evaluated.",
		}, []string{"subject", "kind", "name"}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "operator_monitor_invariants_skipped_total", Help: "Invariants skipped because a source they need failed.",
		}, []string{"subject", "invariant"}),
	}
	reg.MustRegister(m.cycleSeconds, m.violations, m.errors, m.skipped, &ticketCollector{tickets: tickets})
	return m
}

func (m *Metrics) cycle(subj string, took time.Duration, rep Report) {
	if m == nil {
		return
	}
	m.cycleSeconds.WithLabelValues(subj).Observe(took.Seconds())
	counts := map[string]float64{}
	for _, v := range rep.Violations {
		counts[v.Invariant]++
	}
	m.violations.Reset()
	for inv, n := range counts {
		m.violations.WithLabelValues(subj, inv).Set(n)
	}
	for _, src := range rep.Failed {
		m.errors.WithLabelValues(subj, "source", src.Name).Inc()
	}
	for inv := range rep.Errors {
		m.errors.WithLabelValues(subj, "invariant", inv).Inc()
	}
	for _, inv := range rep.Skipped {
		m.skipped.WithLabelValues(subj, inv).Inc()
	}
}

var ticketsDesc = prometheus.NewDesc("operator_tickets", "Tickets by state.", []string{"state"}, nil)

// ticketCollector reports tickets by state straight from the store, so the
// figure is right after a restart and with several writers.
type ticketCollector struct{ tickets store.Tickets }

func (c *ticketCollector) Describe(ch chan<- *prometheus.Desc) { ch <- ticketsDesc }

func (c *ticketCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := c.tickets.CountByState(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(ticketsDesc, err)
		return
	}
	for _, st := range ticket.States() {
		ch <- prometheus.MustNewConstMetric(ticketsDesc, prometheus.GaugeValue, float64(counts[st]), string(st))
	}
}
