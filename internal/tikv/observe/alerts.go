package observe

import (
	"net"
	"strconv"
	"strings"

	"github.com/operator-dev/operator/internal/tikv/pd"
)

// Alertmanager alerts that report one of this adapter's invariants.
//
// A cluster watched by the operator is often also watched by the alert
// rules TiDB ships (tikv/pd metrics/alertmanager/pd.rules.yml, tikv/tikv
// metrics/alertmanager/tikv.rules.yml, and tiup's blacker.rules.yml for
// the blackbox probes). MapAlert tells the API which of those alerts is the
// same problem as one of the invariants, so the alert lands on the
// operator's ticket instead of opening a second one.
//
// Only the fixed table below decides: an alert's name must be in it
// exactly, and its labels only ever supply a store id, which must parse as
// one (or an instance that is a known store's address). Labels and
// annotations are outside text; they never choose an invariant.
//
// Deliberately not mapped:
//
//   - PD's per-cluster store counts: PD_cluster_down_store_nums (formerly
//     PD_cluster_offline_tikv_nums), PD_cluster_lost_connect_store_nums
//     (formerly ..._tikv_nums), PD_cluster_unhealthy_store_nums,
//     PD_cluster_low_space, PD_cluster_slow_tikv_nums. Their expressions sum
//     pd_cluster_status by the PD leader's instance, so the alert says how
//     many stores are down, never which: the matching invariants are keyed
//     by store, and picking "the" store from the last store list would be a
//     guess (two may be down, the alert may be older or newer than the
//     list) that folds a real alert into an unrelated store's ticket.
//   - TiKV_low_space_and_add_region (older tikv.rules.yml): count(...)
//     drops every label, so it cannot name a store either.
//   - PD_cluster_store_space_used_more_than_80% (formerly
//     TiKV_space_used_more_than_80%): the whole cluster's used share; no
//     invariant judges the cluster as a whole.
//   - PD_leader_change: the PD leader moved, which pd-no-leader (PD has no
//     leader now) does not claim.
//   - TiKV_node_restart, TiKV_raft_log_lag, the CPU, thread, memory, GC and
//     etcd alerts: no invariant watches those signals. Nor does any shipped
//     rule say what leader-imbalance, region-imbalance, hot-*-region
//     (keyed by region), operator-stuck or store-offline-stuck say.

// alertScope says where a mapped alert's key labels come from.
type alertScope int

const (
	// alertCluster: the invariant's key has no labels; so does the alert
	// (PD's cluster-wide counts, evaluated on the PD leader).
	alertCluster alertScope = iota
	// alertStore: the key is {store}; the alert names the store by a
	// store/store_id label, or by its instance label (a store's address or
	// status address).
	alertStore
)

// alertRule is one row of the table.
type alertRule struct {
	alert     string
	invariant string
	scope     alertScope
}

// alertRules is the table. Each row's comment says why the alert and the
// invariant are one problem.
func alertRules() []alertRule {
	return []alertRule{
		// pd_regions_status{type="miss_peer_region_count"} > 100: PD's
		// miss-peer region count, the list region-miss-peer reads.
		{"PD_miss_peer_region_count", InvRegionMissPeer, alertCluster},
		// pd_regions_status{type="down-peer-region-count"} > 0: the
		// down-peer list region-down-peer reads.
		{"PD_down_peer_region_nums", InvRegionDownPeer, alertCluster},
		// pd_regions_status{type="pending-peer-region-count"} > 100: the
		// pending-peer list region-pending-peer reads.
		{"PD_pending_peer_region_count", InvRegionPendingPeer, alertCluster},
		// blacker.rules.yml, probe_success{group="pd"} == 0: a PD member
		// does not answer, which GET /health reports as that member
		// unhealthy (pd-unhealthy, one ticket for PD).
		{"PD_server_is_down", InvPDUnhealthy, alertCluster},
		// p99 of tikv_raftstore_region_size > 1 GiB: regions too big,
		// which PD's oversized-region list (region-oversized) reports.
		{"TiKV_approximate_region_size", InvRegionOversized, alertCluster},

		// blacker.rules.yml, probe_success{group="tikv"} == 0, instance
		// the probed TiKV address: the store is not answering, the
		// silence store-down reports from PD's side.
		{"TiKV_server_is_down", InvStoreDown, alertStore},
		// rate of tikv_server_report_failure_msg_total{type="unreachable"}
		// by store_id > 10: the other TiKVs cannot reach store store_id,
		// the peers' view of the same dead or cut-off store.
		{"TiKV_server_report_failure_msg_total", InvStoreDown, alertStore},
		// available/capacity < 0.2 by instance: more than 80% used, PD's
		// default low-space-ratio, which store-low-space judges.
		{"TiKV_low_space", InvStoreLowSpace, alertStore},
		// p99 of the storage engine's async write / snapshot > 1s by
		// instance: the store answers slowly (those waits are part of the
		// gRPC latency store-high-latency measures).
		{"TiKV_async_request_write_duration_seconds", InvStoreHighLatency, alertStore},
		{"TiKV_async_request_snapshot_duration_seconds", InvStoreHighLatency, alertStore},
	}
}

