package observe

import (
	"reflect"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/tikv/pd"
)

// downOn marks the region's replica on the store down for the given time.
func downOn(r pd.RegionInfo, store pd.StoreID, down time.Duration) pd.RegionInfo {
	p, _ := r.PeerOnStore(store)
	r.DownPeers = append(r.DownPeers, pd.DownPeer{Peer: p, DownSeconds: uint64(down / time.Second)})
	return r
}

// A dead store's replicas are evidence on its store-down violation; down
// replicas nothing explains stay a region-down-peer violation.
func TestDownPeersAttributedToSilentStore(t *testing.T) {
	ago := func(d time.Duration) time.Time { return t0.Add(-d) }
	dead := withHeartbeat(upStore(3, 0, 40), ago(90*time.Second))
	live := upStore(2, 10, 40) // heartbeated 5s ago
	sample := func(store pd.StoreID, down time.Duration, ids ...pd.RegionID) []pd.RegionInfo {
		var out []pd.RegionInfo
		for _, id := range ids {
			out = append(out, downOn(region(id, 1, 2, 3), store, down))
		}
		return out
	}
	cases := []struct {
		name      string
		stores    []pd.StoreInfo
		list      *pd.RegionsInfo
		silent    map[pd.StoreID]time.Time // Data.RecentlySilent
		regionsV  bool                     // region-down-peer raised
		storeEvID []uint64                 // down_peer_sample_region_ids on store-down/store=3; nil: none
	}{
		{name: "all on the dead store", stores: []pd.StoreInfo{upStore(1, 1, 1), live, dead},
			list:      &pd.RegionsInfo{Count: 3, Regions: sample(3, 80*time.Second, 10, 14, 18)},
			storeEvID: []uint64{10, 14, 18}},
		{name: "PD's total beyond the sample fits on the dead store", stores: []pd.StoreInfo{upStore(1, 1, 1), live, dead},
			list:      &pd.RegionsInfo{Count: 40, Regions: sample(3, 80*time.Second, 10, 14)},
			storeEvID: []uint64{10, 14}},
		{name: "PD's total is more than the dead store holds", stores: []pd.StoreInfo{upStore(1, 1, 1), live, dead},
			list: &pd.RegionsInfo{Count: 41, Regions: sample(3, 80*time.Second, 10, 14)}, regionsV: true},
		{name: "a down replica on a live store", stores: []pd.StoreInfo{upStore(1, 1, 1), live, dead},
			list:     &pd.RegionsInfo{Count: 3, Regions: append(sample(3, 80*time.Second, 10, 14), sample(2, 10*time.Minute, 18)...)},
			regionsV: true},
		{name: "only live stores", stores: []pd.StoreInfo{upStore(1, 1, 1), live},
			list: &pd.RegionsInfo{Count: 1, Regions: sample(2, 10*time.Minute, 18)}, regionsV: true},
		{name: "a store PD no longer lists", stores: []pd.StoreInfo{upStore(1, 1, 1), live},
			list: &pd.RegionsInfo{Count: 1, Regions: sample(3, 10*time.Minute, 18)}, regionsV: true},
		{name: "count without regions", stores: []pd.StoreInfo{upStore(1, 1, 1), live, dead},
			list: &pd.RegionsInfo{Count: 5}, regionsV: true},
		{name: "store quiet for longer than the replica is down, before DisconnectAfter",
			stores: []pd.StoreInfo{upStore(1, 1, 1), live, withHeartbeat(upStore(3, 0, 40), ago(15*time.Second))},
			list:   &pd.RegionsInfo{Count: 2, Regions: sample(3, 10*time.Second, 10, 14)}},
		{name: "lists read a moment apart: down a little longer than the store is quiet",
			stores: []pd.StoreInfo{upStore(1, 1, 1), live, withHeartbeat(upStore(3, 0, 40), ago(12*time.Second))},
			list:   &pd.RegionsInfo{Count: 2, Regions: sample(3, 15*time.Second, 10, 14)}},
		{name: "a live store's replica down longer than the slack",
			stores: []pd.StoreInfo{upStore(1, 1, 1), live, dead},
			list:   &pd.RegionsInfo{Count: 1, Regions: sample(2, 26*time.Second, 18)}, regionsV: true},
		{name: "store back, PD's list lags, within the grace", stores: []pd.StoreInfo{upStore(1, 1, 1), live, upStore(3, 0, 40)},
			silent: map[pd.StoreID]time.Time{3: ago(time.Minute)},
			list:   &pd.RegionsInfo{Count: 2, Regions: sample(3, 5*time.Minute, 10, 14)}},
		{name: "store back, past the grace", stores: []pd.StoreInfo{upStore(1, 1, 1), live, upStore(3, 0, 40)},
			silent: map[pd.StoreID]time.Time{3: ago(3 * time.Minute)},
			list:   &pd.RegionsInfo{Count: 2, Regions: sample(3, 5*time.Minute, 10, 14)}, regionsV: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := &Data{Stores: tc.stores, RecentlySilent: tc.silent,
				RegionChecks: map[pd.RegionCheck]*pd.RegionsInfo{pd.CheckDownPeer: tc.list}}
			rv := runCheck(t, Config{}, InvRegionDownPeer, d, t0)
			if got := len(rv) == 1; got != tc.regionsV {
				t.Errorf("region-down-peer raised: %v, want %v (%v)", got, tc.regionsV, keys(rv))
			}
			var ids []uint64
			for _, v := range runCheck(t, Config{}, InvStoreDown, d, t0) {
				if v.Key() == "store-down/store=3" {
					ids, _ = v.Evidence["down_peer_sample_region_ids"].([]uint64)
					if ids != nil && v.Evidence["down_peer_regions_total"] != tc.list.Count {
						t.Errorf("down_peer_regions_total %v, want %d", v.Evidence["down_peer_regions_total"], tc.list.Count)
					}
				}
			}
			if !reflect.DeepEqual(ids, tc.storeEvID) {
				t.Errorf("store-down evidence ids %v, want %v", ids, tc.storeEvID)
			}
		})
	}
}

