package diagnose

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/operator-dev/operator/internal/ticket"
)

// Metrics are the runner's Prometheus series. A nil *Metrics records
// nothing.
type Metrics struct {
	records  *prometheus.CounterVec
	refusals *prometheus.CounterVec
	seconds  *prometheus.HistogramVec
	tokens   *prometheus.CounterVec
	cost     *prometheus.CounterVec
}

// NewMetrics registers the runner's series on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		records: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "operator_diagnoses_total", Help: "Diagnosis attempts, by provider and outcome (ok, proposal-refused, refused, failed).",
		}, []string{"provider", "status"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "operator_diagnosis_refusals_total", Help: "Reasons an answer or its proposal was refused, by provider and the part refused.",
		}, []string{"provider", "part"}),
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "operator_diagnosis_duration_seconds", Help: "Time one provider took to answer (or give up).",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
		}, []string{"provider"}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "operator_diagnosis_tokens_total", Help: "Model tokens used, by provider and direction.",
		}, []string{"provider", "direction"}),
		cost: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "operator_diagnosis_cost_usd_total", Help: "Estimated model cost in US dollars, by provider.",
		}, []string{"provider"}),
	}
	reg.MustRegister(m.records, m.refusals, m.seconds, m.tokens, m.cost)
	return m
}

func (m *Metrics) record(rec ticket.DiagnosisRecord) {
	if m == nil {
		return
	}
	m.records.WithLabelValues(rec.Provider, string(rec.Status)).Inc()
	for _, r := range rec.Refusals {
		m.refusals.WithLabelValues(rec.Provider, refusalPart(r.Field)).Inc()
	}
	m.tokens.WithLabelValues(rec.Provider, "input").Add(float64(rec.Usage.InputTokens))
	m.tokens.WithLabelValues(rec.Provider, "output").Add(float64(rec.Usage.OutputTokens))
	m.cost.WithLabelValues(rec.Provider).Add(rec.Usage.CostUSD)
}

func (m *Metrics) took(provider string, d time.Duration) {
	if m == nil {
		return
	}
	m.seconds.WithLabelValues(provider).Observe(d.Seconds())
}

// refusalPart bounds the label's values: the top-level part of the field
// ("proposed_action", "evidence_ids"), never model-chosen text.
func refusalPart(field string) string {
	for _, p := range []string{"proposed_action", "evidence_ids", "alternatives", "confidence", "severity", "diagnosis", "answer"} {
		if len(field) >= len(p) && field[:len(p)] == p {
			return p
		}
	}
	return "other"
}
