package observe

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/ticket"
	"github.com/operator-dev/operator/internal/tikv/pd"
)

// fakePrometheus answers /api/v1/query_range in Prometheus' wire format
// with series computed by value(query, labels, t); the labels of each
// series come from series(query).
func fakePrometheus(t *testing.T, series func(q string) []map[string]string, value func(q string, l map[string]string, at float64) float64) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/query" {
			// The instant latency query of Observe: no TiKV series.
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"status":"success","data":{"resultType":"vector","result":[]}}`)
			return
		}
		if r.URL.Path != "/api/v1/query_range" {
			http.Error(w, "not found", 404)
			return
		}
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		q := r.Form.Get("query")
		start, _ := strconv.ParseFloat(r.Form.Get("start"), 64)
		end, _ := strconv.ParseFloat(r.Form.Get("end"), 64)
		step, _ := strconv.ParseFloat(r.Form.Get("step"), 64)
		if step <= 0 || end < start {
			http.Error(w, "bad range", 400)
			return
		}
		var result []map[string]any
		for _, l := range series(q) {
			var values [][]any
			for at := start; at <= end; at += step {
				values = append(values, []any{at, strconv.FormatFloat(value(q, l, at), 'f', -1, 64)})
			}
			result = append(result, map[string]any{"metric": l, "values": values})
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"status": "success", "data": map[string]any{"resultType": "matrix", "result": result}})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestGatherSeriesFillRate(t *testing.T) {
	const fill = 1 << 20 // bytes per second
	prom := fakePrometheus(t,
		func(q string) []map[string]string { return []map[string]string{{"store": "3"}} },
		func(q string, _ map[string]string, at float64) float64 {
			return 200e9 - fill*(at-float64(t0.Unix()))
		})
	e := newSimEnv(t, simOpts, Config{}, pd.Config{})
	s, err := New(Config{}, e.subj.pdc, promAPI(t, prom.URL), e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	e.subj = s
	e.fault(`{"type":"fill-disk","store":3,"available_ratio":0.1}`)
	e.clock.Advance(time.Hour)
	c := e.gatherFor("store-low-space/store=3", nil)
	if k := kinds(c); !slices.Contains(k, EvidenceSeries) {
		t.Fatalf("no series: %v", k)
	}
	se := mustFind[SeriesEvidence](t, c, EvidenceSeries)
	if !strings.Contains(se.Query, `type="store_available"`) || !strings.Contains(se.Query, `store="3"`) {
		t.Errorf("query %s", se.Query)
	}
	if len(se.Series) != 1 || len(se.Series[0].Points) != 31 {
		t.Fatalf("series %+v", se.Series)
	}
	if se.FillBytesPerSec == nil || math.Abs(*se.FillBytesPerSec-fill) > 1 {
		t.Errorf("fill rate %v, want %d", se.FillBytesPerSec, fill)
	}
	last := se.Series[0].Points[30].V
	if se.SecondsToFull == nil || math.Abs(*se.SecondsToFull-last/fill) > 1 {
		t.Errorf("seconds to full %v, want %v", se.SecondsToFull, last/fill)
	}
	if se.SecondsToLowSpace == nil || *se.SecondsToLowSpace >= *se.SecondsToFull {
		t.Errorf("seconds to the low-space line %v, to full %v", se.SecondsToLowSpace, se.SecondsToFull)
	}
}

func TestGatherSeriesLatency(t *testing.T) {
	prom := fakePrometheus(t,
		func(q string) []map[string]string {
			if strings.Contains(q, "histogram_quantile") {
				return []map[string]string{{"store": "1", "instance": "tikv-1:20180"}, {"store": "2", "instance": "tikv-2:20180"}, {"store": "3", "instance": "tikv-3:20180"}}
			}
			return []map[string]string{{"store": "2"}}
		},
		func(q string, l map[string]string, _ float64) float64 {
			if l["store"] == "2" && strings.Contains(q, "histogram_quantile") {
				return 1.5
			}
			if strings.Contains(q, "histogram_quantile") {
				return 0.01
			}
			return 500e9
		})
	e := newSimEnv(t, simOpts, Config{}, pd.Config{})
	s, err := New(Config{}, e.subj.pdc, promAPI(t, prom.URL), e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	tk := ticket.Ticket{ID: 3, DedupKey: "store-high-latency/store=2", Invariant: InvStoreHighLatency, Subject: Name,
		Severity: ticket.Warning, Labels: map[string]string{"store": "2"}, FirstSeen: t0, LastSeen: t0, Occurrences: 1,
		Evidence: map[string]any{"store": "2", "latency_seconds": 1.5, "threshold_seconds": 0.5}}
	c, err := s.Gather(t.Context(), tk, nil, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	checkContext(t, c)
	var lat *SeriesEvidence
	for _, ev := range c.Evidence {
		if se, err := DecodeEvidence[SeriesEvidence](ev.Data); ev.Kind == EvidenceSeries && err == nil && se.ThresholdSeconds > 0 {
			lat = se
		}
	}
	if lat == nil {
		t.Fatalf("no latency series: %v", kinds(c))
	}
	if !slices.Equal(lat.SlowStores, []string{"2"}) || len(lat.Series) != 3 || lat.Series[0].Labels["store"] != "2" {
		t.Errorf("latency: slow %v, %d series, first %v", lat.SlowStores, len(lat.Series), lat.Series[0].Labels)
	}
}

// A Prometheus that fails is an evidence item saying so; the rest stands.
func TestGatherSeriesPrometheusDown(t *testing.T) {
	prom := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) }))
	defer prom.Close()
	e := newSimEnv(t, simOpts, Config{}, pd.Config{})
	s, err := New(Config{PrometheusTimeout: time.Second}, e.subj.pdc, promAPI(t, prom.URL), e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	e.subj = s
	e.fault(`{"type":"fill-disk","store":3,"available_ratio":0.1}`)
	e.clock.Advance(10 * time.Second)
	_, vs := e.observe() // Prometheus fails here too; PD's invariants still run
	v, ok := vs["store-low-space/store=3"]
	if !ok {
		t.Fatalf("no low-space ticket: %v", keyList(vs))
	}
	c, err := s.Gather(t.Context(), ticketFrom(v, e.clock.Now()), nil, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	checkContext(t, c)
	want := []string{"ticket", "stores", "config", "operators", "store-regions", "unavailable", "history"}
	if !slices.Equal(kinds(c), want) {
		t.Fatalf("kinds %v, want %v", kinds(c), want)
	}
	u := mustFind[UnavailableEvidence](t, c, EvidenceUnavailable)
	if u.Kind != EvidenceSeries || !strings.Contains(u.Error, "500") {
		t.Errorf("unavailable %+v", u)
	}
	if !c.Known(subject.ParamStoreID, "3") {
		t.Error("stores are still entities")
	}
}
