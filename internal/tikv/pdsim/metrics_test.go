package pdsim

import (
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/operator-dev/operator/internal/tikv/pdfixture"
)

// metricsSim is a simulator on a manual clock behind a real HTTP server,
// with the TiKV metrics pages registered.
type metricsSim struct {
	t     *testing.T
	clock *ManualClock
	c     *Cluster
	url   string
}

func newMetricsSim(t *testing.T, opts Options) *metricsSim {
	t.Helper()
	clock := NewManualClock(time.Date(2026, 11, 24, 21, 0, 0, 0, time.UTC))
	opts.Clock = clock
	c := New(opts)
	s := NewServer(c, "http://127.0.0.1:2379")
	// Registering again is harmless once routes.go does it too.
	s.tikvMetricsRoutes()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return &metricsSim{t: t, clock: clock, c: c, url: srv.URL}
}

func (m *metricsSim) do(method, path, body string) (int, string, http.Header) {
	m.t.Helper()
	req, err := http.NewRequest(method, m.url+path, strings.NewReader(body))
	if err != nil {
		m.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		m.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		m.t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return resp.StatusCode, string(b), resp.Header
}

// mustDo sends a request that must answer 200.
func (m *metricsSim) mustDo(method, path, body string) string {
	m.t.Helper()
	code, out, _ := m.do(method, path, body)
	if code != 200 {
		m.t.Fatalf("%s %s: %d %s", method, path, code, out)
	}
	return out
}

func (m *metricsSim) inject(f Fault) {
	m.t.Helper()
	if err := m.c.Inject(f); err != nil {
		m.t.Fatalf("inject %+v: %v", f, err)
	}
}

// scrape fetches and parses GET /metrics.
func (m *metricsSim) scrape() mxFamilies {
	m.t.Helper()
	code, body, h := m.do("GET", "/metrics", "")
	if code != 200 {
		m.t.Fatalf("GET /metrics: %d %s", code, body)
	}
	if ct := h.Get("Content-Type"); ct != mxPDContentType {
		m.t.Fatalf("GET /metrics Content-Type %q, want %q", ct, mxPDContentType)
	}
	return mxParse(m.t, "pdsim /metrics", body)
}

const mxPDContentType = "text/plain; version=0.0.4; charset=utf-8; escaping=values"

// mxFamilies is a parsed exposition.
type mxFamilies map[string]*dto.MetricFamily

func mxParse(t *testing.T, what, text string) mxFamilies {
	t.Helper()
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return fams
}

func mxLabels(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, lp := range m.GetLabel() {
		out[lp.GetName()] = lp.GetValue()
	}
	return out
}

func mxValue(m *dto.Metric) float64 {
	switch {
	case m.Gauge != nil:
		return m.GetGauge().GetValue()
	case m.Counter != nil:
		return m.GetCounter().GetValue()
	case m.Untyped != nil:
		return m.GetUntyped().GetValue()
	}
	return math.NaN()
}

// get returns the value of the sample of family name whose labels include
// want, and whether exactly one sample matched.
func (f mxFamilies) get(name string, want map[string]string) (float64, bool) {
	mf := f[name]
	if mf == nil {
		return 0, false
	}
	var found []*dto.Metric
	for _, m := range mf.GetMetric() {
		ls := mxLabels(m)
		ok := true
		for k, v := range want {
			if ls[k] != v {
				ok = false
				break
			}
		}
		if ok {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		return 0, false
	}
	return mxValue(found[0]), true
}

func (f mxFamilies) must(t *testing.T, name string, want map[string]string) float64 {
	t.Helper()
	v, ok := f.get(name, want)
	if !ok {
		t.Fatalf("no single %s%v in the output", name, want)
	}
	return v
}

// mxLabelNameSets is the set of label-name tuples of a family's samples.
func mxLabelNameSets(mf *dto.MetricFamily) map[string]bool {
	out := map[string]bool{}
	for _, m := range mf.GetMetric() {
		var names []string
		for _, lp := range m.GetLabel() {
			names = append(names, lp.GetName())
		}
		sort.Strings(names)
		out[strings.Join(names, ",")] = true
	}
	return out
}

// mxLabelValues collects the distinct values of the given labels (joined).
func mxLabelValues(mf *dto.MetricFamily, keys ...string) map[string]bool {
	out := map[string]bool{}
	for _, m := range mf.GetMetric() {
		ls := mxLabels(m)
		var parts []string
		for _, k := range keys {
			parts = append(parts, ls[k])
		}
		out[strings.Join(parts, "/")] = true
	}
	return out
}

func mxSortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// mxFixtureFamilies parses every captured GET_metrics*.prom.
func mxFixtureFamilies(t *testing.T) map[string]mxFamilies {
	t.Helper()
	dir := pdfixture.Dir(t)
	files, err := filepath.Glob(filepath.Join(dir, "GET_metrics*.prom"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no GET_metrics*.prom in %s (%v)", dir, err)
	}
	out := map[string]mxFamilies{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(f), ".prom")
		out[name] = mxParse(t, name, string(b))
	}
	return out
}

// mxNotExported are the captured PD families pdsim does not produce, and why.
// The fixture test also checks that pdsim indeed does not export them, so
// this list stays true.
var mxNotExported = map[string]string{
	"pd_cluster_region_event":        "counts region-cache and storage updates from region heartbeats that changed a region; pdsim does not count region changes",
	"pd_hbstream_region_message":     "counts messages on PD's heartbeat streams (operator pushes, keepalives, errors to disconnected stores); pdsim has no stream model",
	"pd_schedule_operator_limit":     "counts schedulers blocked by leader/region-schedule-limit; pdsim's evict-leader does not apply the limit and the balance/shuffle schedulers are not simulated",
	"pd_scheduler_balance_direction": "counts balance-leader/balance-region decisions by source and target store; those schedulers are not simulated",
	"pd_scheduler_hot_region":        "counts balance-hot-region scheduler outcomes; the hot-region scheduler is not simulated",
}

// mxEnumLabels are labels whose value set does not depend on the cluster's
// state: pdsim must show exactly the captured values.
var mxEnumLabels = map[string][]string{
	"pd_regions_status":                         {"type"},
	"pd_config_status":                          {"type"},
	"pd_scheduler_store_status":                 {"type"},
	"pd_scheduler_hot_peers_summary":            {"store", "type"},
	"pd_cluster_id":                             {"type"},
	"pd_rule_manager_status":                    {"type"},
	"pd_region_label_status":                    {"type"},
	"pd_checker_event_count":                    {"type", "name"},
	"pd_scheduler_event_count":                  {"type", "name"},
	"pd_regions_abnormal_peer_duration_seconds": {"type"},
	"pd_cluster_store_limit":                    {"type"},
	"pd_tso_role":                               {"group"},
	"pd_regions_label_level":                    {"type"},
}

// mxScenarios put pdsim into each captured situation.
var mxScenarios = map[string]func(m *metricsSim){
	// Cluster A: hot-write, maintenance tasks run earlier, admin
	// operators, store 5 Offline and draining.
	"GET_metrics": func(m *metricsSim) {
		m.inject(Fault{Type: "hotspot", EndKey: rowKey(5), BytesPerSecond: 1 << 20})
		for _, task := range []string{"tikv-upgrade/job-7", "tikv-restart/store-1"} {
			m.mustDo("PUT", "/pd/api/v2/maintenance/"+task, "")
			m.scrape()
			m.mustDo("DELETE", "/pd/api/v2/maintenance/"+task, "")
		}
		m.mustDo("POST", "/pd/api/v1/operators", `{"name":"transfer-leader","region_id":`+itoa(mxFollowerRegion(m))+`,"to_store_id":`+itoa(mxFollowerStore(m))+`}`)
		m.clock.Advance(3 * time.Minute)
		m.mustDo("POST", "/pd/api/v1/store/5/state?state=Offline", "")
		m.clock.Advance(10 * time.Second) // still draining
	},
	"GET_metrics__hot_cluster": func(m *metricsSim) {
		mxOperatorHistory(m)
		m.inject(Fault{Type: "hotspot", EndKey: rowKey(5), BytesPerSecond: 1 << 20})
		m.clock.Advance(5 * time.Minute)
	},
	"GET_metrics__one_store_disconnected": func(m *metricsSim) {
		mxOperatorHistory(m)
		m.clock.Advance(time.Minute)
		m.inject(Fault{Type: "kill-store", Store: 2})
		m.clock.Advance(30 * time.Second)
	},
	"GET_metrics__one_store_down": func(m *metricsSim) {
		m.mustDo("POST", "/pd/api/v1/config/schedule", `{"max-store-down-time":"1m"}`)
		m.clock.Advance(time.Minute)
		m.inject(Fault{Type: "kill-store", Store: 2})
		m.clock.Advance(90 * time.Second)
	},
	"GET_metrics__all_stores_disconnected": func(m *metricsSim) {
		mxOperatorHistory(m)
		m.inject(Fault{Type: "hotspot", EndKey: rowKey(5), BytesPerSecond: 1 << 20})
		m.clock.Advance(5 * time.Minute)
		for id := uint64(1); id <= 5; id++ {
			m.inject(Fault{Type: "kill-store", Store: id})
		}
		m.clock.Advance(30 * time.Second)
	},
	"GET_metrics__all_stores_down": func(m *metricsSim) {
		m.mustDo("POST", "/pd/api/v1/config/schedule", `{"max-store-down-time":"1m"}`)
		mxOperatorHistory(m)
		m.inject(Fault{Type: "hotspot", EndKey: rowKey(5), BytesPerSecond: 1 << 20})
		m.clock.Advance(5 * time.Minute)
		for id := uint64(1); id <= 5; id++ {
			m.inject(Fault{Type: "kill-store", Store: id})
		}
		m.clock.Advance(3 * time.Minute)
	},
	// Cluster C: store 2 crashed, was force-removed and drained to
	// Tombstone; a new store joined.
	"GET_metrics__after_failure_recovery": func(m *metricsSim) {
		m.mustDo("POST", "/pd/api/v1/config/schedule", `{"max-store-down-time":"1m"}`)
		m.inject(Fault{Type: "kill-store", Store: 2})
		m.clock.Advance(2 * time.Minute)
		m.mustDo("DELETE", "/pd/api/v1/store/2?force=true", "")
		mxWaitTombstone(m, 2)
		m.inject(Fault{Type: "add-store", Count: 1})
		m.clock.Advance(time.Minute)
	},
}

// mxOperatorHistory runs one operator. Every captured PD had run
// operators before the capture (its balance schedulers never stop), so
// pd_schedule_operators_count exists there; a quiet pdsim runs none.
func mxOperatorHistory(m *metricsSim) {
	m.t.Helper()
	m.mustDo("POST", "/pd/api/v1/operators", `{"name":"transfer-leader","region_id":`+itoa(mxFollowerRegion(m))+`,"to_store_id":`+itoa(mxFollowerStore(m))+`}`)
	m.clock.Advance(time.Second)
}

// mxWaitTombstone advances the clock a minute at a time, scraping, until
// the store is Tombstone.
func mxWaitTombstone(m *metricsSim, id StoreID) {
	m.t.Helper()
	for i := 0; i < 240; i++ {
		m.clock.Advance(time.Minute)
		f := m.scrape()
		if v, _ := f.get("pd_cluster_status", map[string]string{"store": storeLabel(id), "type": "store_tombstone_count"}); v == 1 {
			return
		}
	}
	m.t.Fatalf("store %d did not become Tombstone within 4h", id)
}

// mxFollowerRegion is a region in the middle of the key space (see
// mxFollowerStore for a store holding one of its followers).
func mxFollowerRegion(m *metricsSim) uint64 {
	m.t.Helper()
	m.c.mu.RLock()
	defer m.c.mu.RUnlock()
	r := m.c.byKey[len(m.c.byKey)/2]
	return uint64(r.ID)
}

func TestMetricsFamiliesMatchFixtures(t *testing.T) {
	fixtures := mxFixtureFamilies(t)
	for name := range fixtures {
		if mxScenarios[name] == nil {
			t.Errorf("%s: no scenario in mxScenarios", name)
		}
	}
	for name, fx := range fixtures {
		prep := mxScenarios[name]
		if prep == nil {
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := newMetricsSim(t, Options{Stores: 5, Regions: 100})
			prep(m)
			got := m.scrape()
			for _, fam := range mxFamilyNames(fx) {
				want := fx[fam]
				if reason, ok := mxNotExported[fam]; ok {
					if got[fam] != nil {
						t.Errorf("%s is listed as not exported (%s) but pdsim exports it: drop it from mxNotExported", fam, reason)
					}
					continue
				}
				g := got[fam]
				if g == nil {
					t.Errorf("family %s missing from pdsim's output", fam)
					continue
				}
				if g.GetType() != want.GetType() {
					t.Errorf("%s: TYPE %v, fixture %v", fam, g.GetType(), want.GetType())
				}
				if g.GetHelp() != want.GetHelp() {
					t.Errorf("%s: HELP %q, fixture %q", fam, g.GetHelp(), want.GetHelp())
				}
				gs, ws := mxSortedKeys(mxLabelNameSets(g)), mxSortedKeys(mxLabelNameSets(want))
				if strings.Join(gs, " | ") != strings.Join(ws, " | ") {
					t.Errorf("%s: label names %v, fixture %v", fam, gs, ws)
				}
				if keys, ok := mxEnumLabels[fam]; ok {
					gv, wv := mxSortedKeys(mxLabelValues(g, keys...)), mxSortedKeys(mxLabelValues(want, keys...))
					if strings.Join(gv, " ") != strings.Join(wv, " ") {
						t.Errorf("%s: %v values\n got %v\nwant %v", fam, keys, gv, wv)
					}
				}
			}
			// Every store carries every per-store type the capture shows.
			wantTypes := mxLabelValues(fx["pd_cluster_status"], "type")
			perStore := map[string]map[string]bool{}
			for _, mt := range got["pd_cluster_status"].GetMetric() {
				ls := mxLabels(mt)
				if ls["engine"] != "tikv" {
					t.Errorf("pd_cluster_status engine %q", ls["engine"])
				}
				if perStore[ls["store"]] == nil {
					perStore[ls["store"]] = map[string]bool{}
				}
				perStore[ls["store"]][ls["type"]] = true
			}
			if len(perStore) == 0 {
				t.Fatal("no pd_cluster_status samples")
			}
			for store, types := range perStore {
				if a, b := strings.Join(mxSortedKeys(types), " "), strings.Join(mxSortedKeys(wantTypes), " "); a != b {
					t.Errorf("pd_cluster_status store %s types\n got %s\nwant %s", store, a, b)
				}
			}
		})
	}
}

func mxFamilyNames(f mxFamilies) []string {
	out := make([]string, 0, len(f))
	for k := range f {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestMetricsContentTypeAndHeaders(t *testing.T) {
	m := newMetricsSim(t, Options{Stores: 3, Regions: 10})
	for _, accept := range []string{"", "*/*", "text/plain", "text/plain;version=0.0.4"} {
		req, _ := http.NewRequest("GET", m.url+"/metrics", nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != mxPDContentType {
			t.Errorf("Accept %q: %d %q", accept, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("Accept %q: no CORS header", accept)
		}
	}
	// A scraper that chooses its escaping or format gets it, as from PD.
	for accept, want := range map[string]string{
		"text/plain;version=0.0.4;escaping=underscores": "text/plain; version=0.0.4; charset=utf-8; escaping=underscores",
		"text/plain;version=0.0.4;escaping=allow-utf-8": "text/plain; version=0.0.4; charset=utf-8; escaping=allow-utf-8",
		"application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,text/plain;version=0.0.4;q=0.2": "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited; escaping=values",
	} {
		req, _ := http.NewRequest("GET", m.url+"/metrics", nil)
		req.Header.Set("Accept", accept)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); ct != want {
			t.Errorf("Accept %q: Content-Type %q, want %q", accept, ct, want)
		}
	}
}

// mxStoreFlagTypes are pd_cluster_status's 0/1 state flags.
var mxStoreFlagTypes = []string{
	"store_up_count", "store_disconnected_count", "store_down_count", "store_offline_count",
	"store_tombstone_count", "store_low_space_count", "store_preparing_count", "store_serving_count",
	"store_removing_count", "store_removed_count", "store_slow_count", "store_unhealth_count",
}

func mxStoreFlags(t *testing.T, f mxFamilies, store string) []string {
	t.Helper()
	var on []string
	for _, typ := range mxStoreFlagTypes {
		v := f.must(t, "pd_cluster_status", map[string]string{"store": store, "type": typ})
		if v != 0 && v != 1 {
			t.Fatalf("store %s %s = %v, want 0 or 1", store, typ, v)
		}
		if v == 1 {
			on = append(on, typ)
		}
	}
	sort.Strings(on)
	return on
}

func TestMetricsStoreStateFlags(t *testing.T) {
	cases := []struct {
		name  string
		store string
		prep  func(m *metricsSim)
		want  []string
	}{
		{"healthy", "2", func(m *metricsSim) { m.clock.Advance(time.Minute) },
			[]string{"store_serving_count", "store_up_count"}},
		{"killed 30s: disconnected", "2", func(m *metricsSim) {
			m.inject(Fault{Type: "kill-store", Store: 2})
			m.clock.Advance(30 * time.Second)
		}, []string{"store_disconnected_count", "store_serving_count"}},
		{"killed 15m, down after 30m: unhealthy", "2", func(m *metricsSim) {
			m.inject(Fault{Type: "kill-store", Store: 2})
			m.clock.Advance(15 * time.Minute)
		}, []string{"store_serving_count", "store_unhealth_count"}},
		{"killed past max-store-down-time: down", "2", func(m *metricsSim) {
			m.inject(Fault{Type: "kill-store", Store: 2})
			m.clock.Advance(31 * time.Minute)
		}, []string{"store_down_count", "store_serving_count"}},
		{"slow store", "3", func(m *metricsSim) {
			m.inject(Fault{Type: "slow-store", Store: 3, Latency: "300ms"})
		}, []string{"store_serving_count", "store_slow_count"}},
		{"disk nearly full: low space", "4", func(m *metricsSim) {
			m.inject(Fault{Type: "fill-disk", Store: 4, AvailableRatio: 0.05})
		}, []string{"store_low_space_count", "store_serving_count"}},
		{"offline: removing", "5", func(m *metricsSim) {
			m.mustDo("POST", "/pd/api/v1/store/5/state?state=Offline", "")
		}, []string{"store_offline_count", "store_removing_count"}},
		{"new store, never heartbeated: down and preparing", "", func(m *metricsSim) {
			m.inject(Fault{Type: "add-store"})
		}, []string{"store_down_count", "store_preparing_count"}},
		{"new store heartbeating: up and preparing", "", func(m *metricsSim) {
			m.inject(Fault{Type: "add-store", Count: 1})
			m.clock.Advance(10 * time.Second)
		}, []string{"store_preparing_count", "store_up_count"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newMetricsSim(t, Options{Stores: 5, Regions: 50})
			tc.prep(m)
			store := tc.store
			if store == "" { // the store add-store created
				m.c.mu.RLock()
				store = storeLabel(m.c.storeOrder[len(m.c.storeOrder)-1])
				m.c.mu.RUnlock()
			}
			got := mxStoreFlags(t, m.scrape(), store)
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("store %s flags %v, want %v", store, got, tc.want)
			}
		})
	}
}

// TestMetricsKilledStoreDisconnectedThenDown follows a crash through
// pd_cluster_status and pd_regions_status.
func TestMetricsKilledStoreDisconnectedThenDown(t *testing.T) {
	m := newMetricsSim(t, Options{Stores: 5, Regions: 100})
	// Keep PD from repairing, so the down peers stay visible.
	m.mustDo("POST", "/pd/api/v1/checker/rule", `{"delay":3600}`)
	status := func(f mxFamilies, typ string) float64 {
		return f.must(t, "pd_cluster_status", map[string]string{"store": "2", "type": typ})
	}
	f := m.scrape()
	if status(f, "store_up_count") != 1 || status(f, "store_disconnected_count") != 0 {
		t.Fatalf("store 2 before the kill: up %v disconnected %v", status(f, "store_up_count"), status(f, "store_disconnected_count"))
	}
	m.inject(Fault{Type: "kill-store", Store: 2})
	m.clock.Advance(30 * time.Second)
	f = m.scrape()
	if status(f, "store_disconnected_count") != 1 || status(f, "store_up_count") != 0 || status(f, "store_down_count") != 0 {
		t.Fatalf("30s after the kill: disconnected %v up %v down %v",
			status(f, "store_disconnected_count"), status(f, "store_up_count"), status(f, "store_down_count"))
	}
	m.mustDo("POST", "/pd/api/v1/config/schedule", `{"max-store-down-time":"1m"}`)
	m.clock.Advance(45 * time.Second)
	f = m.scrape()
	if status(f, "store_down_count") != 1 || status(f, "store_disconnected_count") != 0 {
		t.Fatalf("75s after the kill with max-store-down-time 1m: down %v disconnected %v",
			status(f, "store_down_count"), status(f, "store_disconnected_count"))
	}
	down := f.must(t, "pd_regions_status", map[string]string{"type": "down-peer-region-count"})
	var check struct {
		Count int `json:"count"`
	}
	mxJSON(t, m.mustDo("GET", "/pd/api/v1/regions/check/down-peer", ""), &check)
	if down <= 0 || int(down) != check.Count {
		t.Fatalf("down-peer-region-count %v, /regions/check/down-peer count %d", down, check.Count)
	}
	// The other stores are unaffected.
	if got := mxStoreFlags(t, f, "1"); strings.Join(got, " ") != "store_serving_count store_up_count" {
		t.Fatalf("store 1 flags %v", got)
	}
}

// TestMetricsMatchAPIs checks values against what the HTTP API reports
// for the same model state.
func TestMetricsMatchAPIs(t *testing.T) {
	m := newMetricsSim(t, Options{Stores: 5, Regions: 120})
	m.inject(Fault{Type: "hotspot", EndKey: rowKey(6), BytesPerSecond: 2 << 20})
	m.inject(Fault{Type: "lose-peers", Region: mxFollowerRegion(m)})
	m.clock.Advance(4 * time.Minute)
	f := m.scrape()

	var stores struct {
		Stores []struct {
			Store struct {
				ID      uint64 `json:"id"`
				Address string `json:"address"`
			} `json:"store"`
			Status struct {
				LeaderCount int     `json:"leader_count"`
				RegionCount int     `json:"region_count"`
				LeaderScore float64 `json:"leader_score"`
				RegionScore float64 `json:"region_score"`
				LeaderSize  int64   `json:"leader_size"`
				RegionSize  int64   `json:"region_size"`
			} `json:"status"`
		} `json:"stores"`
	}
	mxJSON(t, m.mustDo("GET", "/pd/api/v1/stores", ""), &stores)
	var hot map[string]map[string]float64
	mxJSON(t, m.mustDo("GET", "/pd/api/v1/hotspot/stores", ""), &hot)
	for _, st := range stores.Stores {
		id := strconv.FormatUint(st.Store.ID, 10)
		ss := func(typ string) float64 {
			return f.must(t, "pd_scheduler_store_status", map[string]string{"store": id, "address": st.Store.Address, "type": typ})
		}
		for _, c := range []struct {
			typ  string
			want float64
		}{
			{"leader_count", float64(st.Status.LeaderCount)},
			{"region_count", float64(st.Status.RegionCount)},
			{"leader_score", st.Status.LeaderScore},
			{"region_score", st.Status.RegionScore},
			{"leader_size", float64(st.Status.LeaderSize)},
			{"region_size", float64(st.Status.RegionSize)},
			{"store_write_rate_bytes", hot["bytes-write-rate"][id]},
			{"store_read_rate_bytes", hot["bytes-read-rate"][id]},
		} {
			if got := ss(c.typ); math.Abs(got-c.want) > 1e-6*math.Max(1, math.Abs(c.want)) {
				t.Errorf("store %s %s = %v, API says %v", id, c.typ, got, c.want)
			}
		}
		if got := f.must(t, "pd_cluster_status", map[string]string{"store": id, "type": "leader_count"}); got != float64(st.Status.LeaderCount) {
			t.Errorf("pd_cluster_status store %s leader_count %v, API %d", id, got, st.Status.LeaderCount)
		}
	}
	// Region statistics are the /regions/check lists.
	for kind, typ := range map[string]string{"miss-peer": "miss-peer-region-count", "oversized-region": "oversized-region-count", "learner-peer": "learner-peer-region-count"} {
		var check struct {
			Count int `json:"count"`
		}
		mxJSON(t, m.mustDo("GET", "/pd/api/v1/regions/check/"+kind, ""), &check)
		if got := f.must(t, "pd_regions_status", map[string]string{"type": typ}); got != float64(check.Count) {
			t.Errorf("%s = %v, /regions/check/%s count %d", typ, got, kind, check.Count)
		}
	}
	// Every region is in the one label level there is.
	var count struct {
		Count int `json:"count"`
	}
	mxJSON(t, m.mustDo("GET", "/pd/api/v1/regions/count", ""), &count)
	if got := f.must(t, "pd_regions_label_level", map[string]string{"type": "none"}); got != float64(count.Count) {
		t.Errorf("label level none = %v, %d regions", got, count.Count)
	}
	// Hot peers: the summary is the mean over stores of /hotspot/regions/write.
	type hotStore struct {
		TotalFlowBytes float64 `json:"total_flow_bytes"`
		RegionsCount   int     `json:"regions_count"`
	}
	var hw struct {
		AsPeer   map[string]hotStore `json:"as_peer"`
		AsLeader map[string]hotStore `json:"as_leader"`
	}
	mxJSON(t, m.mustDo("GET", "/pd/api/v1/hotspot/regions/write", ""), &hw)
	var peerBytes, peerCount, leaderBytes float64
	for _, s := range hw.AsPeer {
		peerBytes += s.TotalFlowBytes
		peerCount += float64(s.RegionsCount)
	}
	for _, s := range hw.AsLeader {
		leaderBytes += s.TotalFlowBytes
	}
	n := float64(len(hw.AsPeer))
	if peerCount == 0 {
		t.Fatal("no hot write peers after 4 minutes of a hotspot")
	}
	for typ, want := range map[string]float64{
		"exp-byte-rate-write-region":  peerBytes / n,
		"exp-count-rate-write-region": peerCount / n,
		"exp-byte-rate-write-leader":  leaderBytes / n,
		"exp-byte-rate-read-region":   0,
	} {
		if got := f.must(t, "pd_scheduler_hot_peers_summary", map[string]string{"store": "tikv", "type": typ}); math.Abs(got-want) > 1e-6*math.Max(1, want) {
			t.Errorf("hot peers %s = %v, want %v", typ, got, want)
		}
	}
	// Config and ids.
	if got := f.must(t, "pd_config_status", map[string]string{"type": "max-replicas"}); got != 3 {
		t.Errorf("max-replicas %v", got)
	}
	m.c.mu.RLock()
	nextID, clusterID, start := m.c.nextID, m.c.clusterID, m.c.startTime
	m.c.mu.RUnlock()
	if got := f.must(t, "pd_cluster_id", map[string]string{"type": "idalloc"}); got != float64(nextID) {
		t.Errorf("idalloc %v, want %d", got, nextID)
	}
	if _, ok := f.get("pd_cluster_metadata", map[string]string{"type": "cluster" + strconv.FormatUint(clusterID, 10)}); !ok {
		t.Errorf("pd_cluster_metadata lacks cluster%d", clusterID)
	}
	if got := f.must(t, "pd_server_info", map[string]string{"version": pdVersion}); got != float64(start.Unix()) {
		t.Errorf("pd_server_info %v, want start %d", got, start.Unix())
	}
	if got := f.must(t, "etcd_server_is_leader", nil); got != 1 {
		t.Errorf("etcd_server_is_leader %v", got)
	}
	// The config follows POST /config/schedule.
	m.mustDo("POST", "/pd/api/v1/config/schedule", `{"leader-schedule-limit":7,"enable-remove-down-replica":"false"}`)
	f = m.scrape()
	if got := f.must(t, "pd_config_status", map[string]string{"type": "leader-schedule-limit"}); got != 7 {
		t.Errorf("leader-schedule-limit %v after POST", got)
	}
	if got := f.must(t, "pd_config_status", map[string]string{"type": "enable-remove-down-replica"}); got != 0 {
		t.Errorf("enable-remove-down-replica %v after POST", got)
	}
}

func mxJSON(t *testing.T, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("%v in %s", err, body)
	}
}

func TestMetricsOperatorEvents(t *testing.T) {
	m := newMetricsSim(t, Options{Stores: 5, Regions: 50})
	ops := func(f mxFamilies, typ, event string) float64 {
		v, _ := f.get("pd_schedule_operators_count", map[string]string{"type": typ, "event": event})
		return v
	}
	// An admin operator skips PD's waiting queue.
	m.mustDo("POST", "/pd/api/v1/operators", `{"name":"transfer-leader","region_id":`+itoa(mxFollowerRegion(m))+`,"to_store_id":`+itoa(mxFollowerStore(m))+`}`)
	m.clock.Advance(time.Second)
	f := m.scrape()
	for _, c := range []struct {
		event string
		want  float64
	}{{"create", 1}, {"start", 1}, {"finish", 1}, {"promote-success", 1}, {"remove", 1}, {"put", 0}, {"get", 0}, {"timeout", 0}} {
		if got := ops(f, "admin-transfer-leader", c.event); got != c.want {
			t.Errorf("admin-transfer-leader %s = %v, want %v", c.event, got, c.want)
		}
	}
	// A checker operator goes through it, and moves the checker's counter.
	m.inject(Fault{Type: "lose-peers", Region: mxFollowerRegion(m)})
	m.clock.Advance(10 * time.Second)
	f = m.scrape()
	for _, ev := range []string{"create", "put", "get", "promote-add", "start", "finish", "promote-success", "remove"} {
		if got := ops(f, "add-rule-peer", ev); got != 1 {
			t.Errorf("add-rule-peer %s = %v, want 1", ev, got)
		}
	}
	if got := f.must(t, "pd_checker_event_count", map[string]string{"type": "rule_checker", "name": "add-rule-peer"}); got != 1 {
		t.Errorf("rule_checker add-rule-peer = %v, want 1", got)
	}
	// A scheduler's operators count as its new-operator events.
	m.mustDo("POST", "/pd/api/v1/schedulers", `{"name":"evict-leader-scheduler","store_id":1}`)
	m.clock.Advance(30 * time.Second)
	f = m.scrape()
	created := ops(f, "evict-leader-scheduler", "create")
	if created == 0 {
		t.Fatal("evict-leader-scheduler created no operators")
	}
	if got := f.must(t, "pd_scheduler_event_count", map[string]string{"type": "evict-leader-scheduler", "name": "new-operator"}); got != created {
		t.Errorf("evict-leader new-operator %v, operators created %v", got, created)
	}
	// A split that cannot complete times out.
	m2 := newMetricsSim(t, Options{Stores: 3, Regions: 10, NoSplit: true})
	m2.mustDo("POST", "/pd/api/v1/operators", `{"name":"split-region","region_id":`+itoa(mxFollowerRegion(m2))+`,"policy":"approximate"}`)
	m2.clock.Advance(2 * time.Minute)
	f = m2.scrape()
	for _, ev := range []string{"create", "start", "timeout", "promote-timeout", "remove"} {
		if got := ops(f, "admin-split-region", ev); got != 1 {
			t.Errorf("admin-split-region %s = %v, want 1", ev, got)
		}
	}
}

// mxFollowerStore is a store holding a follower of mxFollowerRegion.
func mxFollowerStore(m *metricsSim) uint64 {
	m.c.mu.RLock()
	defer m.c.mu.RUnlock()
	r := m.c.byKey[len(m.c.byKey)/2]
	for _, p := range r.Peers {
		if p.ID != r.Leader {
			return uint64(p.StoreID)
		}
	}
	m.t.Fatal("region without a follower")
	return 0
}

func TestMetricsMaintenanceTasks(t *testing.T) {
	m := newMetricsSim(t, Options{Stores: 3, Regions: 10})
	if f := m.scrape(); f["pd_maintenance_task_info"] != nil {
		t.Fatal("pd_maintenance_task_info before any task")
	}
	task := func(f mxFamilies, typ, id string) float64 {
		return f.must(t, "pd_maintenance_task_info", map[string]string{"task_type": typ, "task_id": id})
	}
	m.mustDo("PUT", "/pd/api/v2/maintenance/tikv-upgrade/job-7", "rolling upgrade")
	if v := task(m.scrape(), "tikv-upgrade", "job-7"); v != 1 {
		t.Fatalf("running task = %v", v)
	}
	m.mustDo("DELETE", "/pd/api/v2/maintenance/tikv-upgrade/job-7", "")
	m.mustDo("PUT", "/pd/api/v2/maintenance/tikv-restart/store-1", "")
	f := m.scrape()
	if a, b := task(f, "tikv-upgrade", "job-7"), task(f, "tikv-restart", "store-1"); a != 0 || b != 1 {
		t.Fatalf("after the second task: job-7 %v, store-1 %v", a, b)
	}
	// A task the model recorded as started (maintenanceStarted, called where
	// a task starts) shows even if no scrape saw it running.
	m.c.mu.Lock()
	m.c.metrics.maintenanceStarted("pd-upgrade", "quick")
	m.c.mu.Unlock()
	if v := task(m.scrape(), "pd-upgrade", "quick"); v != 0 {
		t.Fatalf("recorded past task = %v, want 0", v)
	}
}

func TestMetricsRemovalProgress(t *testing.T) {
	m := newMetricsSim(t, Options{Stores: 5, Regions: 100})
	if f := m.scrape(); f["pd_cluster_progress"] != nil {
		t.Fatal("progress before any removal")
	}
	m.mustDo("POST", "/pd/api/v1/store/5/state?state=Offline", "")
	m.clock.Advance(10 * time.Second)
	f := m.scrape()
	lbl := map[string]string{"action": "removing", "store": "5", "address": ""}
	var p struct {
		Progress     float64 `json:"progress"`
		CurrentSpeed float64 `json:"current_speed"`
		LeftSeconds  float64 `json:"left_seconds"`
	}
	mxJSON(t, m.mustDo("GET", "/pd/api/v1/stores/progress?id=5", ""), &p)
	for fam, want := range map[string]float64{"pd_cluster_progress": p.Progress, "pd_cluster_speed": p.CurrentSpeed, "pd_cluster_eta": p.LeftSeconds} {
		if got := f.must(t, fam, lbl); math.Abs(got-want) > 1e-9*math.Max(1, want) {
			t.Errorf("%s = %v, /stores/progress says %v", fam, got, want)
		}
	}
	// Store limits are /stores/limit's (PD lifts remove-peer while removing).
	var limits map[string]map[string]float64
	mxJSON(t, m.mustDo("GET", "/pd/api/v1/stores/limit", ""), &limits)
	for _, typ := range []string{"add-peer", "remove-peer"} {
		if got := f.must(t, "pd_cluster_store_limit", map[string]string{"store": "5", "type": typ}); got != limits["5"][typ] {
			t.Errorf("store 5 %s limit %v, /stores/limit says %v", typ, got, limits["5"][typ])
		}
	}
	mxWaitTombstone(m, 5)
	f = m.scrape()
	if got := f.must(t, "pd_cluster_progress", lbl); got != 1 {
		t.Errorf("progress after Tombstone %v, want 1", got)
	}
	if got := f.must(t, "pd_cluster_eta", lbl); got != 0 {
		t.Errorf("eta after Tombstone %v, want 0", got)
	}
	// A removed store keeps pd_cluster_status (as Tombstone) but leaves the
	// scheduling and limit families.
	if got := mxStoreFlags(t, f, "5"); strings.Join(got, " ") != "store_removed_count store_tombstone_count" {
		t.Errorf("tombstone flags %v", got)
	}
	if _, ok := f.get("pd_scheduler_store_status", map[string]string{"store": "5", "type": "region_count"}); ok {
		t.Error("pd_scheduler_store_status still has the Tombstone store")
	}
	if _, ok := f.get("pd_cluster_store_limit", map[string]string{"store": "5", "type": "add-peer"}); ok {
		t.Error("pd_cluster_store_limit still has the Tombstone store")
	}
}

func TestMetricsHeartbeatCounters(t *testing.T) {
	m := newMetricsSim(t, Options{Stores: 3, Regions: 30})
	hist := func(f mxFamilies, fam, store string) uint64 {
		t.Helper()
		for _, mt := range f[fam].GetMetric() {
			if mxLabels(mt)["store"] == store {
				return mt.GetHistogram().GetSampleCount()
			}
		}
		return 0
	}
	m.clock.Advance(time.Minute)
	f := m.scrape()
	m.c.mu.RLock()
	leaders := m.c.stores[1].leaderCount
	m.c.mu.RUnlock()
	// Store heartbeats every 10s: six in a minute; one round of region
	// heartbeats (60s) from each leader.
	if got := hist(f, "pd_scheduler_handle_store_heartbeat_duration_seconds", "1"); got != 6 {
		t.Errorf("store heartbeats in 1m = %d, want 6", got)
	}
	if got := f.must(t, "pd_scheduler_region_heartbeat", map[string]string{"store": "1", "status": "ok", "type": "report"}); got != float64(leaders) {
		t.Errorf("region heartbeats from store 1 = %v, want %d", got, leaders)
	}
	if got := hist(f, "pd_scheduler_region_heartbeat_latency_seconds", "1"); got != uint64(leaders) {
		t.Errorf("latency observations %d, want %d", got, leaders)
	}
	// A crashed store stops heartbeating; the others go on. Counters never
	// go down.
	m.inject(Fault{Type: "kill-store", Store: 2})
	before2 := hist(f, "pd_scheduler_handle_store_heartbeat_duration_seconds", "2")
	m.clock.Advance(time.Minute)
	f = m.scrape()
	if got := hist(f, "pd_scheduler_handle_store_heartbeat_duration_seconds", "2"); got != before2 {
		t.Errorf("killed store's heartbeats went from %d to %d", before2, got)
	}
	if got := hist(f, "pd_scheduler_handle_store_heartbeat_duration_seconds", "1"); got != 12 {
		t.Errorf("store 1 heartbeats after 2m = %d, want 12", got)
	}
	// Scraping twice at the same simulated time changes nothing.
	again := m.scrape()
	if a, b := hist(f, "pd_scheduler_handle_store_heartbeat_duration_seconds", "1"), hist(again, "pd_scheduler_handle_store_heartbeat_duration_seconds", "1"); a != b {
		t.Errorf("a second scrape at the same time moved the counter: %d -> %d", a, b)
	}
}

func TestMetricsTicksBetween(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	// Ticks every 10s at 10, 20, 30...; next is the first tick not yet run.
	cases := []struct {
		from, to, next int
		want           uint64
	}{
		{0, 10, 10, 0},  // the tick at 0 is not after from
		{0, 20, 20, 1},  // 10
		{0, 65, 70, 6},  // 10..60
		{5, 30, 30, 2},  // 10, 20
		{10, 30, 30, 1}, // 20
		{25, 30, 30, 0}, // the last tick, 20, is not after 25
		{0, 35, 70, 3},  // stopped at 35: 10, 20, 30
		{0, 30, 70, 3},  // stopped right on a tick
		{40, 35, 70, 0}, // stopped before the interval
	}
	for _, c := range cases {
		if got := ticksBetween(at(c.from), at(c.to), at(c.next), 10*time.Second); got != c.want {
			t.Errorf("ticksBetween(from %d, to %d, next %d) = %d, want %d", c.from, c.to, c.next, got, c.want)
		}
	}
}

func TestMetricsSchedulerStatus(t *testing.T) {
	m := newMetricsSim(t, Options{Stores: 3, Regions: 10})
	allow := func(f mxFamilies, name string) float64 {
		return f.must(t, "pd_scheduler_status", map[string]string{"kind": name, "type": "allow"})
	}
	if v := allow(m.scrape(), "balance-region-scheduler"); v != 1 {
		t.Fatalf("balance-region allow %v", v)
	}
	m.mustDo("POST", "/pd/api/v1/schedulers/balance-region-scheduler", `{"delay":120}`)
	f := m.scrape()
	if a, b := allow(f, "balance-region-scheduler"), allow(f, "balance-leader-scheduler"); a != 0 || b != 1 {
		t.Fatalf("paused balance-region allow %v, balance-leader %v", a, b)
	}
	m.mustDo("POST", "/pd/api/v1/config/schedule", `{"halt-scheduling":"true"}`)
	if v := allow(m.scrape(), "balance-leader-scheduler"); v != 0 {
		t.Fatalf("halted balance-leader allow %v", v)
	}
	m.mustDo("DELETE", "/pd/api/v1/schedulers/balance-hot-region-scheduler", "")
	if _, ok := m.scrape().get("pd_scheduler_status", map[string]string{"kind": "balance-hot-region-scheduler"}); ok {
		t.Fatal("removed scheduler still has a status")
	}
}

func TestMetricsLabelLevels(t *testing.T) {
	zones := func(id StoreID) []Label {
		return []Label{{"zone", "z" + strconv.Itoa(int(id-1)%3+1)}, {"host", "h" + strconv.Itoa(int(id))}}
	}
	m := newMetricsSim(t, Options{Stores: 6, Regions: 60, Labels: zones})
	m.mustDo("POST", "/pd/api/v1/config/replicate", `{"location-labels":"zone,host"}`)
	f := m.scrape()
	zone := f.must(t, "pd_regions_label_level", map[string]string{"type": "zone"})
	host := f.must(t, "pd_regions_label_level", map[string]string{"type": "host"})
	none := f.must(t, "pd_regions_label_level", map[string]string{"type": "none"})
	if zone+host+none != 60 {
		t.Fatalf("levels zone %v host %v none %v do not add up to 60 regions", zone, host, none)
	}
	// Peers on stores k, k+1, k+2 (mod 6) sit in three different zones.
	if zone != 60 {
		t.Errorf("zone-isolated regions %v, want all 60", zone)
	}
	// Isolation as defined: zones differ, or else hosts differ.
	z1h1, z1h4, z2h2 := []string{"z1", "h1"}, []string{"z1", "h4"}, []string{"z2", "h2"}
	for _, c := range []struct {
		name  string
		peers [][]string
		want  int
	}{
		{"three zones", [][]string{z1h1, z2h2, {"z3", "h3"}}, 0},
		{"two peers share a zone, hosts differ", [][]string{z1h1, z1h4, z2h2}, 1},
		{"two peers on one host", [][]string{z1h1, z1h1, z2h2}, 2},
		{"single peer", [][]string{z1h1}, 2},
		{"unknown store has empty labels", [][]string{nil, z1h1}, 0},
	} {
		if got := isolationLevel(c.peers, 2); got != c.want {
			t.Errorf("%s: level %d, want %d", c.name, got, c.want)
		}
	}
}

func TestMetricsBeforeBootstrap(t *testing.T) {
	m := newMetricsSim(t, Options{NotBootstrapped: true})
	f := m.scrape()
	for _, fam := range []string{"pd_server_info", "pd_tso_role", "etcd_server_is_leader", "pd_cluster_id"} {
		if f[fam] == nil {
			t.Errorf("%s missing before bootstrap", fam)
		}
	}
	for _, fam := range []string{"pd_cluster_status", "pd_regions_status", "pd_scheduler_store_status"} {
		if f[fam] != nil {
			t.Errorf("%s present before bootstrap", fam)
		}
	}
}

func TestMetricsOperatorEventsExpansion(t *testing.T) {
	cases := []struct {
		desc, event string
		want        string
	}{
		{"admin-transfer-leader", "create", "create start"},
		{"scatter-region", "create", "create start"},
		{"add-rule-peer", "create", "create put get promote-add start"},
		{"balance-leader-scheduler", "finish", "finish promote-success remove"},
		{"admin-split-region", "timeout", "timeout promote-timeout remove"},
		{"remove-orphan-peer", "cancel", "cancel remove"},
		{"replace-rule-offline-peer", "replace", "replace"},
		{"admin-add-peer", "expire", "expire remove"},
	}
	for _, c := range cases {
		if got := strings.Join(operatorEvents(c.desc, c.event), " "); got != c.want {
			t.Errorf("operatorEvents(%s, %s) = %s, want %s", c.desc, c.event, got, c.want)
		}
	}
}

// mxPDAlertExprs are the expressions of PD's alert rules
// (tikv/pd metrics/alertmanager/pd.rules.yml) that read pd_* or etcd_*
// series, verbatim, keyed by alert name. (PD_node_restart reads
// process_start_time_seconds, which the process collector exports.)
var mxPDAlertExprs = map[string]string{
	"PD_cluster_offline_tikv_nums":      `(sum ( pd_cluster_status{type="store_down_count"} ) by (instance) > 0) and (sum(etcd_server_is_leader) by (instance) > 0)`,
	"PD_etcd_write_disk_latency":        `histogram_quantile(0.99, sum(rate(etcd_disk_wal_fsync_duration_seconds_bucket[1m])) by (instance,job,le) ) > 1`,
	"PD_miss_peer_region_count":         `(sum(pd_regions_status{type="miss_peer_region_count"}) by (instance)  > 100) and (sum(etcd_server_is_leader) by (instance) > 0)`,
	"PD_cluster_lost_connect_tikv_nums": `(sum ( pd_cluster_status{type="store_disconnected_count"} ) by (instance) > 0) and (sum(etcd_server_is_leader) by (instance) > 0)`,
	"PD_cluster_low_space":              `(sum ( pd_cluster_status{type="store_low_space_count"} ) by (instance) > 0) and (sum(etcd_server_is_leader) by (instance) > 0)`,
	"PD_etcd_network_peer_latency":      `histogram_quantile(0.99, sum(rate(etcd_network_peer_round_trip_time_seconds_bucket[1m])) by (To,instance,job,le) ) > 1`,
	"PD_tidb_handle_requests_duration":  `histogram_quantile(0.99, sum(rate(pd_client_request_handle_requests_duration_seconds_bucket{type="tso"}[1m])) by (instance,job,le) ) > 0.1`,
	"PD_down_peer_region_nums":          `(sum(pd_regions_status{type="down-peer-region-count"}) by (instance)  > 0) and (sum(etcd_server_is_leader) by (instance) > 0)`,
	"PD_pending_peer_region_count":      `(sum(pd_regions_status{type="pending-peer-region-count"}) by (instance)  > 100) and (sum(etcd_server_is_leader) by (instance) > 0)`,
	"PD_leader_change":                  `count( changes(pd_server_tso{type="save"}[10m]) > 0 )   >= 2`,
	"TiKV_space_used_more_than_80%":     `sum(pd_cluster_status{type="storage_size"}) / sum(pd_cluster_status{type="storage_capacity"}) * 100  > 80`,
	"PD_system_time_slow":               `changes(pd_server_tso{type="system_time_slow"}[10m]) >= 1`,
	"PD_no_store_for_making_replica":    `increase(pd_checker_event_count{type="replica_checker", name="no_target_store"}[1m]) > 0`,
	"PD_cluster_slow_tikv_nums":         `(sum ( pd_cluster_status{type="store_slow_count"} ) by (instance) > 0) and (sum(etcd_server_is_leader) by (instance) > 0)`,
}

// mxAlertOnlyFamilies are series PD's rules read that neither pdsim nor the
// captures have, and why pdsim leaves them out. On a single-member PD the
// alerts built on them do not fire either.
var mxAlertOnlyFamilies = map[string]string{
	"etcd_disk_wal_fsync_duration_seconds":               "pdsim has no etcd WAL; the alert needs fsyncs slower than 1s",
	"etcd_network_peer_round_trip_time_seconds":          "single member: no etcd peers, so a real single-member PD has no such series either",
	"pd_client_request_handle_requests_duration_seconds": "exported by PD's clients (TiDB), not by PD",
	"pd_server_tso": "TSO persistence events; pdsim serves no TSO. PD_leader_change needs two members, PD_system_time_slow a clock jump",
}

type mxSelector struct {
	name     string
	matchers []mxMatcher
}

type mxMatcher struct{ label, op, value string }

var (
	mxSelectorRE = regexp.MustCompile(`\b((?:pd|etcd)_[a-zA-Z0-9_:]*)\s*(\{[^}]*\})?`)
	mxMatcherRE  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"]*)"`)
)

func mxSelectors(expr string) []mxSelector {
	var out []mxSelector
	for _, m := range mxSelectorRE.FindAllStringSubmatch(expr, -1) {
		s := mxSelector{name: m[1]}
		for _, mm := range mxMatcherRE.FindAllStringSubmatch(m[2], -1) {
			s.matchers = append(s.matchers, mxMatcher{mm[1], mm[2], mm[3]})
		}
		out = append(out, s)
	}
	return out
}

func (m mxMatcher) matches(ls map[string]string) bool {
	v := ls[m.label]
	switch m.op {
	case "=":
		return v == m.value
	case "!=":
		return v != m.value
	case "=~":
		return regexp.MustCompile("^(?:" + m.value + ")$").MatchString(v)
	default:
		return !regexp.MustCompile("^(?:" + m.value + ")$").MatchString(v)
	}
}

// mxSample is one exposed series value, as a PromQL selector sees it.
type mxSample struct {
	name   string
	labels map[string]string
	value  float64
}

// mxSamples flattens families into series (histograms into _bucket, _sum
// and _count).
func mxSamples(f mxFamilies) []mxSample {
	var out []mxSample
	for name, mf := range f {
		for _, m := range mf.GetMetric() {
			ls := mxLabels(m)
			if h := m.GetHistogram(); h != nil {
				for _, b := range h.GetBucket() {
					bl := map[string]string{"le": strconv.FormatFloat(b.GetUpperBound(), 'g', -1, 64)}
					for k, v := range ls {
						bl[k] = v
					}
					out = append(out, mxSample{name + "_bucket", bl, float64(b.GetCumulativeCount())})
				}
				out = append(out, mxSample{name + "_sum", ls, h.GetSampleSum()}, mxSample{name + "_count", ls, float64(h.GetSampleCount())})
				continue
			}
			out = append(out, mxSample{name, ls, mxValue(m)})
		}
	}
	return out
}

// mxSelectSum sums the series a selector picks, and says whether any did.
func mxSelectSum(samples []mxSample, s mxSelector) (float64, bool) {
	var sum float64
	any := false
	for _, smp := range samples {
		if smp.name != s.name {
			continue
		}
		ok := true
		for _, m := range s.matchers {
			if !m.matches(smp.labels) {
				ok = false
				break
			}
		}
		if ok {
			sum += smp.value
			any = true
		}
	}
	return sum, any
}

// mxFamilyOf strips a histogram series suffix.
func mxFamilyOf(series string, fams ...mxFamilies) string {
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		base := strings.TrimSuffix(series, suffix)
		if base == series {
			continue
		}
		for _, f := range fams {
			if mf := f[base]; mf != nil && mf.GetType() == dto.MetricType_HISTOGRAM {
				return base
			}
		}
		if _, ok := mxAlertOnlyFamilies[base]; ok {
			return base
		}
	}
	return series
}

// TestMetricsPDAlertSelectors checks that every pd_*/etcd_* selector in
// PD's alert rules selects from pdsim what it selects from a real PD: the
// family exists with the labels the selector names, and it matches series
// in pdsim exactly when it matches series in the captures (PD's rules
// have a few selectors that match nothing on a real PD either, such as
// type="miss_peer_region_count").
func TestMetricsPDAlertSelectors(t *testing.T) {
	fixtures := mxFixtureFamilies(t)
	var fixtureSamples []mxSample
	for _, f := range fixtures {
		fixtureSamples = append(fixtureSamples, mxSamples(f)...)
	}
	m := newMetricsSim(t, Options{Stores: 5, Regions: 60})
	m.clock.Advance(2 * time.Minute)
	got := m.scrape()
	samples := mxSamples(got)
	for alert, expr := range mxPDAlertExprs {
		sels := mxSelectors(expr)
		if len(sels) == 0 && strings.Contains(expr, "pd_") {
			t.Errorf("%s: no selector parsed from %s", alert, expr)
		}
		for _, sel := range sels {
			fam := mxFamilyOf(sel.name, got)
			if reason, ok := mxAlertOnlyFamilies[fam]; ok {
				if got[fam] != nil {
					t.Errorf("%s: %s is listed as not exported (%s) but pdsim exports it", alert, fam, reason)
				}
				for _, fx := range fixtures {
					if fx[fam] != nil {
						t.Errorf("%s: %s is in the captures; export it", alert, fam)
					}
				}
				continue
			}
			mf := got[fam]
			if mf == nil {
				t.Errorf("%s: pdsim exports no %s", alert, fam)
				continue
			}
			names := map[string]bool{}
			for _, set := range mxSortedKeys(mxLabelNameSets(mf)) {
				for _, n := range strings.Split(set, ",") {
					names[n] = true
				}
			}
			if mf.GetType() == dto.MetricType_HISTOGRAM {
				names["le"] = true
			}
			for _, mm := range sel.matchers {
				if !names[mm.label] {
					t.Errorf("%s: %s has no label %q (labels %v)", alert, fam, mm.label, mxSortedKeys(names))
				}
			}
			_, inPDSim := mxSelectSum(samples, sel)
			_, inFixtures := mxSelectSum(fixtureSamples, sel)
			if mxFixturesHave(fixtures, fam) && inPDSim != inFixtures {
				t.Errorf("%s: selector %s matches pdsim: %v, the captured PD: %v", alert, sel.name, inPDSim, inFixtures)
			}
			if !mxFixturesHave(fixtures, fam) && !inPDSim {
				t.Errorf("%s: selector %s matches nothing in pdsim", alert, sel.name)
			}
		}
	}
}

func mxFixturesHave(fixtures map[string]mxFamilies, fam string) bool {
	for _, f := range fixtures {
		if f[fam] != nil {
			return true
		}
	}
	return false
}

var (
	// (sum(SEL) by (instance) > N) and (sum(etcd_server_is_leader) by (instance) > 0)
	mxLeaderGatedRE = regexp.MustCompile(`^\(sum\s*\(\s*([^)]*?)\s*\)\s*by\s*\(instance\)\s*>\s*([0-9.]+)\s*\)\s*and\s*\(sum\(etcd_server_is_leader\) by \(instance\) > 0\)$`)
	// sum(A) / sum(B) * 100 > N
	mxRatioRE = regexp.MustCompile(`^sum\((.*?)\)\s*/\s*sum\((.*?)\)\s*\*\s*100\s*>\s*([0-9.]+)$`)
)

// mxEvalAlert evaluates the instant-vector alert shapes PD's rules use on
// one scrape; ok is false for expressions that need a range of samples.
func mxEvalAlert(expr string, samples []mxSample) (firing, ok bool) {
	if m := mxLeaderGatedRE.FindStringSubmatch(expr); m != nil {
		sels := mxSelectors(m[1])
		if len(sels) != 1 {
			return false, false
		}
		v, any := mxSelectSum(samples, sels[0])
		limit, _ := strconv.ParseFloat(m[2], 64)
		leader, hasLeader := mxSelectSum(samples, mxSelector{name: "etcd_server_is_leader"})
		return any && v > limit && hasLeader && leader > 0, true
	}
	if m := mxRatioRE.FindStringSubmatch(expr); m != nil {
		a, b := mxSelectors(m[1]), mxSelectors(m[2])
		if len(a) != 1 || len(b) != 1 {
			return false, false
		}
		num, okA := mxSelectSum(samples, a[0])
		den, okB := mxSelectSum(samples, b[0])
		limit, _ := strconv.ParseFloat(m[3], 64)
		return okA && okB && den > 0 && num/den*100 > limit, true
	}
	return false, false
}

// TestMetricsPDAlertsEvaluate evaluates PD's instant alert expressions on
// pdsim's output in situations where PD raises them, and in a healthy
// cluster where it raises none.
func TestMetricsPDAlertsEvaluate(t *testing.T) {
	evaluated := map[string]bool{}
	for alert, expr := range mxPDAlertExprs {
		if _, ok := mxEvalAlert(expr, nil); ok {
			evaluated[alert] = true
		}
	}
	for _, a := range []string{"PD_cluster_offline_tikv_nums", "PD_miss_peer_region_count", "PD_cluster_lost_connect_tikv_nums",
		"PD_cluster_low_space", "PD_down_peer_region_nums", "PD_pending_peer_region_count", "TiKV_space_used_more_than_80%", "PD_cluster_slow_tikv_nums"} {
		if !evaluated[a] {
			t.Fatalf("the test cannot evaluate %s", a)
		}
	}
	cases := []struct {
		name   string
		prep   func(m *metricsSim)
		firing []string
	}{
		{"healthy", func(m *metricsSim) { m.clock.Advance(time.Minute) }, nil},
		// The surviving peers report the dead ones about an election
		// timeout after the crash, before the store counts as Down.
		{"store disconnected", func(m *metricsSim) {
			m.inject(Fault{Type: "kill-store", Store: 2})
			m.clock.Advance(30 * time.Second)
		}, []string{"PD_cluster_lost_connect_tikv_nums", "PD_down_peer_region_nums"}},
		{"store down with down peers", func(m *metricsSim) {
			m.mustDo("POST", "/pd/api/v1/checker/rule", `{"delay":3600}`)
			m.mustDo("POST", "/pd/api/v1/config/schedule", `{"max-store-down-time":"1m"}`)
			m.inject(Fault{Type: "kill-store", Store: 2})
			m.clock.Advance(2 * time.Minute)
		}, []string{"PD_cluster_offline_tikv_nums", "PD_down_peer_region_nums"}},
		{"slow store", func(m *metricsSim) {
			m.inject(Fault{Type: "slow-store", Store: 3, Latency: "2s"})
		}, []string{"PD_cluster_slow_tikv_nums"}},
		{"one disk nearly full", func(m *metricsSim) {
			m.inject(Fault{Type: "fill-disk", Store: 4, AvailableRatio: 0.05})
		}, []string{"PD_cluster_low_space"}},
		{"every disk 90% full", func(m *metricsSim) {
			for id := uint64(1); id <= 5; id++ {
				m.inject(Fault{Type: "fill-disk", Store: id, AvailableRatio: 0.1})
			}
		}, []string{"PD_cluster_low_space", "TiKV_space_used_more_than_80%"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newMetricsSim(t, Options{Stores: 5, Regions: 100})
			tc.prep(m)
			samples := mxSamples(m.scrape())
			want := map[string]bool{}
			for _, a := range tc.firing {
				want[a] = true
			}
			for alert := range evaluated {
				firing, _ := mxEvalAlert(mxPDAlertExprs[alert], samples)
				if firing != want[alert] {
					t.Errorf("%s firing = %v, want %v", alert, firing, want[alert])
				}
			}
		})
	}
}
