package observe

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/operator-dev/operator/internal/promtest"
	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

func promAPI(t *testing.T, url string) promv1.API {
	t.Helper()
	c, err := api.NewClient(api.Config{Address: url})
	if err != nil {
		t.Fatal(err)
	}
	return promv1.NewAPI(c)
}

// A Prometheus that is down or answers garbage is one failed source; the
// PD invariants still run.
func TestPrometheusFailureIsFailedSource(t *testing.T) {
	answers := map[string]http.HandlerFunc{
		"500": func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) },
		"garbage": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":"oops"}]}}`)
		},
		"matrix": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"status":"success","data":{"resultType":"matrix","result":[]}}`)
		},
		"hangs": func(w http.ResponseWriter, r *http.Request) {
			// net/http notices a client that left only once the body is read.
			io.Copy(io.Discard, r.Body)
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		},
	}
	for name, h := range answers {
		t.Run(name, func(t *testing.T) {
			prom := httptest.NewServer(h)
			defer prom.Close()
			e := newSimEnv(t, simOpts, Config{}, pd.Config{})
			s, err := New(Config{PrometheusTimeout: 300 * time.Millisecond}, e.subj.pdc, promAPI(t, prom.URL), e.clock.Now)
			if err != nil {
				t.Fatal(err)
			}
			e.subj = s
			e.fault(`{"type":"kill-store","store":2}`)
			e.clock.Advance(30 * time.Second)
			snap, vs := e.observe()
			failed := snap.Failed()
			if len(failed) != 1 || failed[0].Name != SourcePrometheus {
				t.Fatalf("failed sources: %v", failed)
			}
			t.Log(failed[0].Err)
			want(t, "prometheus "+name, vs, []string{"store-down/store=2"}, nil)
		})
	}
}

// TestPrometheusSlowStore runs a real Prometheus scraping pdsim's TiKV
// metrics pages, one target per store, and slows one store down.
// Prometheus runs on the wall clock, so pdsim does too (a 1x scaled
// clock) and the test polls with a deadline.
func TestPrometheusSlowStore(t *testing.T) {
	c := pdsim.New(pdsim.Options{Stores: 5, Regions: 100, Clock: pdsim.NewScaledClock(1)})
	sim := httptest.NewServer(pdsim.NewServer(c, "http://127.0.0.1:2379"))
	defer sim.Close()

	var targets strings.Builder
	for id := 1; id <= 5; id++ {
		fmt.Fprintf(&targets, "      - targets: [%q]\n        labels: {store: \"%d\", __metrics_path__: \"/pdsim/v1/tikv/%d/metrics\"}\n",
			strings.TrimPrefix(sim.URL, "http://"), id, id)
	}
	promURL := promtest.Start(t, "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: tikv\n    static_configs:\n"+targets.String())

	reader, err := pd.New(pd.Config{Endpoint: sim.URL, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	s, err := New(Config{}, reader, promAPI(t, promURL), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	var last string
	waitFor := func(what string, cond func(d *Data, vs map[string]subject.Violation) bool) map[string]subject.Violation {
		t.Helper()
		deadline := time.Now().Add(90 * time.Second)
		for {
			snap, err := s.Observe(context.Background(), time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if src, _ := snap.Source(SourcePrometheus); src.Err != nil {
				last = src.Err.Error()
			} else {
				vs := evaluate(t, s, snap)
				d := snap.Data.(*Data)
				last = fmt.Sprintf("latency %+v, violations %v", d.Latency, keyList(vs))
				if cond(d, vs) {
					return vs
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s; last: %s", what, last)
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
	waitFor("a latency for each of the 5 stores, none high", func(d *Data, vs map[string]subject.Violation) bool {
		return len(d.Latency) == 5 && !hasPrefix(vs, InvStoreHighLatency)
	})
	if err := c.Inject(pdsim.Fault{Type: "slow-store", Store: 3, Latency: "1s"}); err != nil {
		t.Fatal(err)
	}
	vs := waitFor("store-high-latency for store 3", func(d *Data, vs map[string]subject.Violation) bool {
		_, ok := vs["store-high-latency/store=3"]
		return ok
	})
	for k := range vs {
		if strings.HasPrefix(k, InvStoreHighLatency) && k != "store-high-latency/store=3" {
			t.Errorf("another store reported slow: %s: %s", k, vs[k].Summary)
		}
	}
	t.Log(vs["store-high-latency/store=3"].Summary)
}

func hasPrefix(vs map[string]subject.Violation, prefix string) bool {
	for k := range vs {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}
