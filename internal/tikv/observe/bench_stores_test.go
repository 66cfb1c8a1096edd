package observe

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
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
			clock := pdsim.NewManualClock(t0)
			sim := &countingHandler{h: pdsim.NewServer(pdsim.New(pdsim.Options{Stores: size.stores, Regions: size.regions, Clock: clock,
				StoreCapacity: 16 << 40}), "http://127.0.0.1:2379")}
			srv := httptest.NewServer(sim)
			defer srv.Close()
			writer, err := pd.New(pd.Config{Endpoint: srv.URL})
			if err != nil {
				b.Fatal(err)
			}
			benchFaults(b, srv.URL, writer)
			clock.Advance(5 * time.Minute)
			reader, err := pd.New(pd.Config{Endpoint: srv.URL, ReadOnly: true})
			if err != nil {
				b.Fatal(err)
			}
			s, err := New(Config{}, reader, nil, clock.Now)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			invs := s.Invariants()
			cycle := func() int {
				snap, err := s.Observe(ctx, clock.Now())
				if err != nil {
					b.Fatal(err)
				}
				if f := snap.Failed(); len(f) > 0 {
					b.Fatalf("source failed: %v", f[0].Err)
				}
				found := 0
				for _, inv := range invs {
					vs, err := inv.Check(snap)
					if err != nil {
						b.Fatal(err)
					}
					found += len(vs)
				}
				return found
			}
			if cycle() == 0 {
				b.Fatal("the injected faults raised nothing")
			}
			sim.bytes.Store(0)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				cycle()
			}
			b.ReportMetric(float64(sim.bytes.Load())/float64(b.N), "resp-bytes/op")
		})
	}
}