func TestMemoryRemembersSilenceForTheGrace(t *testing.T) {
	m := newMemory()
	s3 := upStore(3, 0, 0)
	isSilent := map[pd.StoreID]bool{3: true}
	silent := func(s pd.StoreInfo) bool { return isSilent[s.Store.ID] }
	grace := 2 * time.Minute
	got := m.observeSilence([]pd.StoreInfo{upStore(1, 1, 1), s3}, silent, t0, grace)
	if !got[3].Equal(t0) || len(got) != 1 {
		t.Fatalf("silent now: %v", got)
	}
	isSilent[3] = false
	if got := m.observeSilence([]pd.StoreInfo{upStore(1, 1, 1), s3}, silent, t0.Add(grace), grace); !got[3].Equal(t0) {
		t.Errorf("forgot the silence inside the grace: %v", got)
	}
	if got := m.observeSilence([]pd.StoreInfo{upStore(1, 1, 1), s3}, silent, t0.Add(grace+time.Second), grace); len(got) != 0 {
		t.Errorf("kept the silence past the grace: %v", got)
	}
	isSilent[3] = true
	m.observeSilence([]pd.StoreInfo{s3}, silent, t0, grace)
	if got := m.observeSilence([]pd.StoreInfo{upStore(1, 1, 1)}, silent, t0, grace); len(got) != 0 || len(m.silent) != 0 {
		t.Errorf("kept a store PD no longer lists: %v", got)
	}
}

