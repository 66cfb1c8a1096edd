package pdsim

import (
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// simMetrics counts the events behind PD's counter families. It is part of
// the Cluster and guarded by c.mu.
type simMetrics struct {
	ops       map[[2]string]float64 // (operator desc, PD event) -> count: pd_schedule_operators_count
	checker   map[[2]string]float64 // (checker, event name) -> count: pd_checker_event_count
	scheduler map[[2]string]float64 // (scheduler, event name) -> count: pd_scheduler_event_count
	// tasks are the maintenance tasks (type, id) that ever started, for
	// pd_maintenance_task_info (see maintenanceStarted).
	tasks  map[[2]string]bool
	splits int
}

// maintenanceStarted records a maintenance task as it starts, so that
// pd_maintenance_task_info keeps its series (at 0) once it ends even when
// no scrape saw it running.
func (m *simMetrics) maintenanceStarted(typ, id string) {
	if m.tasks == nil {
		m.tasks = map[[2]string]bool{}
	}
	m.tasks[[2]string{typ, id}] = true
}

// opEvent records one event of an operator's life: "create" when it is
// added, then the way it ended ("finish", "timeout", "cancel", "replace",
// "expire"). See operatorEvents for how that maps onto PD's events.
func (m *simMetrics) opEvent(desc, event string) {
	if m.ops == nil {
		m.ops = map[[2]string]float64{}
		m.checker = map[[2]string]float64{}
		m.scheduler = map[[2]string]float64{}
	}
	for _, ev := range operatorEvents(desc, event) {
		m.ops[[2]string{desc, ev}]++
	}
	if event != "create" {
		return
	}
	if ck, name, ok := checkerEventFor(desc); ok {
		m.checker[[2]string{ck, name}]++
	}
	if strings.HasSuffix(desc, "-scheduler") {
		m.scheduler[[2]string{desc, "new-operator"}]++
	}
}

// metricsHandler serves GET /metrics the way PD does: promhttp over a
// registry, here a private one per Server. The PD families are const
// metrics built at scrape time from the model (server.go syncs the model
// before calling this); the Go runtime and process collectors stand in for
// the ones every Go server, PD included, exports.
func (s *Server) metricsHandler() http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		newPDCollector(s.c),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return valueEscapingByDefault(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
}

// valueEscapingByDefault makes promhttp answer with PD's Content-Type.
// PD's promhttp, unless the scraper asks for a name-escaping scheme, serves
// "escaping=values" (text/plain; version=0.0.4; charset=utf-8;
// escaping=values); newer prometheus/common defaults to "underscores".
// Every name pdsim exports is a legacy Prometheus name, so the schemes
// only differ in that header. The wrapper negotiates the format as promhttp
// would and, when the scraper left the escaping to the server, asks promhttp
// for exactly that format with escaping=values.
func valueEscapingByDefault(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		def := "; " + model.EscapingKey + "=" + model.NameEscapingScheme.String()
		f := string(expfmt.NegotiateAccept(r.Header, expfmt.DefaultAcceptedFormats()...))
		if strings.HasSuffix(f, def) && !strings.Contains(r.Header.Get("Accept"), strings.TrimPrefix(def, "; ")) {
			r = r.Clone(r.Context())
			r.Header.Set("Accept", strings.TrimSuffix(f, def)+"; "+model.EscapingKey+"="+model.EscapeValues)
		}
		h.ServeHTTP(w, r)
	})
}

// pdServerGitHash is the hash pdsim reports in /status and /members.
const pdServerGitHash = "0000000000000000000000000000000000000000"

// storeUnhealthyAfter is PD's threshold for store_unhealth_count: a store
// silent for this long counts as unhealthy (unless it already counts as
// Down).
const storeUnhealthyAfter = 10 * time.Minute

// TiKV's default region-max-size/keys and region-split-size/keys, which PD
// learns from the stores and reports in pd_config_status (pdsim's checkers
// use the same numbers).
const (
	regionMaxSizeMiB = 144
	regionMaxKeys    = 1440000
	regionSplitMiB   = 96
	regionSplitKeys  = 960000
)

