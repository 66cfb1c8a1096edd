package pdsim

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

var benchSizes = []int{10_000, 100_000, 1_000_000}

func sizeName(n int) string {
	switch {
	case n >= 1_000_000:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1_000:
		return fmt.Sprintf("%dk", n/1_000)
	}
	return strconv.Itoa(n)
}

// benchCluster is a 100-store cluster with a crashed store (so down-peer has
// entries), a few regions missing peers and a write hotspot.
func benchCluster(b *testing.B, regions int) (*Server, *ManualClock) {
	b.Helper()
	clock := NewManualClock(time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC))
	c := New(Options{Stores: 100, Regions: regions, Clock: clock})
	srv := NewServer(c, "http://127.0.0.1:2379")
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	must(c.Inject(Fault{Type: "kill-store", Store: 7}))
	for _, r := range c.byKey[:20] {
		must(c.Inject(Fault{Type: "lose-peers", Region: uint64(r.ID), Count: 1}))
	}
	must(c.Inject(Fault{Type: "hotspot", StartKey: rowKey(100), EndKey: rowKey(140), BytesPerSecond: 8 << 20}))
	// Keep PD from repairing anything while we measure.
	c.checkers["rule"].resumeAt = clock.Now().Add(24 * time.Hour)
	clock.Advance(5 * time.Minute)
	c.Sync()
	return srv, clock
}

func BenchmarkPDSimEndpoints(b *testing.B) {
	paths := []string{
		"/pd/api/v1/stores",
		"/pd/api/v1/regions/check/miss-peer",
		"/pd/api/v1/regions/check/down-peer?page=1&limit=100",
		"/pd/api/v1/regions/check/pending-peer",
		"/pd/api/v1/hotspot/regions/write",
		"/pd/api/v1/hotspot/stores",
	}
	for _, n := range benchSizes {
		srv, _ := benchCluster(b, n)
		for _, p := range paths {
			name := strings.TrimPrefix(p, "/pd/api/v1/")
			b.Run(fmt.Sprintf("regions=%s/%s", sizeName(n), name), func(b *testing.B) {
				req := httptest.NewRequest(http.MethodGet, p, nil)
				b.ReportAllocs()
				for b.Loop() {
					w := httptest.NewRecorder()
					srv.ServeHTTP(w, req)
					if w.Code != 200 {
						b.Fatalf("%s: %d %s", p, w.Code, w.Body.String())
					}
				}
			})
		}
	}
}

// BenchmarkPDSimMemory reports the heap a cluster of each size keeps alive,
// and the process RSS after building it (the 1M-region figure is the one
// that must stay well under 2 GiB).
func BenchmarkPDSimMemory(b *testing.B) {
	for _, n := range benchSizes {
		b.Run("regions="+sizeName(n), func(b *testing.B) {
			var c *Cluster
			for b.Loop() {
				runtime.GC()
				var before runtime.MemStats
				runtime.ReadMemStats(&before)
				c = New(Options{Stores: 100, Regions: n, Clock: NewManualClock(time.Unix(0, 0))})
				runtime.GC()
				var after runtime.MemStats
				runtime.ReadMemStats(&after)
				b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heap-MiB")
				b.ReportMetric(rssMiB(), "rss-MiB")
			}
			runtime.KeepAlive(c)
		})
	}
}

// rssMiB reads the resident set size of this process from /proc.
func rssMiB() float64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseFloat(f[1], 64)
	return pages * float64(os.Getpagesize()) / (1 << 20)
}
