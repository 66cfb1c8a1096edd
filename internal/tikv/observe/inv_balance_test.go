package observe

import (
	"strings"
	"testing"

	"github.com/operator-dev/operator/internal/tikv/pd"
)

func TestLeaderImbalance(t *testing.T) {
	stores := func(leaders ...int) []pd.StoreInfo {
		out := make([]pd.StoreInfo, len(leaders))
		for i, n := range leaders {
			out[i] = upStore(pd.StoreID(i+1), n, 300)
		}
		return out
	}
	weighted := stores(100, 100, 100, 200)
	weighted[3].Status.LeaderWeight = 2
	zeroWeight := stores(100, 100, 100, 0)
	zeroWeight[3].Status.LeaderWeight = 0
	paused := stores(150, 150, 150, 0)
	paused[3].Status.PauseLeaderTransferIn = true
	evictCfg := &pd.ScheduleConfig{SchedulersV2: []pd.SchedulerConfig{{Type: "balance-leader"}, {Type: "evict-leader", Args: []string{"4"}}}}
	unhealthy := stores(100, 100, 100, 0, 0, 0, 0)
	unhealthy[3] = withState(unhealthy[3], pd.StoreUp, pd.StateNameDisconnected)
	unhealthy[4] = withState(unhealthy[4], pd.StoreUp, pd.StateNameDown)
	unhealthy[5] = withState(unhealthy[5], pd.StoreOffline, pd.StateNameOffline)
	unhealthy[6] = withState(unhealthy[6], pd.StoreTombstone, pd.StateNameTombstone)

	cases := []struct {
		name     string
		cfg      Config
		stores   []pd.StoreInfo
		schedule *pd.ScheduleConfig
		want     bool
		has      string
	}{
		{name: "balanced", stores: stores(100, 101, 99, 100, 100)},
		{name: "one store pulled leaders", stores: stores(40, 15, 15, 15, 15), want: true,
			has: "leaders are unbalanced: store 1 (tikv-1:20160) leads 40 regions, 2.0x the mean of 20 over 5 healthy stores"},
		{name: "ratio exactly at the threshold", stores: stores(150, 75, 75), cfg: Config{LeaderImbalanceMinDiff: 1}},
		{name: "just beyond the ratio", stores: stores(151, 75, 75), cfg: Config{LeaderImbalanceMinDiff: 1}, want: true},
		{name: "small cluster under the minimum difference", stores: stores(6, 1, 1, 1, 1)},
		{name: "weight 2 may hold twice as many", stores: weighted},
		{name: "leader_weight 0 store left out", stores: zeroWeight},
		{name: "evicted store (pause_leader_transfer_in) left out", stores: paused},
		{name: "evict-leader in schedulers-v2 left out", stores: stores(150, 150, 150, 0), schedule: evictCfg},
		{name: "unhealthy stores left out", stores: unhealthy},
		{name: "one healthy store", stores: stores(500)},
		{name: "no leaders anywhere", stores: stores(0, 0, 0)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			vs := runCheck(t, tc.cfg, InvLeaderImbalance, &Data{Stores: tc.stores, Schedule: tc.schedule}, t0)
			if !tc.want {
				sameKeys(t, tc.name, vs)
				return
			}
			sameKeys(t, tc.name, vs, "leader-imbalance")
			if tc.has != "" && len(vs) == 1 && !strings.Contains(vs[0].Summary, tc.has) {
				t.Errorf("summary %q\nwant    %q", vs[0].Summary, tc.has)
			}
		})
	}
}

func TestRegionImbalance(t *testing.T) {
	stores := func(regions ...int) []pd.StoreInfo {
		out := make([]pd.StoreInfo, len(regions))
		for i, n := range regions {
			out[i] = upStore(pd.StoreID(i+1), 10, n)
		}
		return out
	}
	zero := stores(100, 100, 100, 900)
	zero[3].Status.RegionWeight = 0
	cases := []struct {
		name   string
		stores []pd.StoreInfo
		want   bool
	}{
		{name: "balanced", stores: stores(300, 310, 290)},
		{name: "one store holds far more", stores: stores(600, 200, 200, 200), want: true},
		{name: "beyond the ratio but under the minimum difference", stores: stores(60, 20, 20)},
		{name: "region_weight 0 left out", stores: zero},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			vs := runCheck(t, Config{}, InvRegionImbalance, &Data{Stores: tc.stores}, t0)
			if tc.want {
				sameKeys(t, tc.name, vs, "region-imbalance")
			} else {
				sameKeys(t, tc.name, vs)
			}
		})
	}
}
