package pdsim

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// TiKV-like metrics, one page per store, at
// GET /pdsim/v1/tikv/{store}/metrics: what a Prometheus scraping each TiKV
// status port would see, under TiKV's own series names and labels, so
// dashboards and alerts written for TiKV can run against the simulator.
//
// Gauges come from the model. Counters and the gRPC latency histogram are
// integrated over simulated time: each scrape of a store adds the traffic
// of the interval since that store's previous scrape, at the rates the
// store has at this scrape (so they are monotonic, and a fault shows up in
// the first interval scraped after it). A store's first scrape starts its
// counters at zero, and so does the first scrape after a scrape found it
// down, as for a restarted TiKV process.
//
// The traffic model (documented on tikvRequestKinds): every leader region
// serves a small background load, plus the hotspot flows pdsim injects
// (r.writeRate on every replica, r.readRate on the leader). Each request's
// service time follows a fixed profile around a per-type median, plus the
// store's slow-store latency, so a histogram_quantile over
// tikv_grpc_msg_duration_seconds rises by about that latency when a store
// is slow.

// tikvTextContentType is what TiKV's status server (rust-prometheus's text
// encoder) answers /metrics with.
const tikvTextContentType = "text/plain; version=0.0.4"

// tikvRequestKind is one gRPC message type a store serves.
type tikvRequestKind struct {
	typ string
	// median is the service time of a typical request on a healthy store.
	median time.Duration
	// perLeader is the background rate, requests/s for each leader region.
	perLeader float64
	// writeShare and readShare are the shares of the store's leader write
	// and read flow carried by this type, in requests of bytesPerReq.
	writeShare, readShare float64
	bytesPerReq           float64
}

// tikvRequestKinds: point reads and coprocessor scans split the read flow;
// each written chunk of 4 KiB is one prewrite and one commit.
var tikvRequestKinds = []tikvRequestKind{
	{typ: "kv_get", median: 500 * time.Microsecond, perLeader: 0.5, readShare: 0.5, bytesPerReq: 4 << 10},
	{typ: "coprocessor", median: 4 * time.Millisecond, perLeader: 0.05, readShare: 0.5, bytesPerReq: 64 << 10},
	{typ: "kv_prewrite", median: 2 * time.Millisecond, perLeader: 0.1, writeShare: 1, bytesPerReq: 4 << 10},
	{typ: "kv_commit", median: 1500 * time.Microsecond, perLeader: 0.1, writeShare: 1, bytesPerReq: 4 << 10},
}

// latencyProfile spreads requests around the median: most near it, a tail
// up to 8x. The store's extra latency (slow-store fault) adds to every one.
var latencyProfile = []struct{ share, factor float64 }{
	{0.5, 1}, {0.4, 1.6}, {0.09, 3}, {0.01, 8},
}

// engineCFShares splits a store's region data across the kv engine's
// column families (values in default, commit records in write, locks).
var engineCFShares = []struct {
	cf    string
	share float64
}{
	{"default", 0.8}, {"write", 0.19}, {"lock", 0.01},
}

type tikvDescs struct {
	storeSize, engineSize, regionCount, grpcDuration, engineFlow *prometheus.Desc
}

// latencyCounts is a histogram integrated in fractional requests; the
// exported counts are floors, which keeps them monotonic.
type latencyCounts struct {
	cum        []float64 // cumulative count per bucket bound
	count, sum float64
}

type tikvStoreCounters struct {
	last                    time.Time
	bytesWritten, bytesRead float64
	grpc                    map[string]*latencyCounts
}

// tikvMetrics is the state behind the TiKV pages of one Server.
type tikvMetrics struct {
	d       tikvDescs
	buckets []float64

	mu     sync.Mutex // guards stores; taken after c.mu
	stores map[StoreID]*tikvStoreCounters
}

func newTiKVMetrics() *tikvMetrics {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, labels, nil)
	}
	return &tikvMetrics{
		d: tikvDescs{
			storeSize:    d("tikv_store_size_bytes", "Disk space of the store by type: capacity, available, used.", "type"),
			engineSize:   d("tikv_engine_size_bytes", "Size of the data in each column family of the engine.", "db", "type"),
			regionCount:  d("tikv_raftstore_region_count", "Regions and leaders on this store.", "type"),
			grpcDuration: d("tikv_grpc_msg_duration_seconds", "Time to handle gRPC messages, by message type.", "type"),
			engineFlow:   d("tikv_engine_flow_bytes", "Bytes the engine read and wrote.", "db", "type"),
		},
		buckets: prometheus.ExponentialBuckets(0.00005, 2, 22),
		stores:  map[StoreID]*tikvStoreCounters{},
	}
}

// tikvMetricsRoutes registers the per-store TiKV metrics page.
func (s *Server) tikvMetricsRoutes() {
	t := newTiKVMetrics()
	s.handle("GET", "/pdsim/v1/tikv/{store}/metrics", func(w http.ResponseWriter, r *http.Request) {
		s.serveTiKVMetrics(t, w, r)
	})
}

