package pdsim

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

// BenchmarkPDSimMemoryStores is BenchmarkPDSimMemory across store counts:
// 100 and 1,000 stores at 1M regions, and 1,000 stores at 100k, in one run,
// so the cost of the stores themselves (their peers' bookkeeping, their
// per-store counters) shows next to the cost of the regions.
func BenchmarkPDSimMemoryStores(b *testing.B) {
	for _, size := range []struct{ stores, regions int }{{100, 1_000_000}, {1000, 100_000}, {1000, 1_000_000}} {
		b.Run(fmt.Sprintf("stores=%d/regions=%s", size.stores, sizeName(size.regions)), func(b *testing.B) {
			var c *Cluster
			for b.Loop() {
				c = nil
				runtime.GC()
				var before runtime.MemStats
				runtime.ReadMemStats(&before)
				start := time.Now()
				c = New(Options{Stores: size.stores, Regions: size.regions, Clock: NewManualClock(time.Unix(0, 0)), StoreCapacity: 16 << 40})
				built := time.Since(start)
				runtime.GC()
				var after runtime.MemStats
				runtime.ReadMemStats(&after)
				b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heap-MiB")
				b.ReportMetric(rssMiB(), "rss-MiB")
				b.ReportMetric(built.Seconds(), "build-s")
			}
			runtime.KeepAlive(c)
		})
	}
}
