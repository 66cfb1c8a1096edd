package observe

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/ticket"
	"github.com/operator-dev/operator/internal/tikv/pd"
)

// alertStoresFixture: the address forms real clusters register.
func alertStoresFixture() []pd.StoreInfo {
	st := func(id pd.StoreID, addr, status string) pd.StoreInfo {
		return pd.StoreInfo{Store: pd.StoreMeta{ID: id, Address: addr, StatusAddress: status, StateName: pd.StateNameUp}}
	}
	tomb := st(8, "tikv-8:20160", "tikv-8:20180")
	tomb.Store.State, tomb.Store.StateName = pd.StoreTombstone, pd.StateNameTombstone
	return []pd.StoreInfo{
		st(1, "tikv-1:20160", "tikv-1:20180"),
		st(3, "tikv-3:20160", "http://tikv-3:20180"),
		st(4, "10.0.1.4:20160", "10.0.1.4:20180"),
		// Two TiKVs on one host.
		st(5, "10.0.1.5:20160", "10.0.1.5:20180"),
		st(6, "10.0.1.5:20161", "10.0.1.5:20181"),
		// tidb-operator: a pod's DNS name.
		st(7, "basic-tikv-0.basic-tikv-peer.tidb.svc:20160", "basic-tikv-0.basic-tikv-peer.tidb.svc:20180"),
		tomb,
		st(9, "[fd00::9]:20160", ""),
	}
}

func TestMapAlert(t *testing.T) {
	s := &Subject{alertStores: storeAddrsOf(alertStoresFixture())}
	inst := func(v string) map[string]string { return map[string]string{"instance": v, "level": "critical"} }
	cases := []struct {
		name   string
		alert  string
		labels map[string]string
		want   string // the key; "" for no mapping
	}{
		// The table, row by row.
		{"miss peer", "PD_miss_peer_region_count", inst("pd-0:2379"), "region-miss-peer"},
		{"down peer", "PD_down_peer_region_nums", inst("pd-0:2379"), "region-down-peer"},
		{"pending peer", "PD_pending_peer_region_count", inst("pd-0:2379"), "region-pending-peer"},
		{"PD probe", "PD_server_is_down", inst("pd-1:2379"), "pd-unhealthy"},
		{"oversized", "TiKV_approximate_region_size", nil, "region-oversized"},
		{"TiKV probe", "TiKV_server_is_down", inst("tikv-3:20160"), "store-down/store=3"},
		{"unreachable", "TiKV_server_report_failure_msg_total", map[string]string{"store_id": "3"}, "store-down/store=3"},
		{"low space", "TiKV_low_space", inst("tikv-3:20180"), "store-low-space/store=3"},
		{"async write", "TiKV_async_request_write_duration_seconds", inst("tikv-1:20180"), "store-high-latency/store=1"},
		{"async snapshot", "TiKV_async_request_snapshot_duration_seconds", inst("10.0.1.4:20180"), "store-high-latency/store=4"},

		// Cluster-level rows ignore the labels.
		{"cluster row, odd labels", "PD_miss_peer_region_count", map[string]string{"store": "3", "invariant": "store-down"}, "region-miss-peer"},

		// Instance forms.
		{"service address", "TiKV_low_space", inst("tikv-1:20160"), "store-low-space/store=1"},
		{"scheme and path", "TiKV_low_space", inst("http://tikv-3:20180/metrics"), "store-low-space/store=3"},
		{"https", "TiKV_low_space", inst("https://tikv-1:20180"), "store-low-space/store=1"},
		{"upper case", "TiKV_low_space", inst("TIKV-3:20180"), "store-low-space/store=3"},
		{"host only", "TiKV_low_space", inst("tikv-3"), "store-low-space/store=3"},
		{"IP only", "TiKV_low_space", inst("10.0.1.4"), "store-low-space/store=4"},
		{"IP, second TiKV's port", "TiKV_low_space", inst("10.0.1.5:20181"), "store-low-space/store=6"},
		{"pod name", "TiKV_low_space", inst("basic-tikv-0"), "store-low-space/store=7"},
		{"FQDN with dot", "TiKV_low_space", inst("basic-tikv-0.basic-tikv-peer.tidb.svc.:20180"), "store-low-space/store=7"},
		{"IPv6", "TiKV_server_is_down", inst("[fd00::9]:20160"), "store-down/store=9"},
		{"IPv6 bare", "TiKV_server_is_down", inst("fd00::9"), "store-down/store=9"},
		{"surrounding space", "TiKV_low_space", inst(" tikv-3:20180 "), "store-low-space/store=3"},

		// store and store_id labels win over instance, in canonical form.
		{"store label", "TiKV_low_space", map[string]string{"store": "5", "instance": "tikv-1:20180"}, "store-low-space/store=5"},
		{"store_id leading zeros", "TiKV_server_report_failure_msg_total", map[string]string{"store_id": "007"}, "store-down/store=7"},
		{"unparsable store, instance used", "TiKV_low_space", map[string]string{"store": "tikv-3", "instance": "tikv-1:20180"}, "store-low-space/store=1"},

		// No mapping.
		{"two stores on the host", "TiKV_low_space", inst("10.0.1.5"), ""},
		{"other port on a known host", "TiKV_low_space", inst("tikv-3:9100"), ""},
		{"pod name with port", "TiKV_low_space", inst("basic-tikv-0:20180"), ""},
		{"tombstone", "TiKV_server_is_down", inst("tikv-8:20160"), ""},
		{"unknown instance", "TiKV_server_is_down", inst("tikv-99:20160"), ""},
		{"empty instance", "TiKV_server_is_down", inst(""), ""},
		{"no labels", "TiKV_server_is_down", nil, ""},
		{"store_id zero", "TiKV_server_report_failure_msg_total", map[string]string{"store_id": "0"}, ""},
		{"store_id negative", "TiKV_server_report_failure_msg_total", map[string]string{"store_id": "-3"}, ""},
		{"store_id smuggling a label", "TiKV_server_report_failure_msg_total", map[string]string{"store_id": "3,region=1"}, ""},
		{"unknown alert", "Some_other_alert", inst("tikv-3:20180"), ""},
		{"name case differs", "tikv_low_space", inst("tikv-3:20180"), ""},
		{"labels cannot pick an invariant", "Some_other_alert", map[string]string{"invariant": "store-down", "store": "3"}, ""},
		// Cluster-wide store counts name no store (see alerts.go).
		{"down store count", "PD_cluster_down_store_nums", inst("tikv-3:20160"), ""},
		{"down store count, old name", "PD_cluster_offline_tikv_nums", inst("tikv-3:20160"), ""},
		{"lost connect count", "PD_cluster_lost_connect_store_nums", map[string]string{"store": "3"}, ""},
		{"lost connect count, old name", "PD_cluster_lost_connect_tikv_nums", inst("pd-0:2379"), ""},
		{"unhealthy count", "PD_cluster_unhealthy_store_nums", inst("pd-0:2379"), ""},
		{"low space count", "PD_cluster_low_space", inst("pd-0:2379"), ""},
		{"slow count", "PD_cluster_slow_tikv_nums", inst("pd-0:2379"), ""},
		{"cluster space", "PD_cluster_store_space_used_more_than_80%", nil, ""},
		{"leader change", "PD_leader_change", inst("pd-0:2379"), ""},
		{"restart", "TiKV_node_restart", inst("tikv-3:20180"), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inv, labels, ok := s.MapAlert(tc.alert, tc.labels)
			got := ""
			if ok {
				got = ticket.Key(inv, labels)
			}
			if got != tc.want {
				t.Fatalf("MapAlert(%q, %v) = %q, want %q", tc.alert, tc.labels, got, tc.want)
			}
			if !ok && (inv != "" || labels != nil) {
				t.Fatalf("no mapping, yet %q %v", inv, labels)
			}
		})
	}
}