// pdDescs are the PD families pdsim exports, with PD's names, HELP texts
// and label names (as captured in shared/pd/fixtures/GET_metrics*.prom).
type pdDescs struct {
	clusterStatus, regionsStatus, labelLevel, storeStatus, storeLimit   *prometheus.Desc
	opsCount, checkerEvents, schedulerEvents, schedulerStatus, hotPeers *prometheus.Desc
	health, clusterID, metadata, config, serverInfo, tsoRole, maint     *prometheus.Desc
	progress, eta, speed, labeler, ruleManager, abnormalPeer            *prometheus.Desc
	regionHB, regionHBDuration, storeHBDuration, regionHBLatency        *prometheus.Desc
	etcdLeader                                                          *prometheus.Desc
}

func newPDDescs() pdDescs {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, labels, nil)
	}
	progressLabels := []string{"action", "address", "store"}
	return pdDescs{
		clusterStatus:    d("pd_cluster_status", "Status of the cluster.", "engine", "store", "type"),
		regionsStatus:    d("pd_regions_status", "Status of the regions.", "type"),
		labelLevel:       d("pd_regions_label_level", "Number of regions in the different label level.", "type"),
		storeStatus:      d("pd_scheduler_store_status", "Store status for schedule", "address", "store", "type"),
		storeLimit:       d("pd_cluster_store_limit", "Status of the store limit.", "store", "type"),
		opsCount:         d("pd_schedule_operators_count", "Counter of schedule operators.", "event", "type"),
		checkerEvents:    d("pd_checker_event_count", "Counter of checker events.", "name", "type"),
		schedulerEvents:  d("pd_scheduler_event_count", "Counter of scheduler events.", "name", "type"),
		schedulerStatus:  d("pd_scheduler_status", "Status of the scheduler.", "kind", "type"),
		hotPeers:         d("pd_scheduler_hot_peers_summary", "Hot peers summary for each store", "store", "type"),
		health:           d("pd_cluster_health_status", "Status of the cluster.", "name"),
		clusterID:        d("pd_cluster_id", "Record of id allocator.", "type"),
		metadata:         d("pd_cluster_metadata", "Record critical metadata.", "type"),
		config:           d("pd_config_status", "Status of the scheduling configurations.", "type"),
		serverInfo:       d("pd_server_info", "Indicate the pd server info, and the value is the start timestamp (s).", "hash", "version"),
		tsoRole:          d("pd_tso_role", "Indicate the PD server role info, whether it's a TSO allocator.", "group"),
		maint:            d("pd_maintenance_task_info", "Current maintenance task info in PD", "task_id", "task_type"),
		progress:         prometheus.NewDesc("pd_cluster_progress", "The current progress of corresponding action", progressLabels, nil),
		eta:              prometheus.NewDesc("pd_cluster_eta", "The ETA of corresponding action", progressLabels, nil),
		speed:            prometheus.NewDesc("pd_cluster_speed", "The current speed of corresponding action", progressLabels, nil),
		labeler:          d("pd_region_label_status", "Status of the region labeler.", "type"),
		ruleManager:      d("pd_rule_manager_status", "Status of the rule.", "type"),
		abnormalPeer:     d("pd_regions_abnormal_peer_duration_seconds", "Bucketed histogram of processing time (s) of handled success cmds.", "type"),
		regionHB:         d("pd_scheduler_region_heartbeat", "Counter of region heartbeat.", "address", "status", "store", "type"),
		regionHBDuration: d("pd_scheduler_handle_region_heartbeat_duration_seconds", "Bucketed histogram of processing time (s) of handled region heartbeat requests.", "address", "store"),
		storeHBDuration:  d("pd_scheduler_handle_store_heartbeat_duration_seconds", "Bucketed histogram of processing time (s) of handled store heartbeat requests.", "address", "store"),
		regionHBLatency:  d("pd_scheduler_region_heartbeat_latency_seconds", "Bucketed histogram of latency (s) of receiving heartbeat.", "address", "store"),
		etcdLeader:       d("etcd_server_is_leader", "Whether or not this member is a leader. 1 if is, 0 otherwise."),
	}
}

func (d *pdDescs) all() []*prometheus.Desc {
	return []*prometheus.Desc{
		d.clusterStatus, d.regionsStatus, d.labelLevel, d.storeStatus, d.storeLimit,
		d.opsCount, d.checkerEvents, d.schedulerEvents, d.schedulerStatus, d.hotPeers,
		d.health, d.clusterID, d.metadata, d.config, d.serverInfo, d.tsoRole, d.maint,
		d.progress, d.eta, d.speed, d.labeler, d.ruleManager, d.abnormalPeer,
		d.regionHB, d.regionHBDuration, d.storeHBDuration, d.regionHBLatency, d.etcdLeader,
	}
}

