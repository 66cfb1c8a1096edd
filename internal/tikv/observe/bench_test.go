package observe

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

// countingHandler counts the response bytes the Subject receives.
type countingHandler struct {
	h     http.Handler
	bytes atomic.Int64
}

type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (w countingWriter) Write(b []byte) (int, error) {
	n, err := w.ResponseWriter.Write(b)
	w.n.Add(int64(n))
	return n, err
}

func (c *countingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.h.ServeHTTP(countingWriter{w, &c.bytes}, r)
}

// BenchmarkObserve runs one monitor cycle (Observe plus every invariant)
// against an in-process pdsim over HTTP with 100 stores, at 10k, 100k and
// 1M regions. The unhealthy part is the same at every size (20 regions
// missing a peer, a 40-region write hotspot) and the disks are large
// enough that a million 96 MiB regions do not fill them, so any growth
// would come from the cluster's size: ns/op, B/op and resp-bytes/op stay
// flat because no request lists all regions. (What remains is the Go GC
// of one process scanning pdsim's region heap, which a real PD does not
// share with us.)
func BenchmarkObserve(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("regions=%dk", n/1000), func(b *testing.B) { benchObserveCycle(b, 100, n) })
	}
}

// benchObserveCycle measures one Observe plus every invariant's Check on
// a pdsim of that size with the benchmark faults injected, reporting the
// PD response bytes read per cycle.
func benchObserveCycle(b *testing.B, stores, regions int) {
	clock := pdsim.NewManualClock(t0)
	sim := &countingHandler{h: pdsim.NewServer(pdsim.New(pdsim.Options{Stores: stores, Regions: regions, Clock: clock, StoreCapacity: 16 << 40}), "http://127.0.0.1:2379")}
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
}

// benchFaults breaks a fixed number of regions whatever the cluster size.
func benchFaults(b *testing.B, url string, writer *pd.Client) {
	b.Helper()
	post := func(path, body string) {
		resp, err := http.Post(url+path, "application/json", strings.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("POST %s %s: %d", path, body, resp.StatusCode)
		}
	}
	post("/pd/api/v1/checker/rule", `{"delay":86400}`)
	list, err := writer.GetRegionsByKey(context.Background(), "", 100)
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range list.Regions[:20] {
		post("/pdsim/v1/faults", fmt.Sprintf(`{"type":"lose-peers","region":%d,"count":1}`, r.ID))
	}
	hot := list.Regions[50:90]
	post("/pdsim/v1/faults", fmt.Sprintf(`{"type":"hotspot","start_key":%q,"end_key":%q,"bytes_per_second":%d}`,
		hot[0].StartKey, hot[len(hot)-1].EndKey, 16<<20))
}
