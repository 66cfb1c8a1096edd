package observe

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/operator-dev/operator/internal/subject"
)

// latencyQuery is the PromQL of one cycle: the quantile of the gRPC
// message duration histogram, per TiKV instance, over the window.
// Grouping keeps `instance` and `store` (a label some deployments add to
// their TiKV targets), and drops the message type, so one slow type makes
// its store's whole distribution slower.
func (cfg Config) latencyQuery() string {
	return fmt.Sprintf("histogram_quantile(%g, sum by (le, instance, store) (rate(%s_bucket[%s])))",
		cfg.LatencyQuantile, cfg.LatencyMetric, model.Duration(cfg.LatencyWindow))
}

// queryLatency asks Prometheus at the snapshot's time. Series without a
// value (NaN: no traffic in the window) are left out.
func (s *Subject) queryLatency(ctx context.Context, now time.Time) ([]StoreLatency, error) {
	q := s.cfg.latencyQuery()
	v, _, _, err := s.prom.Query(ctx, q, now)
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", q, err)
	}
	return parseLatency(v)
}

// parseLatency reads an instant vector; any other result type is an error
// (a Prometheus or proxy answering something else).
func parseLatency(v model.Value) ([]StoreLatency, error) {
	vec, ok := v.(model.Vector)
	if !ok {
		if v == nil {
			return nil, fmt.Errorf("prometheus answered no result")
		}
		return nil, fmt.Errorf("prometheus answered a %s, not an instant vector", v.Type())
	}
	out := make([]StoreLatency, 0, len(vec))
	for _, smp := range vec {
		val := float64(smp.Value)
		if math.IsNaN(val) || math.IsInf(val, 0) && val < 0 {
			continue
		}
		out = append(out, StoreLatency{
			Store:    string(smp.Metric["store"]),
			Instance: string(smp.Metric["instance"]),
			Seconds:  val,
		})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Store != out[j].Store {
			return out[i].Store < out[j].Store
		}
		return out[i].Instance < out[j].Instance
	})
	return out, nil
}

// mapLatencyStores fills Store from the store whose status_address is the
// series' instance, for deployments whose targets carry no store label.
func mapLatencyStores(d *Data) {
	byAddr := map[string]string{}
	for _, s := range d.Stores {
		if a := s.Store.StatusAddress; a != "" {
			byAddr[strings.TrimPrefix(strings.TrimPrefix(a, "http://"), "https://")] = s.Store.ID.String()
		}
	}
	for i := range d.Latency {
		if d.Latency[i].Store == "" {
			d.Latency[i].Store = byAddr[d.Latency[i].Instance]
		}
	}
}

// storeHighLatency: the quantile above LatencyThreshold. Labels {store}
// when the store is known, else {instance}.
func (cfg Config) storeHighLatency(d *Data, now time.Time) []subject.Violation {
	limit := cfg.LatencyThreshold.Seconds()
	var out []subject.Violation
	for _, l := range d.Latency {
		if l.Seconds <= limit {
			continue
		}
		labels := map[string]string{"store": l.Store}
		who := "store " + l.Store
		if l.Store == "" {
			labels = map[string]string{"instance": l.Instance}
			who = "TiKV " + l.Instance
		} else if l.Instance != "" {
			who += " (" + l.Instance + ")"
		}
		lat := time.Duration(l.Seconds * float64(time.Second)).Round(time.Millisecond).String()
		var seconds any = round3(l.Seconds)
		if math.IsInf(l.Seconds, 1) {
			lat, seconds = "beyond the histogram's largest bucket", "+Inf"
		}
		out = append(out, subject.Violation{
			Labels:   labels,
			Severity: subject.Warning,
			Summary: fmt.Sprintf("%s answers slowly: gRPC p%g latency %s over the last %s, threshold %s",
				who, cfg.LatencyQuantile*100, lat, cfg.LatencyWindow, cfg.LatencyThreshold),
			Evidence: map[string]any{
				"store":             l.Store,
				"instance":          l.Instance,
				"latency_seconds":   seconds,
				"threshold_seconds": limit,
				"quantile":          cfg.LatencyQuantile,
				"window_seconds":    cfg.LatencyWindow.Seconds(),
				"query":             cfg.latencyQuery(),
			},
		})
	}
	return out
}