// serveTiKVMetrics answers one store's page. An unknown store is 404. A
// crashed store (kill-store, or a store that registered and never
// heartbeated) answers 503: a dead TiKV's status port does not answer at
// all, which a scraper records as a failed scrape (up == 0); a handler on
// the simulator's shared listener cannot refuse the connection, and 503 is
// also a failed scrape for Prometheus, without breaking pdsim's other
// endpoints on that listener.
func (s *Server) serveTiKVMetrics(t *tikvMetrics, w http.ResponseWriter, r *http.Request) {
	raw := r.PathValue("store")
	id, err := strconv.ParseUint(raw, 10, 64)
	s.c.Sync()
	s.c.mu.RLock()
	var (
		metrics []prometheus.Metric
		status  = http.StatusOK
		body    string
	)
	st := s.c.stores[StoreID(id)]
	switch {
	case err != nil || st == nil:
		status, body = http.StatusNotFound, fmt.Sprintf("no TiKV store %q in the simulated cluster\n", raw)
	case st.killed || st.NeverHeartbeat:
		status, body = http.StatusServiceUnavailable, fmt.Sprintf("TiKV store %d is down: its status port does not answer\n", st.ID)
		// A TiKV that comes back is a new process: its counters restart.
		t.forget(st.ID)
	default:
		metrics = t.collect(s.c, st)
	}
	s.c.mu.RUnlock()
	if status != http.StatusOK {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		io.WriteString(w, body)
		return
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(constCollector(metrics))
	families, err := reg.Gather()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", tikvTextContentType)
	enc := expfmt.NewEncoder(w, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range families {
		if err := enc.Encode(mf); err != nil {
			return
		}
	}
}

func (t *tikvMetrics) forget(id StoreID) {
	t.mu.Lock()
	delete(t.stores, id)
	t.mu.Unlock()
}

// constCollector is an unchecked collector of already built metrics.
type constCollector []prometheus.Metric

func (constCollector) Describe(chan<- *prometheus.Desc) {}

func (cc constCollector) Collect(ch chan<- prometheus.Metric) {
	for _, m := range cc {
		ch <- m
	}
}

// tikvLoad is what one store serves, per second.
type tikvLoad struct {
	written     float64 // bytes/s applied on this store (every replica)
	read        float64 // bytes/s read (leaders serve reads)
	leaderWrite float64 // bytes/s of client writes on the store's leaders
	leaderCount int
}

func (c *Cluster) tikvLoad(s *Store) tikvLoad {
	l := tikvLoad{leaderCount: max(s.leaderCount, 0)}
	for _, r := range c.sortedFlowRegions() {
		p := r.peerOnStore(s.ID)
		if p == nil || c.leaderDead(r) {
			// No traffic reaches a region whose leader is down.
			continue
		}
		l.written += r.writeRate
		if p.ID == r.Leader {
			l.leaderWrite += r.writeRate
			l.read += r.readRate
		}
	}
	return l
}

// collect integrates the store's counters up to c.now and returns its
// page. It runs with c.mu held for reading.
func (t *tikvMetrics) collect(c *Cluster, s *Store) []prometheus.Metric {
	t.mu.Lock()
	defer t.mu.Unlock()
	sc := t.stores[s.ID]
	if sc == nil {
		sc = &tikvStoreCounters{last: c.now, grpc: map[string]*latencyCounts{}}
		for _, k := range tikvRequestKinds {
			sc.grpc[k.typ] = &latencyCounts{cum: make([]float64, len(t.buckets))}
		}
		t.stores[s.ID] = sc
	}
	load := c.tikvLoad(s)
	if dt := c.now.Sub(sc.last).Seconds(); dt > 0 {
		sc.bytesWritten += load.written * dt
		sc.bytesRead += load.read * dt
		for _, k := range tikvRequestKinds {
			n := (k.perLeader*float64(load.leaderCount) +
				(k.writeShare*load.leaderWrite+k.readShare*load.read)/k.bytesPerReq) * dt
			t.observe(sc.grpc[k.typ], k.median, s.extraLatency, n)
		}
		sc.last = c.now
	}

	d := &t.d
	gauge := func(desc *prometheus.Desc, v float64, lv ...string) prometheus.Metric {
		return prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, lv...)
	}
	out := []prometheus.Metric{
		gauge(d.storeSize, float64(s.Capacity), "capacity"),
		gauge(d.storeSize, float64(s.Available), "available"),
		gauge(d.storeSize, float64(s.usedSize()), "used"),
		gauge(d.regionCount, float64(s.regionCount), "region"),
		gauge(d.regionCount, float64(s.leaderCount), "leader"),
		prometheus.MustNewConstMetric(d.engineFlow, prometheus.CounterValue, math.Floor(sc.bytesWritten), "kv", "bytes_written"),
		prometheus.MustNewConstMetric(d.engineFlow, prometheus.CounterValue, math.Floor(sc.bytesRead), "kv", "bytes_read"),
	}
	data := float64(max(s.regionSize, 0)) * (1 << 20)
	for _, cf := range engineCFShares {
		out = append(out, gauge(d.engineSize, math.Floor(data*cf.share), "kv", cf.cf))
	}
	for _, k := range tikvRequestKinds {
		h := sc.grpc[k.typ]
		// Floors of float sums; capped from the top so rounding can never
		// make a bucket exceed a wider one or the count.
		b := make(map[float64]uint64, len(t.buckets))
		limit := uint64(h.count)
		for i := len(t.buckets) - 1; i >= 0; i-- {
			limit = min(limit, uint64(h.cum[i]))
			b[t.buckets[i]] = limit
		}
		out = append(out, prometheus.MustNewConstHistogram(d.grpcDuration, uint64(h.count), h.sum, b, k.typ))
	}
	return out
}

// observe adds n requests spread over the latency profile.
func (t *tikvMetrics) observe(h *latencyCounts, median, extra time.Duration, n float64) {
	if n <= 0 {
		return
	}
	for _, p := range latencyProfile {
		v := (time.Duration(float64(median)*p.factor) + extra).Seconds()
		w := n * p.share
		h.count += w
		h.sum += w * v
		for i, ub := range t.buckets {
			if v <= ub {
				h.cum[i] += w
			}
		}
	}
}