func alertRuleFor(name string) (alertRule, bool) {
	for _, r := range alertRules() {
		if r.alert == name {
			return r, true
		}
	}
	return alertRule{}, false
}

// MapAlert maps an Alertmanager alert onto the invariant and key labels of
// the ticket this adapter would open for the same problem (see
// api.AlertMapper). A store-level alert maps only when it names a store: a
// numeric store or store_id label, or an instance that is exactly one
// known store's address or status address, as of the last successful
// store list. Unknown alerts and unknown instances map to nothing.
func (s *Subject) MapAlert(name string, labels map[string]string) (string, map[string]string, bool) {
	r, ok := alertRuleFor(name)
	if !ok {
		return "", nil, false
	}
	if r.scope == alertCluster {
		return r.invariant, map[string]string{}, true
	}
	s.mu.Lock()
	stores := s.alertStores // replaced whole by Observe, never changed in place
	s.mu.Unlock()
	id, ok := alertStoreID(stores, labels)
	if !ok {
		return "", nil, false
	}
	return r.invariant, storeLabel(id), true
}

// alertStoreID finds the store an alert is about.
func alertStoreID(stores []storeAddrs, labels map[string]string) (pd.StoreID, bool) {
	for _, k := range []string{"store", "store_id"} {
		if id, err := strconv.ParseUint(labels[k], 10, 64); err == nil && id > 0 {
			return pd.StoreID(id), true
		}
	}
	inst := labels["instance"]
	if inst == "" {
		return 0, false
	}
	return storeByInstance(stores, parseHostPort(inst))
}

// storeAddrs is what MapAlert keeps of a store: its id and addresses.
type storeAddrs struct {
	id    pd.StoreID
	addrs []hostPort
}

// storeAddrsOf copies the addresses of a store list (tombstones left out).
func storeAddrsOf(stores []pd.StoreInfo) []storeAddrs {
	out := make([]storeAddrs, 0, len(stores))
	for _, st := range stores {
		if tombstone(st) {
			continue
		}
		sa := storeAddrs{id: st.Store.ID}
		for _, a := range []string{st.Store.Address, st.Store.StatusAddress} {
			if hp := parseHostPort(a); hp.host != "" {
				sa.addrs = append(sa.addrs, hp)
			}
		}
		out = append(out, sa)
	}
	return out
}

// hostPort is an address taken apart, host lower-cased.
type hostPort struct{ host, port string }

// parseHostPort reads the forms an instance label takes: "tikv-3:20180",
// "http://tikv-3:20180/metrics" (blackbox HTTP probes), "10.0.1.7",
// "[fd00::7]:20160", "tikv-3" (targets relabelled to a host or pod name).
func parseHostPort(addr string) hostPort {
	a := strings.TrimSpace(addr)
	if i := strings.Index(a, "://"); i >= 0 {
		a = a[i+3:]
	}
	if i := strings.IndexAny(a, "/?#"); i >= 0 {
		a = a[:i]
	}
	if i := strings.LastIndexByte(a, '@'); i >= 0 {
		a = a[i+1:]
	}
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		host, port = strings.TrimSuffix(strings.TrimPrefix(a, "["), "]"), ""
	}
	return hostPort{host: strings.TrimSuffix(strings.ToLower(host), "."), port: port}
}

// storeByInstance is the one store whose address or status address the
// instance is. With a port, host and port must both match. Without one the
// host alone must match, or, for a bare name ("basic-tikv-0", a pod name
// some setups relabel instance to), the first DNS label of the host
// ("basic-tikv-0.basic-tikv-peer.tidb.svc"). Two stores matching (several
// TiKVs on one host) is no match: a guess could land on the wrong ticket.
func storeByInstance(stores []storeAddrs, want hostPort) (pd.StoreID, bool) {
	if want.host == "" {
		return 0, false
	}
	bare := !strings.ContainsAny(want.host, ".:")
	var found pd.StoreID
	n := 0
	for _, st := range stores {
		for _, a := range st.addrs {
			ok := a.host == want.host && (want.port == "" || a.port == want.port)
			if !ok && want.port == "" && bare {
				first, _, _ := strings.Cut(a.host, ".")
				ok = first == want.host
			}
			if ok {
				found, n = st.id, n+1
				break
			}
		}
	}
	return found, n == 1
}