// Regions a running operator is changing are a move in progress, not a
// problem; a check raises only when enough regions provably have none.
func TestRegionChecksLeaveOutRegionsUnderAnOperator(t *testing.T) {
	op := func(id pd.RegionID) TrackedOperator {
		return tracked(id, "replace-rule-down-peer", 10*time.Minute, time.Second)
	}
	pending := func(ids ...pd.RegionID) []pd.RegionInfo {
		var out []pd.RegionInfo
		for _, id := range ids {
			r := region(id, 1, 2, 3)
			r.PendingPeers = []pd.RegionPeer{r.Peers[2]}
			out = append(out, r)
		}
		return out
	}
	cases := []struct {
		name      string
		cfg       Config
		list      *pd.RegionsInfo
		ops       []TrackedOperator
		untracked int
		want      bool
		atLeast   int
		summary   string
	}{
		{name: "every region under an operator", list: &pd.RegionsInfo{Count: 3, Regions: pending(5, 6, 7)},
			ops: []TrackedOperator{op(5), op(6), op(7)}},
		{name: "one without", list: &pd.RegionsInfo{Count: 3, Regions: pending(5, 6, 7)},
			ops: []TrackedOperator{op(5), op(7), op(99)}, want: true, atLeast: 1,
			summary: "3 regions have a replica still catching up (first: 5, 6, 7), 2 of them being changed by a PD operator; pending replicas on store 3"},
		{name: "past the sample, operators elsewhere cover the rest", list: &pd.RegionsInfo{Count: 4, Regions: pending(5, 6)},
			ops: []TrackedOperator{op(5), op(6), op(40), op(41)}},
		{name: "past the sample, too few operators elsewhere", list: &pd.RegionsInfo{Count: 5, Regions: pending(5, 6)},
			ops: []TrackedOperator{op(5), op(6), op(40), op(41)}, want: true, atLeast: 1},
		{name: "untracked operators may cover the rest", list: &pd.RegionsInfo{Count: 5, Regions: pending(5, 6)},
			ops: []TrackedOperator{op(5), op(6), op(40)}, untracked: 2},
		{name: "the minimum counts regions without an operator", cfg: Config{PendingPeerMinRegions: 2},
			list: &pd.RegionsInfo{Count: 3, Regions: pending(5, 6, 7)}, ops: []TrackedOperator{op(5), op(6)}},
		{name: "no operators at all", list: &pd.RegionsInfo{Count: 3, Regions: pending(5, 6, 7)}, want: true, atLeast: 3,
			summary: "3 regions have a replica still catching up (first: 5, 6, 7); pending replicas on store 3"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := &Data{Operators: tc.ops, UntrackedOperators: tc.untracked,
				RegionChecks: map[pd.RegionCheck]*pd.RegionsInfo{pd.CheckPendingPeer: tc.list}}
			vs := runCheck(t, tc.cfg, InvRegionPendingPeer, d, t0)
			if !tc.want {
				sameKeys(t, tc.name, vs)
				return
			}
			sameKeys(t, tc.name, vs, InvRegionPendingPeer)
			if len(vs) != 1 {
				return
			}
			if got := vs[0].Evidence["regions_without_operator_at_least"]; got != tc.atLeast {
				t.Errorf("regions_without_operator_at_least %v, want %d", got, tc.atLeast)
			}
			if tc.summary != "" && vs[0].Summary != tc.summary {
				t.Errorf("summary %q\nwant    %q", vs[0].Summary, tc.summary)
			}
		})
	}
}

func TestMemoryOperatorRegionsAfterglow(t *testing.T) {
	m := newMemory()
	ops := []pd.OperatorObject{{RegionID: 5, Desc: "a"}, {RegionID: 6, Desc: "b"}, {RegionID: 7, Desc: "c"}}
	if got := m.observeOperatorRegions(ops, t0, 2); len(got) != 2 {
		t.Fatalf("limit 2 kept %v", got)
	}
	got := m.observeOperatorRegions(nil, t0.Add(operatorAfterglow), 2)
	if len(got) != 2 {
		t.Errorf("forgot finished operators within the afterglow: %v", got)
	}
	if got := m.observeOperatorRegions(nil, t0.Add(operatorAfterglow+time.Second), 2); len(got) != 0 {
		t.Errorf("kept finished operators past the afterglow: %v", got)
	}
}

// An operator that finished between the operator list and the check list
// still covers its region.
func TestRecentlyFinishedOperatorCoversItsRegion(t *testing.T) {
	r := region(5, 1, 2, 3, 4)
	d := &Data{OperatorRegions: map[pd.RegionID]time.Time{5: t0.Add(-time.Second)},
		RegionChecks: map[pd.RegionCheck]*pd.RegionsInfo{pd.CheckExtraPeer: {Count: 1, Regions: []pd.RegionInfo{r}}}}
	sameKeys(t, "just finished", runCheck(t, Config{}, InvRegionExtraPeer, d, t0))
	d.OperatorRegions = nil
	sameKeys(t, "no operator", runCheck(t, Config{}, InvRegionExtraPeer, d, t0), InvRegionExtraPeer)
}
