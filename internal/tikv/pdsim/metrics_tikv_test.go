package pdsim

import (
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
)

func (m *metricsSim) scrapeTiKV(store StoreID) mxFamilies {
	m.t.Helper()
	code, body, h := m.do("GET", "/pdsim/v1/tikv/"+storeLabel(store)+"/metrics", "")
	if code != 200 {
		m.t.Fatalf("TiKV %d metrics: %d %s", store, code, body)
	}
	if ct := h.Get("Content-Type"); ct != tikvTextContentType {
		m.t.Fatalf("TiKV %d metrics Content-Type %q", store, ct)
	}
	return mxParse(m.t, "TiKV metrics", body)
}

// mxLeaderRegion is a region and the stores of its leader and of one
// follower.
func mxLeaderRegion(m *metricsSim) (r RegionID, leader, follower StoreID) {
	m.c.mu.RLock()
	defer m.c.mu.RUnlock()
	rg := m.c.byKey[len(m.c.byKey)/2]
	for _, p := range rg.Peers {
		if p.ID == rg.Leader {
			leader = p.StoreID
		} else if follower == 0 {
			follower = p.StoreID
		}
	}
	return rg.ID, leader, follower
}

func TestTiKVMetricsPage(t *testing.T) {
	m := newMetricsSim(t, Options{Stores: 3, Regions: 30})
	m.clock.Advance(time.Minute)
	f := m.scrapeTiKV(2)
	want := []struct {
		family string
		typ    dto.MetricType
		labels []string // label names joined by ","
		values []string // label values (joined by "/") in label-name order
	}{
		{"tikv_store_size_bytes", dto.MetricType_GAUGE, []string{"type"}, []string{"available", "capacity", "used"}},
		{"tikv_engine_size_bytes", dto.MetricType_GAUGE, []string{"db", "type"}, []string{"kv/default", "kv/lock", "kv/write"}},
		{"tikv_raftstore_region_count", dto.MetricType_GAUGE, []string{"type"}, []string{"leader", "region"}},
		{"tikv_grpc_msg_duration_seconds", dto.MetricType_HISTOGRAM, []string{"type"}, []string{"coprocessor", "kv_commit", "kv_get", "kv_prewrite"}},
		{"tikv_engine_flow_bytes", dto.MetricType_COUNTER, []string{"db", "type"}, []string{"kv/bytes_read", "kv/bytes_written"}},
	}
	for _, w := range want {
		mf := f[w.family]
		if mf == nil {
			t.Errorf("no %s", w.family)
			continue
		}
		if mf.GetType() != w.typ {
			t.Errorf("%s type %v, want %v", w.family, mf.GetType(), w.typ)
		}
		if got := strings.Join(mxSortedKeys(mxLabelNameSets(mf)), " | "); got != strings.Join(w.labels, ",") {
			t.Errorf("%s labels %s, want %v", w.family, got, w.labels)
		}
		if got := mxSortedKeys(mxLabelValues(mf, w.labels...)); strings.Join(got, " ") != strings.Join(w.values, " ") {
			t.Errorf("%s values %v, want %v", w.family, got, w.values)
		}
	}
	if len(f) != len(want) {
		t.Errorf("%d families, want %d", len(f), len(want))
	}
	m.c.mu.RLock()
	s := m.c.stores[2]
	capacity, avail, used, regions, leaders, size := s.Capacity, s.Available, s.usedSize(), s.regionCount, s.leaderCount, s.regionSize
	m.c.mu.RUnlock()
	for _, c := range []struct {
		family string
		lbl    map[string]string
		want   float64
	}{
		{"tikv_store_size_bytes", map[string]string{"type": "capacity"}, float64(capacity)},
		{"tikv_store_size_bytes", map[string]string{"type": "available"}, float64(avail)},
		{"tikv_store_size_bytes", map[string]string{"type": "used"}, float64(used)},
		{"tikv_raftstore_region_count", map[string]string{"type": "region"}, float64(regions)},
		{"tikv_raftstore_region_count", map[string]string{"type": "leader"}, float64(leaders)},
	} {
		if got := f.must(t, c.family, c.lbl); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.family, c.lbl, got, c.want)
		}
	}
	var cfs float64
	for _, mt := range f["tikv_engine_size_bytes"].GetMetric() {
		cfs += mxValue(mt)
	}
	if data := float64(size) * (1 << 20); cfs > data || cfs < data-3 {
		t.Errorf("column families hold %v bytes, regions %v", cfs, data)
	}
}