// Every row names an invariant this adapter checks, once per alert.
func TestAlertTableNamesRealInvariants(t *testing.T) {
	cfg, err := Config{}.normalize()
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, inv := range invariants(cfg, true) {
		known[inv.Name()] = true
	}
	seen := map[string]bool{}
	for _, r := range alertRules() {
		if !known[r.invariant] {
			t.Errorf("%s maps to unknown invariant %q", r.alert, r.invariant)
		}
		if seen[r.alert] {
			t.Errorf("%s is in the table twice", r.alert)
		}
		seen[r.alert] = true
	}
}

// Without a store list no store alert maps; once Observe has read one, an
// alert for a dead store gives exactly the key the invariant reports; a
// failed store list keeps the last good one.
func TestMapAlertFollowsObserve(t *testing.T) {
	e := newSimEnv(t, simOpts, Config{}, pd.Config{ReadAttempts: 1})
	down := map[string]string{"instance": "tikv-3:20160"}
	if _, _, ok := e.subj.MapAlert("TiKV_server_is_down", down); ok {
		t.Fatal("mapped a store alert before any store list")
	}
	e.fault(`{"type":"kill-store","store":3}`)
	e.clock.Advance(30 * time.Second)
	vs := e.observeOK()
	for _, labels := range []map[string]string{down, {"instance": "tikv-3:20180"}, {"instance": "tikv-3"}} {
		inv, kl, ok := e.subj.MapAlert("TiKV_server_is_down", labels)
		if !ok {
			t.Fatalf("%v did not map", labels)
		}
		if _, found := vs[ticket.Key(inv, kl)]; !found {
			t.Fatalf("%v maps to %s; the invariant reports %v", labels, ticket.Key(inv, kl), keyList(vs))
		}
	}

	e.fault(`{"type":"pd-errors"}`)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() { // MapAlert runs on API requests, beside the monitor's Observe.
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				e.subj.MapAlert("TiKV_low_space", map[string]string{"instance": "tikv-2:20180"})
			}
		}
	}()
	snap, err := e.subj.Observe(context.Background(), e.clock.Now())
	close(stop)
	wg.Wait()
	if err != nil || len(snap.Failed()) == 0 {
		t.Fatalf("PD errors did not fail the sources: %v", err)
	}
	if inv, kl, ok := e.subj.MapAlert("TiKV_server_is_down", down); !ok || ticket.Key(inv, kl) != "store-down/store=3" {
		t.Fatalf("after a failed store list: %q %v %v", inv, kl, ok)
	}
}

// Labels are outside text: whatever they hold, a store alert maps to a
// store key of digits, or to nothing.
func FuzzMapAlert(f *testing.F) {
	f.Add("tikv-3:20160", "", "")
	f.Add("http://[fd00::9]:20160/x?y#z", "", "")
	f.Add("user@10.0.1.5", "7", "")
	f.Add("", "", "3,region=1")
	f.Add("basic-tikv-0", "%", "18446744073709551616")
	s := &Subject{alertStores: storeAddrsOf(alertStoresFixture())}
	f.Fuzz(func(t *testing.T, instance, store, storeID string) {
		labels := map[string]string{"instance": instance, "store": store, "store_id": storeID}
		inv, kl, ok := s.MapAlert("TiKV_server_is_down", labels)
		if !ok {
			return
		}
		if inv != InvStoreDown || len(kl) != 1 {
			t.Fatalf("%v -> %q %v", labels, inv, kl)
		}
		for _, c := range kl["store"] {
			if c < '0' || c > '9' {
				t.Fatalf("%v -> store %q", labels, kl["store"])
			}
		}
	})
}
