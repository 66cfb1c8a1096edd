package observe

import (
	"testing"

	"github.com/operator-dev/operator/internal/tikv/pd"
)

const mib = 1 << 20

func hotPeer(region pd.RegionID, store pd.StoreID, bytes float64) pd.HotPeerStatShow {
	return pd.HotPeerStatShow{RegionID: region, StoreID: store, Stores: []pd.StoreID{store, 8, 9}, IsLeader: true, ByteRate: bytes, KeyRate: bytes / 1024, HotDegree: 4}
}

func hotInfo(peers ...pd.HotPeerStatShow) *pd.StoreHotPeersInfos {
	info := &pd.StoreHotPeersInfos{AsLeader: map[string]pd.HotPeersStat{}, AsPeer: map[string]pd.HotPeersStat{}}
	for _, p := range peers {
		k := p.StoreID.String()
		if p.StoreID == 0 {
			k = "6"
		}
		st := info.AsLeader[k]
		st.Stats = append(st.Stats, p)
		st.Count++
		info.AsLeader[k] = st
	}
	return info
}

func TestHotRegions(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		read bool
		info *pd.StoreHotPeersInfos
		want []string
	}{
		{name: "none", info: hotInfo()},
		{name: "below threshold", info: hotInfo(hotPeer(42, 3, 8*mib-1))},
		{name: "at threshold", info: hotInfo(hotPeer(42, 3, 8*mib)), want: []string{"hot-write-region/region=42"}},
		{name: "store id from the map key", info: hotInfo(hotPeer(42, 0, 32*mib)), want: []string{"hot-write-region/region=42"}},
		{name: "capped, hottest first", cfg: Config{MaxHotRegions: 2},
			info: hotInfo(hotPeer(1, 1, 10*mib), hotPeer(2, 2, 30*mib), hotPeer(3, 3, 20*mib)),
			want: []string{"hot-write-region/region=2", "hot-write-region/region=3"}},
		{name: "read threshold is its own", read: true, info: hotInfo(hotPeer(42, 3, 10*mib))},
		{name: "read hot", read: true, info: hotInfo(hotPeer(42, 3, 16*mib)), want: []string{"hot-read-region/region=42"}},
		{name: "source failed", read: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := &Data{HotWrite: tc.info, Stores: []pd.StoreInfo{upStore(3, 1, 1)}}
			inv := InvHotWriteRegion
			if tc.read {
				d = &Data{HotRead: tc.info}
				inv = InvHotReadRegion
			}
			vs := runCheck(t, tc.cfg, inv, d, t0)
			sameKeys(t, tc.name, vs, tc.want...)
			if tc.name == "at threshold" && len(vs) == 1 {
				want := "region 42 is write-hot: 8MiB/s on its leader in store 3 (tikv-3:20160), threshold 8MiB/s"
				if vs[0].Summary != want {
					t.Errorf("summary %q\nwant    %q", vs[0].Summary, want)
				}
			}
			if tc.name == "capped, hottest first" && len(vs) == 2 && vs[0].Evidence["hot_regions_total"] != 3 {
				t.Errorf("total %v, want 3", vs[0].Evidence["hot_regions_total"])
			}
		})
	}
}

func TestHotStores(t *testing.T) {
	stats := &pd.HotStoreStats{
		BytesWriteStats: map[pd.StoreID]float64{1: 64 * mib, 2: 64*mib - 1, 3: 200 * mib, 4: 200 * mib},
		BytesReadStats:  map[pd.StoreID]float64{1: 127 * mib, 2: 128 * mib},
	}
	d := &Data{HotStores: stats, Stores: []pd.StoreInfo{upStore(1, 1, 1), withState(upStore(3, 0, 0), pd.StoreTombstone, pd.StateNameTombstone),
		withState(upStore(4, 0, 0), pd.StoreUp, pd.StateNameDown)}}
	sameKeys(t, "write", runCheck(t, Config{}, InvHotWriteStore, d, t0), "hot-write-store/store=1")
	vs := runCheck(t, Config{}, InvHotReadStore, d, t0)
	sameKeys(t, "read", vs, "hot-read-store/store=2")
	if len(vs) == 1 && vs[0].Summary != "store 2 is read-hot: 128MiB/s read, threshold 128MiB/s" {
		t.Errorf("summary %q", vs[0].Summary)
	}
	sameKeys(t, "source failed", runCheck(t, Config{}, InvHotWriteStore, &Data{}, t0))
}