func TestTiKVMetricsUnreachable(t *testing.T) {
	m := newMetricsSim(t, Options{Stores: 3, Regions: 10})
	m.inject(Fault{Type: "hotspot", BytesPerSecond: 1 << 20}) // every region
	written := func() float64 {
		return m.scrapeTiKV(2).must(t, "tikv_engine_flow_bytes", map[string]string{"db": "kv", "type": "bytes_written"})
	}
	written()
	m.clock.Advance(time.Minute)
	if w := written(); w == 0 {
		t.Fatal("store 2 wrote nothing in a minute of hotspot")
	}
	m.inject(Fault{Type: "add-store"}) // registered, never heartbeated
	m.c.mu.RLock()
	dead := m.c.storeOrder[len(m.c.storeOrder)-1]
	m.c.mu.RUnlock()
	cases := []struct {
		name, store string
		prep        func()
		status      int
		body        string
	}{
		{"unknown store", "99", nil, 404, "no TiKV store"},
		{"not a store id", "abc", nil, 404, "no TiKV store"},
		{"live store", "1", nil, 200, "tikv_store_size_bytes"},
		{"killed store", "2", func() { m.inject(Fault{Type: "kill-store", Store: 2}) }, 503, "TiKV store 2 is down"},
		{"store that never started", storeLabel(dead), nil, 503, "is down"},
		{"restored store", "2", func() { m.inject(Fault{Type: "restore-store", Store: 2}) }, 200, "tikv_store_size_bytes"},
	}
	for _, c := range cases {
		if c.prep != nil {
			c.prep()
		}
		code, body, h := m.do("GET", "/pdsim/v1/tikv/"+c.store+"/metrics", "")
		if code != c.status || !strings.Contains(body, c.body) {
			t.Errorf("%s: %d %q, want %d containing %q", c.name, code, body, c.status, c.body)
		}
		if code != 200 && h.Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", c.name, h.Get("Content-Type"))
		}
	}
	// The restarted TiKV's counters started again from zero.
	if w := written(); w != 0 {
		t.Errorf("restarted store's bytes_written %v, want 0", w)
	}
	m.clock.Advance(time.Minute)
	if w := written(); w == 0 {
		t.Error("restarted store's bytes_written does not grow")
	}
	// PD-level faults do not touch the TiKV pages: they are other processes.
	m.inject(Fault{Type: "pd-errors"})
	if code, body, _ := m.do("GET", "/pdsim/v1/tikv/1/metrics", ""); code != 200 {
		t.Errorf("TiKV page during pd-errors: %d %s", code, body)
	}
}

func TestTiKVFlowCounters(t *testing.T) {
	m := newMetricsSim(t, Options{Stores: 5, Regions: 50})
	region, leader, follower := mxLeaderRegion(m)
	const writeRate, readRate = 1 << 20, 256 << 10
	m.inject(Fault{Type: "hotspot", Region: uint64(region), BytesPerSecond: writeRate})
	m.inject(Fault{Type: "hotspot", Region: uint64(region), BytesPerSecond: readRate, Read: true})
	flow := func(f mxFamilies, typ string) float64 {
		return f.must(t, "tikv_engine_flow_bytes", map[string]string{"db": "kv", "type": typ})
	}
	// The first scrape of a store starts its counters.
	l0, f0 := m.scrapeTiKV(leader), m.scrapeTiKV(follower)
	if flow(l0, "bytes_written") != 0 || flow(f0, "bytes_read") != 0 {
		t.Fatal("counters do not start at zero")
	}
	var prevW float64
	for i := 1; i <= 3; i++ {
		m.clock.Advance(time.Minute)
		l, f := m.scrapeTiKV(leader), m.scrapeTiKV(follower)
		secs := float64(60 * i)
		for _, c := range []struct {
			what      string
			got, want float64
		}{
			{"leader bytes_written", flow(l, "bytes_written"), writeRate * secs},
			{"follower bytes_written", flow(f, "bytes_written"), writeRate * secs},
			{"leader bytes_read", flow(l, "bytes_read"), readRate * secs},
			{"follower bytes_read", flow(f, "bytes_read"), 0},
		} {
			if math.Abs(c.got-c.want) > 1 {
				t.Errorf("after %v: %s = %v, want %v", secs, c.what, c.got, c.want)
			}
		}
		if w := flow(l, "bytes_written"); w < prevW {
			t.Errorf("bytes_written went down: %v -> %v", prevW, w)
		} else {
			prevW = w
		}
	}
	// Background traffic: half a kv_get per second for each leader region.
	m.c.mu.RLock()
	leaders := m.c.stores[follower].leaderCount
	m.c.mu.RUnlock()
	h := mxHistogram(t, m.scrapeTiKV(follower), "kv_get")
	if want := uint64(0.5 * float64(leaders) * 180); h.GetSampleCount() != want {
		t.Errorf("follower store kv_get count %d, want %d (0.5/s x %d leaders x 180s)", h.GetSampleCount(), want, leaders)
	}
}