// heartbeatCounts are the heartbeats PD has received from one store.
type heartbeatCounts struct {
	store  uint64 // store heartbeats
	region uint64 // region heartbeats from the store's leaders
}

// pdCollector builds PD's families from the Cluster at scrape time.
//
// Gauges are read straight from the model. Counters that PD bumps on
// heartbeats are integrated by the collector itself: each scrape adds the
// store and region heartbeat ticks the model ran since the previous scrape,
// for each store up to its last heartbeat (see collectHeartbeats). pdsim
// handles a heartbeat in zero simulated time, so the handling-duration and
// latency histograms put every heartbeat in their lowest bucket.
type pdCollector struct {
	c *Cluster
	d pdDescs

	regionHBBuckets, storeHBBuckets, latencyBuckets, abnormalBuckets []float64

	mu sync.Mutex // guards the fields below; always taken after c.mu
	// last is the model time the heartbeat counters are integrated up to.
	last time.Time
	hb   map[StoreID]*heartbeatCounts
	// tasks are the maintenance tasks (type, id) scrapes have seen; PD keeps
	// a finished task's series at 0.
	tasks map[[2]string]bool
	// removeSpeed remembers a removing store's last speed, which PD keeps
	// showing after the store became Tombstone.
	removeSpeed map[StoreID]float64
}

func newPDCollector(c *Cluster) *pdCollector {
	c.mu.RLock()
	start := c.now
	c.mu.RUnlock()
	return &pdCollector{
		c:               c,
		d:               newPDDescs(),
		regionHBBuckets: prometheus.ExponentialBuckets(0.0001, 2, 29),
		storeHBBuckets:  prometheus.ExponentialBuckets(0.0001, 2, 29),
		latencyBuckets:  prometheus.ExponentialBuckets(0.0005, 2, 13),
		abnormalBuckets: prometheus.ExponentialBuckets(1, 1.4, 30),
		last:            start,
		hb:              map[StoreID]*heartbeatCounts{},
		tasks:           map[[2]string]bool{},
		removeSpeed:     map[StoreID]float64{},
	}
}

// Describe implements prometheus.Collector.
func (pc *pdCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range pc.d.all() {
		ch <- d
	}
}

// Collect implements prometheus.Collector: it builds everything under the
// cluster's read lock and sends it after releasing it.
func (pc *pdCollector) Collect(ch chan<- prometheus.Metric) {
	for _, m := range pc.snapshot() {
		ch <- m
	}
}

// emitter accumulates const metrics.
type emitter struct{ out []prometheus.Metric }

func (e *emitter) gauge(d *prometheus.Desc, v float64, lv ...string) {
	e.out = append(e.out, prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, lv...))
}

func (e *emitter) counter(d *prometheus.Desc, v float64, lv ...string) {
	e.out = append(e.out, prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, lv...))
}

// instantHistogram is a histogram of n observations of zero.
func (e *emitter) instantHistogram(d *prometheus.Desc, bounds []float64, n uint64, lv ...string) {
	b := make(map[float64]uint64, len(bounds))
	for _, ub := range bounds {
		b[ub] = n
	}
	e.out = append(e.out, prometheus.MustNewConstHistogram(d, n, 0, b, lv...))
}

