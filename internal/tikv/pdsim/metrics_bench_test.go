package pdsim

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

// BenchmarkPDSimMetrics measures a scrape of /metrics and of one TiKV
// page on 100-store clusters with a crashed store and a write hotspot, with
// and without location labels (pd_regions_label_level then visits every
// region).
//
//	go test ./internal/tikv/pdsim/ -run '^$' -bench PDSimMetrics -benchtime 20x
func BenchmarkPDSimMetrics(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		for _, labelled := range []bool{false, true} {
			clock := NewManualClock(time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC))
			opts := Options{Stores: 100, Regions: n, Clock: clock}
			if labelled {
				opts.Labels = func(id StoreID) []Label {
					return []Label{{"zone", "z" + strconv.Itoa(int(id)%3)}, {"host", "h" + strconv.Itoa(int(id))}}
				}
			}
			c := New(opts)
			if labelled {
				c.replicate.LocationLabels = stringSlice{"zone", "host"}
			}
			srv := NewServer(c, "http://127.0.0.1:2379")
			srv.tikvMetricsRoutes()
			if err := c.Inject(Fault{Type: "kill-store", Store: 7}); err != nil {
				b.Fatal(err)
			}
			if err := c.Inject(Fault{Type: "hotspot", StartKey: rowKey(100), EndKey: rowKey(140), BytesPerSecond: 8 << 20}); err != nil {
				b.Fatal(err)
			}
			clock.Advance(5 * time.Minute)
			c.Sync()
			for _, p := range []string{"/metrics", "/pdsim/v1/tikv/1/metrics"} {
				b.Run(fmt.Sprintf("regions=%d/labels=%v%s", n, labelled, p), func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						// Each scrape is a second later, so counters
						// integrate; the model's own catch-up is not timed.
						b.StopTimer()
						clock.Advance(time.Second)
						c.Sync()
						b.StartTimer()
						w := httptest.NewRecorder()
						srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, p, nil))
						if w.Code != 200 {
							b.Fatalf("%s: %d %s", p, w.Code, w.Body.String())
						}
					}
				})
			}
		}
	}
}
