package observe

import (
	"fmt"
	"testing"
)

// BenchmarkObserveStores is BenchmarkObserve across store counts: one
// monitor cycle at 100 stores × 1M regions, 1,000 stores × 100k regions and
// 1,000 stores × 1M regions, in one run, with the same unhealthy part as
// BenchmarkObserve (20 regions missing a peer, a 40-region write hotspot).
// The per-store responses (/stores, the hot-store statistics) grow with
// the store count; nothing the cycle reads lists all regions.
func BenchmarkObserveStores(b *testing.B) {
	for _, size := range []struct{ stores, regions int }{{100, 1_000_000}, {1000, 100_000}, {1000, 1_000_000}} {
		b.Run(fmt.Sprintf("stores=%d/regions=%dk", size.stores, size.regions/1000), func(b *testing.B) {
			benchObserveCycle(b, size.stores, size.regions)
		})
	}
}