type namedValue struct {
	name  string
	value float64
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func storeLabel(id StoreID) string { return strconv.FormatUint(uint64(id), 10) }

func (pc *pdCollector) snapshot() []prometheus.Metric {
	c := pc.c
	c.mu.RLock()
	defer c.mu.RUnlock()
	pc.mu.Lock()
	defer pc.mu.Unlock()

	d := &pc.d
	e := &emitter{}
	// Server-level families exist before any TiKV bootstrapped the cluster.
	e.gauge(d.serverInfo, float64(c.startTime.Unix()), pdServerGitHash, pdVersion)
	e.gauge(d.tsoRole, 1, "0")
	e.gauge(d.health, 1, "pd1")
	e.gauge(d.etcdLeader, 1)
	e.gauge(d.clusterID, float64(c.nextID), "idalloc")
	e.gauge(d.clusterID, 0, "keyspace-idAlloc")
	e.gauge(d.metadata, 0, "cluster"+strconv.FormatUint(c.clusterID, 10))
	pc.collectOperators(e)
	pc.collectMaintenance(e)
	if !c.bootstrapped {
		pc.last = c.now
		return e.out
	}
	pc.collectStores(e)
	pc.collectRegions(e)
	pc.collectConfig(e)
	pc.collectSchedulers(e)
	pc.collectHeartbeats(e)
	return e.out
}

// pd_cluster_status, pd_scheduler_store_status, pd_cluster_store_limit and
// the removal/preparing progress families.
func (pc *pdCollector) collectStores(e *emitter) {
	c, d := pc.c, &pc.d
	flows := c.pdStoreFlows()
	for _, s := range c.sortedStores() {
		id := storeLabel(s.ID)
		for _, nv := range c.clusterStatusValues(s) {
			e.gauge(d.clusterStatus, nv.value, "tikv", id, nv.name)
		}
		pc.collectProgress(e, s, id)
		if s.State == StateTombstone {
			// PD drops a removed store's scheduling and limit series.
			continue
		}
		for _, nv := range c.schedulerStoreValues(s, flows[s.ID]) {
			e.gauge(d.storeStatus, nv.value, s.Address, id, nv.name)
		}
		e.gauge(d.storeLimit, s.limitAddPeer, id, "add-peer")
		e.gauge(d.storeLimit, s.limitRemovePeer, id, "remove-peer")
	}
}

// clusterStatusValues are a store's pd_cluster_status samples. The state
// flags are exclusive the way PD counts them: a store being removed or
// removed counts only as such; otherwise it is Preparing or Serving, and
// exactly one of Down, Unhealthy, Disconnected, Slow, LowSpace or Up, in
// that order of precedence.
func (c *Cluster) clusterStatusValues(s *Store) []namedValue {
	var up, disconnected, down, offline, tombstone, lowSpace, preparing, serving, removing, removed, slow, unhealthy bool
	switch {
	case s.State == StateTombstone || s.NodeState == NodeRemoved:
		tombstone, removed = true, true
	case s.State == StateOffline || s.NodeState == NodeRemoving:
		offline, removing = true, true
	default:
		preparing = s.NodeState == NodePreparing
		serving = !preparing
		name := c.stateName(s)
		switch {
		case name == "Down":
			down = true
		case c.now.Sub(s.LastHeartbeat) > storeUnhealthyAfter:
			unhealthy = true
		case name == "Disconnected":
			disconnected = true
		case s.extraLatency > 0:
			slow = true
		case c.lowSpace(s):
			lowSpace = true
		default:
			up = true
		}
	}
	return []namedValue{
		{"leader_count", float64(s.leaderCount)},
		{"region_count", float64(s.regionCount)},
		{"learner_count", float64(s.learnerCount)},
		{"witness_count", 0},
		{"storage_capacity", float64(s.Capacity)},
		{"storage_size", float64(s.usedSize())},
		{"store_up_count", b2f(up)},
		{"store_disconnected_count", b2f(disconnected)},
		{"store_down_count", b2f(down)},
		{"store_offline_count", b2f(offline)},
		{"store_tombstone_count", b2f(tombstone)},
		{"store_low_space_count", b2f(lowSpace)},
		{"store_preparing_count", b2f(preparing)},
		{"store_serving_count", b2f(serving)},
		{"store_removing_count", b2f(removing)},
		{"store_removed_count", b2f(removed)},
		{"store_slow_count", b2f(slow)},
		{"store_unhealth_count", b2f(unhealthy)},
	}
}

// storeFlow is a store's byte flow as its heartbeats report it.
type storeFlow struct {
	writeBytes float64 // bytes/s written on every peer
	readBytes  float64 // bytes/s read, served by leaders
}

// sortedFlowRegions are the regions with injected traffic, in id order,
// without touching c.flows (callers hold only the read lock).
func (c *Cluster) sortedFlowRegions() []*Region {
	ids := make([]RegionID, 0, len(c.flows))
	for id := range c.flows {
		if c.regions[id] != nil {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	out := make([]*Region, len(ids))
	for i, id := range ids {
		out[i] = c.regions[id]
	}
	return out
}

// pdStoreFlows are the per-store rates PD takes from store heartbeats, the
// same numbers /hotspot/stores serves.
func (c *Cluster) pdStoreFlows() map[StoreID]storeFlow {
	out := map[StoreID]storeFlow{}
	for _, r := range c.sortedFlowRegions() {
		for _, p := range r.Peers {
			f := out[p.StoreID]
			f.writeBytes += r.writeRate
			if p.ID == r.Leader {
				f.readBytes += r.readRate
			}
			out[p.StoreID] = f
		}
	}
	return out
}

// schedulerStoreValues are a store's pd_scheduler_store_status samples.
// pdsim models byte flow only: query, CPU and disk rates are zero, as
// pd-simulator's stores report them.
func (c *Cluster) schedulerStoreValues(s *Store, f storeFlow) []namedValue {
	wk, rk := f.writeBytes/1024, f.readBytes/1024
	return []namedValue{
		{"leader_count", float64(s.leaderCount)},
		{"leader_score", c.leaderScore(s)},
		{"leader_size", float64(s.leaderSize)},
		{"learner_count", float64(s.learnerCount)},
		{"region_count", float64(s.regionCount)},
		{"region_score", c.regionScore(s)},
		{"region_size", float64(s.regionSize)},
		{"witness_count", 0},
		{"store_available", float64(s.Available)},
		{"store_capacity", float64(s.Capacity)},
		{"store_used", float64(s.usedSize())},
		{"store_cpu_usage", 0},
		{"store_disk_read_rate", 0},
		{"store_disk_write_rate", 0},
		{"store_read_cpu_usage", 0},
		{"store_read_cpu_usage_instant", 0},
		{"store_read_query_rate", 0},
		{"store_read_query_rate_instant", 0},
		{"store_read_rate_bytes", f.readBytes},
		{"store_read_rate_bytes_instant", f.readBytes},
		{"store_read_rate_keys", rk},
		{"store_read_rate_keys_instant", rk},
		{"store_regions_write_rate_bytes", f.writeBytes},
		{"store_regions_write_rate_bytes_instant", f.writeBytes},
		{"store_regions_write_rate_keys", wk},
		{"store_regions_write_rate_keys_instant", wk},
		{"store_write_query_rate", 0},
		{"store_write_query_rate_instant", 0},
		{"store_write_rate_bytes", f.writeBytes},
		{"store_write_rate_bytes_instant", f.writeBytes},
		{"store_write_rate_keys", wk},
		{"store_write_rate_keys_instant", wk},
	}
}

// collectProgress exports what /stores/progress shows: removing and
// preparing stores. Like PD, a finished removal keeps its series (progress
// 1, no time left) after the store became Tombstone.
func (pc *pdCollector) collectProgress(e *emitter, s *Store, id string) {
	c, d := pc.c, &pc.d
	if p, ok := c.removeProgress(s); ok {
		e.gauge(d.progress, p.Progress, p.Action, "", id)
		e.gauge(d.eta, p.LeftSeconds, p.Action, "", id)
		e.gauge(d.speed, p.CurrentSpeed, p.Action, "", id)
		if p.Action == "removing" {
			pc.removeSpeed[s.ID] = p.CurrentSpeed
		}
		return
	}
	if s.State == StateTombstone && !s.removeStart.IsZero() {
		e.gauge(d.progress, 1, "removing", "", id)
		e.gauge(d.eta, 0, "removing", "", id)
		e.gauge(d.speed, pc.removeSpeed[s.ID], "removing", "", id)
	}
}

// regionStatusTypes maps pd_regions_status types to pdsim's statistics;
// pdsim has no witnesses, so witness-leader stays zero.
var regionStatusTypes = []struct {
	name string
	flag checkFlags
}{
	{"miss-peer-region-count", flagMissPeer},
	{"extra-peer-region-count", flagExtraPeer},
	{"down-peer-region-count", flagDownPeer},
	{"pending-peer-region-count", flagPendingPeer},
	{"offline-peer-region-count", flagOfflinePeer},
	{"learner-peer-region-count", flagLearnerPeer},
	{"empty-region-count", flagEmptyRegion},
	{"oversized-region-count", flagOversized},
	{"undersized-region-count", flagUndersized},
	{"witness-leader-region-count", 0},
}

// pd_regions_status, pd_regions_label_level, pd_scheduler_hot_peers_summary,
// pd_regions_abnormal_peer_duration_seconds.
func (pc *pdCollector) collectRegions(e *emitter) {
	c, d := pc.c, &pc.d
	for _, t := range regionStatusTypes {
		n := 0
		if t.flag != 0 {
			n = len(c.stats.shown[t.flag])
		}
		e.gauge(d.regionsStatus, float64(n), t.name)
	}
	for _, nv := range c.labelLevels() {
		e.gauge(d.labelLevel, nv.value, nv.name)
	}
	for _, nv := range c.hotPeerSummary() {
		e.gauge(d.hotPeers, nv.value, "tikv", nv.name)
	}
	// PD registers both series at start. pdsim does not time how long peers
	// stay abnormal, so they keep their zero counts.
	for _, t := range []string{"down-peer", "miss-voter-peer"} {
		e.instantHistogram(d.abnormalPeer, pc.abnormalBuckets, 0, t)
	}
}

// labelLevels counts regions by the location-label level at which their
// peers are isolated: the first label (from location-labels, outermost
// first) whose value prefix differs between every pair of peers, or "none".
// With location labels set this visits every region, without allocating
// per region (a scrape takes under 0.1 s at a million regions).
func (c *Cluster) labelLevels() []namedValue {
	levels := c.replicate.LocationLabels
	if len(levels) == 0 {
		return []namedValue{{"none", float64(len(c.regions))}}
	}
	values := make(map[StoreID][]string, len(c.stores))
	for id, s := range c.stores {
		v := make([]string, len(levels))
		for k, l := range levels {
			v[k] = labelValue(s.Labels, l)
		}
		values[id] = v
	}
	counts := make([]float64, len(levels)+1) // last: none
	var buf [8][]string
	for _, r := range c.byKey {
		peers := buf[:0]
		for _, p := range r.Peers {
			peers = append(peers, values[p.StoreID])
		}
		counts[isolationLevel(peers, len(levels))]++
	}
	out := make([]namedValue, 0, len(levels)+1)
	for i, l := range levels {
		out = append(out, namedValue{l, counts[i]})
	}
	return append(out, namedValue{"none", counts[len(levels)]})
}

// isolationLevel is the level a region whose peers' stores have these
// location-label values is isolated at, or n for none: the largest, over
// pairs of peers, of the first level at which the two differ. A nil entry
// (a store pdsim no longer knows) has empty values.
func isolationLevel(peers [][]string, n int) int {
	if len(peers) < 2 {
		return n
	}
	level := 0
	for i := range peers {
		for j := i + 1; j < len(peers); j++ {
			level = max(level, firstDifferentLabel(peers[i], peers[j], n))
		}
	}
	return level
}

func firstDifferentLabel(a, b []string, n int) int {
	for k := 0; k < n; k++ {
		var va, vb string
		if a != nil {
			va = a[k]
		}
		if b != nil {
			vb = b[k]
		}
		if va != vb {
			return k
		}
	}
	return n
}

func labelValue(ls []Label, key string) string {
	for _, l := range ls {
		if l.Key == key {
			return l.Value
		}
	}
	return ""
}

// hotPeerSummary is pd_scheduler_hot_peers_summary: for reads and writes,
// as leader and as any peer, the mean over stores of each store's hot-peer
// load ("exp-") and its coefficient of variation ("stddev-"), over the hot
// peers /hotspot/regions/{read,write} lists. pdsim has no query or CPU
// flow, so those dimensions are zero.
func (c *Cluster) hotPeerSummary() []namedValue {
	type load struct{ bytes, keys, count float64 }
	threshold := int(c.schedule.HotRegionCacheHitsThreshold)
	var stores []StoreID
	for _, s := range c.sortedStores() {
		if s.State != StateTombstone {
			stores = append(stores, s.ID)
		}
	}
	flowRegions := c.sortedFlowRegions()
	var out []namedValue
	for _, rw := range []string{"read", "write"} {
		read := rw == "read"
		for _, view := range []string{"leader", "region"} {
			loads := map[StoreID]*load{}
			for _, id := range stores {
				loads[id] = &load{}
			}
			for _, r := range flowRegions {
				flow := r.writeRate
				if read {
					flow = r.readRate
				}
				if r.hotHits < threshold || flow < hotMinBytesRate {
					continue
				}
				for _, p := range r.Peers {
					l := loads[p.StoreID]
					// Reads are served by leaders; the leader view only has leaders.
					if l == nil || ((read || view == "leader") && p.ID != r.Leader) {
						continue
					}
					l.bytes += flow
					l.keys += flow / 1024
					l.count++
				}
			}
			col := func(get func(*load) float64) []float64 {
				v := make([]float64, 0, len(stores))
				for _, id := range stores {
					v = append(v, get(loads[id]))
				}
				return v
			}
			bytes := col(func(l *load) float64 { return l.bytes })
			keys := col(func(l *load) float64 { return l.keys })
			count := col(func(l *load) float64 { return l.count })
			suffix := "-rate-" + rw + "-" + view
			out = append(out,
				namedValue{"exp-byte" + suffix, mean(bytes)},
				namedValue{"exp-key" + suffix, mean(keys)},
				namedValue{"exp-count" + suffix, mean(count)},
				namedValue{"exp-query" + suffix, 0},
				namedValue{"exp-cpu" + suffix, 0},
				namedValue{"stddev-byte" + suffix, coefVar(bytes)},
				namedValue{"stddev-key" + suffix, coefVar(keys)},
				namedValue{"stddev-query" + suffix, 0},
				namedValue{"stddev-cpu" + suffix, 0},
			)
		}
	}
	return out
}

func mean(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// coefVar is the population standard deviation divided by the mean (0 when
// the mean is 0).
func coefVar(v []float64) float64 {
	m := mean(v)
	if m == 0 {
		return 0
	}
	var ss float64
	for _, x := range v {
		ss += (x - m) * (x - m)
	}
	return math.Sqrt(ss/float64(len(v))) / m
}

// pd_config_status, pd_rule_manager_status, pd_region_label_status.
func (pc *pdCollector) collectConfig(e *emitter) {
	c, d := pc.c, &pc.d
	sc := &c.schedule
	for _, nv := range []namedValue{
		{"affinity-schedule-limit", float64(sc.AffinityScheduleLimit)},
		{"enable-makeup-replica", b2f(sc.EnableMakeUpReplica)},
		{"enable-remove-down-replica", b2f(sc.EnableRemoveDownReplica)},
		{"enable-remove-extra-replica", b2f(sc.EnableRemoveExtraReplica)},
		{"enable-replace-offline-replica", b2f(sc.EnableReplaceOfflineReplica)},
		{"high-space-ratio", sc.HighSpaceRatio},
		{"hot-region-cache-hits-threshold", float64(sc.HotRegionCacheHitsThreshold)},
		{"hot-region-schedule-limit", float64(sc.HotRegionScheduleLimit)},
		{"leader-schedule-limit", float64(sc.LeaderScheduleLimit)},
		{"low-space-ratio", sc.LowSpaceRatio},
		{"max-affinity-merge-region-size", float64(sc.MaxAffinityMergeRegionSize)},
		{"max-merge-region-keys", float64(sc.MaxMergeRegionKeys)},
		{"max-merge-region-size", float64(sc.MaxMergeRegionSize)},
		{"max-pending-peer-count", float64(sc.MaxPendingPeerCount)},
		{"max-replicas", float64(c.replicate.MaxReplicas)},
		{"max-snapshot-count", float64(sc.MaxSnapshotCount)},
		{"merge-schedule-limit", float64(sc.MergeScheduleLimit)},
		{"region-max-keys", regionMaxKeys},
		{"region-max-size", regionMaxSizeMiB},
		{"region-schedule-limit", float64(sc.RegionScheduleLimit)},
		{"region-split-keys", regionSplitKeys},
		{"region-split-size", regionSplitMiB},
		{"replica-schedule-limit", float64(sc.ReplicaScheduleLimit)},
		{"split-scatter-schedule-limit", float64(sc.SplitScatterScheduleLimit)},
		{"tolerant-size-ratio", sc.TolerantSizeRatio},
	} {
		e.gauge(d.config, nv.value, nv.name)
	}
	// pdsim has one placement rule (pd/default) in one group and one
	// region-label rule with one key range (see /config/rules and
	// /config/region-label/rules).
	e.gauge(d.ruleManager, 1, "group_count")
	e.gauge(d.ruleManager, 1, "rule_count")
	e.gauge(d.labeler, 1, "range_count")
	e.gauge(d.labeler, 1, "rule_count")
}

// pd_scheduler_status: "allow" is 1 while a scheduler may create operators
// (not paused, not disabled, scheduling not halted).
func (pc *pdCollector) collectSchedulers(e *emitter) {
	c, d := pc.c, &pc.d
	for _, name := range c.order {
		p := c.sched[name]
		if p == nil {
			continue
		}
		allow := !p.disabled && !p.paused(c.now) && !c.schedule.HaltScheduling
		e.gauge(d.schedulerStatus, b2f(allow), name, "allow")
	}
}

// pd_schedule_operators_count, pd_checker_event_count and
// pd_scheduler_event_count, from the events the model recorded.
func (pc *pdCollector) collectOperators(e *emitter) {
	m, d := &pc.c.metrics, &pc.d
	for k, v := range m.ops {
		e.counter(d.opsCount, v, k[1], k[0])
	}
	emitEvents := func(desc *prometheus.Desc, declared map[string][]string, counted map[[2]string]float64) {
		for typ, names := range declared {
			for _, name := range names {
				e.counter(desc, counted[[2]string{typ, name}], name, typ)
			}
		}
		for k, v := range counted {
			if !containsString(declared[k[0]], k[1]) {
				e.counter(desc, v, k[1], k[0])
			}
		}
	}
	emitEvents(d.checkerEvents, checkerEventNames, m.checker)
	emitEvents(d.schedulerEvents, schedulerEventNames, m.scheduler)
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// pd_maintenance_task_info: 1 for the running task, 0 for tasks that ran
// before (PD keeps their series). Past tasks are those the model recorded
// (simMetrics.maintenanceStarted) and those a scrape saw running.
func (pc *pdCollector) collectMaintenance(e *emitter) {
	if t := pc.c.maint; t != nil {
		pc.tasks[[2]string{t.Type, t.ID}] = true
	}
	for k := range pc.c.metrics.tasks {
		pc.tasks[k] = true
	}
	for k := range pc.tasks {
		running := pc.c.maint != nil && pc.c.maint.Type == k[0] && pc.c.maint.ID == k[1]
		e.gauge(pc.d.maint, b2f(running), k[1], k[0])
	}
}

// ticksBetween counts the ticks of a periodic event in (from, to]. The
// ticks fall on a grid given by next, the model's next tick not yet run.
func ticksBetween(from, to, next time.Time, period time.Duration) uint64 {
	if period <= 0 {
		return 0
	}
	last := next.Add(-period) // the latest tick the model ran
	if to.Before(last) {
		behind := (last.Sub(to) + period - 1) / period
		last = last.Add(-behind * period)
	}
	d := last.Sub(from)
	if d <= 0 {
		return 0
	}
	return uint64((d-1)/period) + 1
}

// collectHeartbeats integrates and exports the heartbeat-driven families.
// A store heartbeats on every store-heartbeat tick up to its last heartbeat
// (a crashed, Tombstone or never-started store stops there), and each of
// its leaders sends a region heartbeat on every region-heartbeat tick up to
// the same time. Leaders are counted as they are at the scrape.
func (pc *pdCollector) collectHeartbeats(e *emitter) {
	c, d := pc.c, &pc.d
	from := pc.last
	pc.last = c.now
	for _, s := range c.sortedStores() {
		if s.State == StateTombstone {
			// PD drops a removed store's heartbeat series.
			delete(pc.hb, s.ID)
			continue
		}
		h := pc.hb[s.ID]
		if h == nil {
			h = &heartbeatCounts{}
			pc.hb[s.ID] = h
		}
		if !s.NeverHeartbeat && !s.LastHeartbeat.IsZero() {
			until := s.LastHeartbeat
			if until.After(c.now) {
				until = c.now
			}
			h.store += ticksBetween(from, until, c.nextStoreHB, c.opts.StoreHeartbeat)
			h.region += ticksBetween(from, until, c.nextRegionHB, c.opts.RegionHeartbeat) * uint64(max(s.leaderCount, 0))
		}
		id := storeLabel(s.ID)
		if h.store > 0 {
			e.instantHistogram(d.storeHBDuration, pc.storeHBBuckets, h.store, s.Address, id)
		}
		if h.region > 0 {
			e.counter(d.regionHB, float64(h.region), s.Address, "recv", id, "report")
			e.counter(d.regionHB, float64(h.region), s.Address, "ok", id, "report")
			e.instantHistogram(d.regionHBDuration, pc.regionHBBuckets, h.region, s.Address, id)
			e.instantHistogram(d.regionHBLatency, pc.latencyBuckets, h.region, s.Address, id)
		}
	}
}
