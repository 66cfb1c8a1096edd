package observe

import (
	"reflect"
	"testing"

	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/tikv/pd"
)

func region(id pd.RegionID, stores ...pd.StoreID) pd.RegionInfo {
	r := pd.RegionInfo{ID: id, ApproximateSize: 96}
	for i, s := range stores {
		p := pd.RegionPeer{ID: pd.PeerID(id*10 + pd.RegionID(i)), StoreID: s, RoleName: "Voter"}
		r.Peers = append(r.Peers, p)
		if i == 0 {
			r.Leader = p
		}
	}
	return r
}

func withDownPeer(r pd.RegionInfo, store pd.StoreID) pd.RegionInfo {
	p, _ := r.PeerOnStore(store)
	r.DownPeers = append(r.DownPeers, pd.DownPeer{Peer: p, DownSeconds: 30})
	return r
}

func TestRegionChecks(t *testing.T) {
	downSample := []pd.RegionInfo{
		withDownPeer(region(12, 1, 2, 3), 2), withDownPeer(region(15, 2, 3, 4), 2),
		withDownPeer(region(18, 3, 2, 5), 2), withDownPeer(region(21, 4, 5, 2), 2),
		withDownPeer(region(24, 5, 1, 2), 2), withDownPeer(region(27, 1, 3, 4), 3),
	}
	cases := []struct {
		name    string
		cfg     Config
		inv     string
		kind    pd.RegionCheck
		list    *pd.RegionsInfo
		want    bool
		sev     subject.Severity
		summary string
	}{
		{name: "down peers", inv: InvRegionDownPeer, kind: pd.CheckDownPeer, want: true, sev: subject.Warning,
			list:    &pd.RegionsInfo{Count: 37, Regions: downSample},
			summary: "37 regions have a down replica (first: 12, 15, 18, 21, 24, …); down replicas on stores 2, 3"},
		{name: "one region missing a replica", inv: InvRegionMissPeer, kind: pd.CheckMissPeer, want: true, sev: subject.Warning,
			list:    &pd.RegionsInfo{Count: 1, Regions: []pd.RegionInfo{region(42, 1, 2)}},
			summary: "1 region is missing a replica (region: 42)"},
		{name: "empty list", inv: InvRegionMissPeer, kind: pd.CheckMissPeer, list: &pd.RegionsInfo{Count: 0, Regions: []pd.RegionInfo{}}},
		{name: "source failed", inv: InvRegionMissPeer, kind: pd.CheckMissPeer},
		{name: "below the minimum", cfg: Config{PendingPeerMinRegions: 5}, inv: InvRegionPendingPeer, kind: pd.CheckPendingPeer,
			list: &pd.RegionsInfo{Count: 4, Regions: []pd.RegionInfo{region(1, 1, 2, 3)}}},
		{name: "at the minimum", cfg: Config{PendingPeerMinRegions: 5}, inv: InvRegionPendingPeer, kind: pd.CheckPendingPeer, want: true, sev: subject.Info,
			list: &pd.RegionsInfo{Count: 5, Regions: []pd.RegionInfo{region(1, 1, 2, 3)}}},
		{name: "count without sample", inv: InvRegionExtraPeer, kind: pd.CheckExtraPeer, want: true, sev: subject.Info,
			list:    &pd.RegionsInfo{Count: 3},
			summary: "3 regions have more replicas than the placement rules ask for"},
		{name: "oversized", inv: InvRegionOversized, kind: pd.CheckOversizedRegion, want: true, sev: subject.Info,
			list:    &pd.RegionsInfo{Count: 2, Regions: []pd.RegionInfo{region(8, 1, 2, 3), region(9, 1, 2, 3)}},
			summary: "2 regions are larger than the split size and should split (first: 8, 9)"},
	}
	stores := []pd.StoreInfo{upStore(1, 1, 1), upStore(2, 1, 1), withState(upStore(5, 0, 9), pd.StoreOffline, pd.StateNameOffline)}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := &Data{Stores: stores, RegionChecks: map[pd.RegionCheck]*pd.RegionsInfo{}}
			if tc.list != nil {
				d.RegionChecks[tc.kind] = tc.list
			}
			vs := runCheck(t, tc.cfg, tc.inv, d, t0)
			if !tc.want {
				sameKeys(t, tc.name, vs)
				return
			}
			sameKeys(t, tc.name, vs, tc.inv)
			if len(vs) != 1 {
				return
			}
			if vs[0].Severity != tc.sev {
				t.Errorf("severity %s, want %s", vs[0].Severity, tc.sev)
			}
			if tc.summary != "" && vs[0].Summary != tc.summary {
				t.Errorf("summary %q\nwant    %q", vs[0].Summary, tc.summary)
			}
			if got := vs[0].Evidence["count"]; got != tc.list.Count {
				t.Errorf("evidence count %v, want %d", got, tc.list.Count)
			}
		})
	}
}

// The dedup key must not move while regions enter and leave the list;
// the evidence does.
func TestRegionCheckKeyStableUnderChurn(t *testing.T) {
	var keysSeen []string
	var samples [][]uint64
	for _, list := range []*pd.RegionsInfo{
		{Count: 3, Regions: []pd.RegionInfo{region(4, 1, 2), region(8, 1, 2), region(9, 2, 3)}},
		{Count: 40, Regions: []pd.RegionInfo{region(100, 1, 2), region(200, 3, 2)}},
		{Count: 1, Regions: []pd.RegionInfo{region(7, 1, 3)}},
	} {
		d := &Data{RegionChecks: map[pd.RegionCheck]*pd.RegionsInfo{pd.CheckMissPeer: list}}
		vs := runCheck(t, Config{}, InvRegionMissPeer, d, t0)
		if len(vs) != 1 {
			t.Fatalf("%d violations", len(vs))
		}
		keysSeen = append(keysSeen, vs[0].Key())
		samples = append(samples, vs[0].Evidence["sample_region_ids"].([]uint64))
	}
	if keysSeen[0] != "region-miss-peer" || keysSeen[1] != keysSeen[0] || keysSeen[2] != keysSeen[0] {
		t.Errorf("keys moved with the regions: %v", keysSeen)
	}
	if !reflect.DeepEqual(samples[1], []uint64{100, 200}) {
		t.Errorf("evidence did not follow the regions: %v", samples)
	}
}