func mxHistogram(t *testing.T, f mxFamilies, typ string) *dto.Histogram {
	t.Helper()
	for _, mt := range f["tikv_grpc_msg_duration_seconds"].GetMetric() {
		if mxLabels(mt)["type"] == typ {
			return mt.GetHistogram()
		}
	}
	t.Fatalf("no tikv_grpc_msg_duration_seconds{type=%q}", typ)
	return nil
}

// mxBucket is one cumulative histogram bucket.
type mxBucket struct {
	le    float64
	count float64
}

// grpcBucketsSum sums the gRPC histogram over message types, by le.
func grpcBucketsSum(t *testing.T, f mxFamilies) map[float64]float64 {
	t.Helper()
	out := map[float64]float64{}
	for _, mt := range f["tikv_grpc_msg_duration_seconds"].GetMetric() {
		h := mt.GetHistogram()
		prev := uint64(0)
		for _, b := range h.GetBucket() {
			if math.IsInf(b.GetUpperBound(), 1) {
				continue // the parser may list +Inf; it is the count
			}
			if b.GetCumulativeCount() < prev || b.GetCumulativeCount() > h.GetSampleCount() {
				t.Fatalf("bucket le=%v count %d out of order (previous %d, total %d)", b.GetUpperBound(), b.GetCumulativeCount(), prev, h.GetSampleCount())
			}
			prev = b.GetCumulativeCount()
			out[b.GetUpperBound()] += float64(b.GetCumulativeCount())
		}
		out[math.Inf(1)] += float64(h.GetSampleCount())
	}
	return out
}

// histogramQuantile is PromQL's histogram_quantile over cumulative
// buckets: linear interpolation inside the bucket holding the rank.
func histogramQuantile(q float64, buckets []mxBucket) float64 {
	sort.Slice(buckets, func(i, j int) bool { return buckets[i].le < buckets[j].le })
	if len(buckets) == 0 {
		return math.NaN()
	}
	total := buckets[len(buckets)-1].count
	if total == 0 {
		return math.NaN()
	}
	rank := q * total
	lower, prev := 0.0, 0.0
	for i, b := range buckets {
		if b.count >= rank {
			if math.IsInf(b.le, 1) {
				return buckets[i-1].le
			}
			return lower + (b.le-lower)*(rank-prev)/(b.count-prev)
		}
		lower, prev = b.le, b.count
	}
	return buckets[len(buckets)-1].le
}

// p99Over is histogram_quantile(0.99, sum(rate(..._bucket[w])) by (le))
// between two scrapes of one store.
func p99Over(t *testing.T, before, after mxFamilies) float64 {
	t.Helper()
	b, a := grpcBucketsSum(t, before), grpcBucketsSum(t, after)
	var bs []mxBucket
	for le, n := range a {
		bs = append(bs, mxBucket{le, n - b[le]})
	}
	return histogramQuantile(0.99, bs)
}

func TestTiKVSlowStoreRaisesP99(t *testing.T) {
	cases := []struct {
		latency  string
		min, max float64 // bounds on the slow store's p99, seconds
	}{
		{"", 0.001, 0.04},
		{"50ms", 0.05, 0.11},
		{"250ms", 0.25, 0.42},
		{"2s", 2, 3.3},
	}
	for _, c := range cases {
		name := c.latency
		if name == "" {
			name = "healthy"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := newMetricsSim(t, Options{Stores: 4, Regions: 40})
			m.inject(Fault{Type: "hotspot", EndKey: rowKey(8), BytesPerSecond: 1 << 20})
			m.inject(Fault{Type: "hotspot", EndKey: rowKey(8), BytesPerSecond: 1 << 20, Read: true})
			before3, before1 := m.scrapeTiKV(3), m.scrapeTiKV(1)
			if c.latency != "" {
				m.inject(Fault{Type: "slow-store", Store: 3, Latency: c.latency})
			}
			m.clock.Advance(time.Minute)
			slow := p99Over(t, before3, m.scrapeTiKV(3))
			healthy := p99Over(t, before1, m.scrapeTiKV(1))
			t.Logf("p99: slow store %.4fs, healthy store %.4fs", slow, healthy)
			if slow < c.min || slow > c.max {
				t.Errorf("store 3 p99 %.4fs, want within [%v, %v]", slow, c.min, c.max)
			}
			if healthy > 0.04 {
				t.Errorf("healthy store 1 p99 %.4fs", healthy)
			}
		})
	}
}

func TestTiKVHistogramQuantile(t *testing.T) {
	bs := []mxBucket{{0.1, 50}, {0.2, 90}, {0.4, 100}, {math.Inf(1), 100}}
	for _, c := range []struct{ q, want float64 }{{0.5, 0.1}, {0.7, 0.15}, {0.95, 0.3}} {
		if got := histogramQuantile(c.q, append([]mxBucket(nil), bs...)); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("q%v = %v, want %v", c.q, got, c.want)
		}
	}
}
