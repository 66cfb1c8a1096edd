package observe

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/operator-dev/operator/internal/tikv/pd"
)

// Prometheus series for a ticket: a store's available bytes (PD's own
// gauge, so it exists wherever PD is scraped) with its fill rate, and for
// store-high-latency the latency quantile the invariant judged.

type seriesPlan struct {
	title   string
	query   string
	store   pd.StoreID // for available bytes
	latency bool
}

func (s *Subject) seriesPlans(g *gathering) []seriesPlan {
	if !g.tikv {
		return nil
	}
	var out []seriesPlan
	if g.t.Invariant == InvStoreHighLatency {
		out = append(out, seriesPlan{
			title: fmt.Sprintf("p%g gRPC latency per TiKV", s.cfg.LatencyQuantile*100),
			query: s.cfg.latencyQuery(), latency: true,
		})
	}
	if g.focusStore != 0 {
		out = append(out, seriesPlan{
			title: fmt.Sprintf("store %d's available bytes", g.focusStore),
			// PD exports the gauge from the leader only, but a Prometheus
			// that scraped two leaders in turn has two series: max joins them.
			query: fmt.Sprintf(`max by (store) (pd_scheduler_store_status{type="store_available",store="%d"})`, g.focusStore),
			store: g.focusStore,
		})
	}
	return out
}

// querySeries runs one range query over the last seriesWindow.
func (s *Subject) querySeries(ctx context.Context, p seriesPlan, now time.Time) (*SeriesEvidence, error) {
	r := promv1.Range{Start: now.Add(-seriesWindow), End: now, Step: seriesStep}
	v, _, _, err := s.prom.QueryRange(ctx, p.query, r)
	if err != nil {
		return nil, fmt.Errorf("query_range %s: %w", p.query, err)
	}
	m, ok := v.(model.Matrix)
	if !ok {
		if v == nil {
			return nil, fmt.Errorf("query_range %s: no result", p.query)
		}
		return nil, fmt.Errorf("query_range %s: a %s, not a matrix", p.query, v.Type())
	}
	out := &SeriesEvidence{Query: p.query, Start: r.Start.UTC(), End: r.End.UTC(), StepSeconds: seriesStep.Seconds(), Series: []Series{}}
	for _, ss := range m {
		se := Series{Labels: map[string]string{}, Points: []SeriesPoint{}}
		for k, v := range ss.Metric {
			se.Labels[clip(string(k), maxLabelBytes)] = clip(string(v), maxLabelBytes)
		}
		for _, pt := range ss.Values {
			f := float64(pt.Value)
			if math.IsNaN(f) || math.IsInf(f, 0) {
				continue // JSON has no NaN; a gap says as much
			}
			se.Points = append(se.Points, SeriesPoint{T: pt.Timestamp.Unix(), V: f})
		}
		out.Series = append(out.Series, se)
	}
	sort.SliceStable(out.Series, func(i, j int) bool { return labelsKey(out.Series[i].Labels) < labelsKey(out.Series[j].Labels) })
	return out, nil
}

func labelsKey(l map[string]string) string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + "=" + l[k] + ",")
	}
	return b.String()
}

// finishSeries adds what the numbers mean, once the stores are known: the
// fill rate and time to full of a store's available bytes, the stores
// above the latency threshold. It also bounds the series kept.
func (g *gathering) finishSeries(p seriesPlan, se *SeriesEvidence) {
	last := func(s Series) (float64, bool) {
		if len(s.Points) == 0 {
			return 0, false
		}
		return s.Points[len(s.Points)-1].V, true
	}
	if p.latency {
		se.ThresholdSeconds = g.cfg.LatencyThreshold.Seconds()
		byAddr := map[string]string{}
		for _, s := range g.liveStores() {
			if a := s.Store.StatusAddress; a != "" {
				byAddr[strings.TrimPrefix(strings.TrimPrefix(a, "http://"), "https://")] = s.Store.ID.String()
			}
		}
		want := g.t.Labels["store"]
		for _, s := range se.Series {
			store := s.Labels["store"]
			if store == "" {
				store = byAddr[s.Labels["instance"]]
			}
			if v, ok := last(s); ok && v > se.ThresholdSeconds {
				if store != "" {
					se.SlowStores = append(se.SlowStores, store)
				} else {
					se.SlowInstances = append(se.SlowInstances, s.Labels["instance"])
				}
			}
		}
		sort.Strings(se.SlowStores)
		sort.Strings(se.SlowInstances)
		// Keep the ticket's store and the slowest.
		sort.SliceStable(se.Series, func(i, j int) bool {
			wi, wj := se.Series[i].Labels["store"] == want && want != "", se.Series[j].Labels["store"] == want && want != ""
			if wi != wj {
				return wi
			}
			vi, _ := last(se.Series[i])
			vj, _ := last(se.Series[j])
			return vi > vj
		})
	}
	if len(se.Series) > maxSeries {
		se.Series = se.Series[:maxSeries]
	}
	if p.store == 0 || len(se.Series) == 0 {
		return
	}
	se.StoreID = uint64(p.store)
	s := se.Series[0]
	slope, ok := leastSquaresSlope(s.Points)
	// Finite samples can still overflow the fit (values near 1e308): JSON
	// has no Inf, and evidence that does not encode sinks the whole context.
	if !ok || !finite(slope) {
		return
	}
	fill := round3(-slope) // available falls as the disk fills
	se.FillBytesPerSec = &fill
	avail, _ := last(s)
	if fill <= 0 {
		return
	}
	full := math.Round(avail / fill)
	if !finite(full) {
		return
	}
	se.SecondsToFull = &full
	if st, ok := g.storeByID(p.store); ok && st.Status.Capacity > 0 {
		low := defaultLowSpaceRatio
		if g.schedule != nil && g.schedule.LowSpaceRatio > 0 && g.schedule.LowSpaceRatio < 1 {
			low = g.schedule.LowSpaceRatio
		}
		reserve := float64(st.Status.Capacity) * (1 - low)
		if toLow := math.Round(max(avail-reserve, 0) / fill); finite(toLow) {
			se.SecondsToLowSpace = &toLow
		}
	}
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// leastSquaresSlope is the per-second slope of a line fitted to the
// points; a line through the whole window shrugs off one odd sample.
func leastSquaresSlope(pts []SeriesPoint) (float64, bool) {
	if len(pts) < 2 {
		return 0, false
	}
	t0 := float64(pts[0].T)
	var n, sx, sy, sxx, sxy float64
	for _, p := range pts {
		x := float64(p.T) - t0
		n++
		sx += x
		sy += p.V
		sxx += x * x
		sxy += x * p.V
	}
	den := n*sxx - sx*sx
	if den == 0 {
		return 0, false
	}
	return (n*sxy - sx*sy) / den, true
}
