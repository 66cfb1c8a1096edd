package observe

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"sort"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/operator-dev/operator/internal/ticket"
	"github.com/operator-dev/operator/internal/tikv/pd"
)

// cannedProm answers every request with the same status and body.
type cannedProm struct {
	status int
	body   []byte
}

func (c cannedProm) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	return &http.Response{StatusCode: c.status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(c.body)), ContentLength: int64(len(c.body)), Request: req}, nil
}

// FuzzPrometheusAnswers serves one (status, body) to both Prometheus
// queries the subject makes: the instant latency query (parseLatency) and
// the range query of a ticket's series (querySeries, then finishSeries).
// Whatever Prometheus (or a proxy) answers: no panic; latencies are
// numbers (no NaN, no -Inf) in a stable order; series evidence has finite
// points, clipped valid labels, at most maxSeries series, and encodes as
// JSON (it goes into the LLM's context).
func FuzzPrometheusAnswers(f *testing.F) {
	f.Add(uint16(200), []byte(`{"status":"success","data":{"resultType":"vector","result":[{"metric":{"instance":"tikv-1:20180","store":"1"},"value":[1795554612.3,"0.25"]}]}}`))
	f.Add(uint16(200), []byte(`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"store":"1"},"values":[[1795554000,"1e12"],[1795554060,"9.9e11"],[1795554120,"NaN"]]}]}}`))
	f.Add(uint16(422), []byte(`{"status":"error","errorType":"execution","error":"many-to-many matching not allowed"}`))
	f.Add(uint16(200), []byte(`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[0,"1e308"],[1,"-1e308"],[2,"1e308"]]}]}}`))
	now := time.Date(2026, 11, 24, 21, 10, 0, 0, time.UTC)
	cfg := DefaultConfig()
	stores := &pd.StoresInfo{Stores: []pd.StoreInfo{upStore(1, 40, 100), upStore(2, 50, 100)}}
	stores.Stores[0].Store.StatusAddress = "tikv-1:20180"
	f.Fuzz(func(t *testing.T, st uint16, body []byte) {
		c, err := api.NewClient(api.Config{Address: "http://prom.fuzz:9090", RoundTripper: cannedProm{status: 100 + int(st)%500, body: body}})
		if err != nil {
			t.Fatal(err)
		}
		s := &Subject{cfg: cfg, prom: promv1.NewAPI(c)}
		ctx := context.Background()

		if lat, err := s.queryLatency(ctx, now); err == nil {
			for _, l := range lat {
				if math.IsNaN(l.Seconds) || math.IsInf(l.Seconds, -1) {
					t.Fatalf("latency %+v kept", l)
				}
			}
			if !sort.SliceIsSorted(lat, func(i, j int) bool {
				return lat[i].Store < lat[j].Store || lat[i].Store == lat[j].Store && lat[i].Instance < lat[j].Instance
			}) {
				t.Fatalf("latencies out of order: %+v", lat)
			}
		}

		for _, p := range []seriesPlan{{title: "latency", query: cfg.latencyQuery(), latency: true}, {title: "available", query: "q", store: 1}} {
			se, err := s.querySeries(ctx, p, now)
			if err != nil {
				continue
			}
			for _, ser := range se.Series {
				for k, v := range ser.Labels {
					if len(k) > maxLabelBytes+len("…") || len(v) > maxLabelBytes+len("…") {
						t.Fatalf("label %q=%q not clipped", k, v)
					}
				}
				for _, pt := range ser.Points {
					if math.IsNaN(pt.V) || math.IsInf(pt.V, 0) {
						t.Fatalf("point %+v kept", pt)
					}
				}
			}
			g := &gathering{t: ticket.Ticket{Labels: map[string]string{"store": "1"}}, now: now, tikv: true, cfg: cfg, stores: stores}
			g.finishSeries(p, se)
			if len(se.Series) > maxSeries {
				t.Fatalf("%d series kept", len(se.Series))
			}
			b, err := json.Marshal(se)
			if err != nil {
				t.Fatalf("series evidence does not encode: %v (%+v)", err, se)
			}
			if !utf8.Valid(b) {
				t.Fatalf("series evidence is not UTF-8: %q", b)
			}
		}
	})
}
