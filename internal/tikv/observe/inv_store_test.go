package observe

import (
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/tikv/pd"
)

// store-down covers a silent store from its first missed heartbeats
// (warning) to PD's Down (critical), under one dedup key.
func TestStoreDown(t *testing.T) {
	ago := func(d time.Duration) time.Time { return t0.Add(-d) }
	sched := &pd.ScheduleConfig{MaxStoreDownTime: pd.Duration(time.Minute), EnableRemoveDownReplica: true}
	cases := []struct {
		name    string
		cfg     Config
		store   pd.StoreInfo
		sched   *pd.ScheduleConfig
		want    subject.Severity // 0: no violation
		summary string           // exact when set
		has     string           // substring when set
	}{
		{name: "fresh heartbeat", store: upStore(4, 1, 1)},
		{name: "just under 20s", store: withHeartbeat(upStore(4, 1, 1), ago(20*time.Second-time.Millisecond))},
		{name: "exactly 20s, before PD says so", store: withHeartbeat(upStore(4, 1, 1), ago(20*time.Second)), want: subject.Warning,
			summary: "store 4 (tikv-4:20160) has not heartbeated for 20s: PD reports it still Up"},
		{name: "PD says Disconnected", store: withState(withHeartbeat(upStore(4, 1, 1), ago(47*time.Second)), pd.StoreUp, pd.StateNameDisconnected), want: subject.Warning,
			summary: "store 4 (tikv-4:20160) has not heartbeated for 47s: PD reports it Disconnected"},
		{name: "disconnected names when PD will call it Down", sched: sched,
			store: withState(withHeartbeat(upStore(4, 1, 1), ago(47*time.Second)), pd.StoreUp, pd.StateNameDisconnected), want: subject.Warning,
			summary: "store 4 (tikv-4:20160) has not heartbeated for 47s: PD reports it Disconnected; Down after max-store-down-time 1m0s"},
		{name: "PD says Disconnected though our clock is behind", store: withState(withHeartbeat(upStore(4, 1, 1), ago(3*time.Second)), pd.StoreUp, pd.StateNameDisconnected), want: subject.Warning},
		{name: "Down with config", sched: sched, store: withState(withHeartbeat(upStore(4, 0, 60), ago(65*time.Second)), pd.StoreUp, pd.StateNameDown), want: subject.Critical,
			summary: "store 4 (tikv-4:20160) is Down: no heartbeat for 1m5s (max-store-down-time 1m0s); PD is replacing its 60 replicas"},
		{name: "Down without config", store: withState(withHeartbeat(upStore(4, 0, 60), ago(65*time.Second)), pd.StoreUp, pd.StateNameDown), want: subject.Critical,
			summary: "store 4 (tikv-4:20160) is Down: no heartbeat for 1m5s"},
		{name: "Down with replica removal off", sched: &pd.ScheduleConfig{MaxStoreDownTime: pd.Duration(time.Minute)},
			store: withState(withHeartbeat(upStore(4, 0, 60), ago(65*time.Second)), pd.StoreUp, pd.StateNameDown), want: subject.Critical,
			summary: "store 4 (tikv-4:20160) is Down: no heartbeat for 1m5s (max-store-down-time 1m0s)"},
		{name: "never heartbeated, Down", store: withState(withHeartbeat(upStore(4, 0, 0), time.Time{}), pd.StoreUp, pd.StateNameDown), want: subject.Critical,
			summary: "store 4 (tikv-4:20160) is Down: it registered but never heartbeated"},
		{name: "never heartbeated, not Down", store: withHeartbeat(upStore(4, 1, 1), time.Time{}), want: subject.Warning, has: "has never heartbeated"},
		{name: "tombstone ignored", store: withState(withHeartbeat(upStore(4, 1, 1), ago(time.Hour)), pd.StoreTombstone, pd.StateNameTombstone)},
		{name: "silent Offline store", store: withState(withHeartbeat(upStore(4, 1, 1), ago(time.Minute)), pd.StoreOffline, pd.StateNameOffline), want: subject.Warning,
			has: "for 1m0s: PD reports it Offline"},
		{name: "heartbeat from last_heartbeat_ts only", store: func() pd.StoreInfo {
			s := withHeartbeat(upStore(4, 1, 1), ago(30*time.Second))
			s.Store.LastHeartbeat = 0
			return s
		}(), want: subject.Warning, has: "for 30s"},
		{name: "PD clock ahead of ours", store: withHeartbeat(upStore(4, 1, 1), t0.Add(time.Minute))},
		{name: "shorter DisconnectAfter", cfg: Config{DisconnectAfter: 10 * time.Second}, store: withHeartbeat(upStore(4, 1, 1), ago(15*time.Second)), want: subject.Warning},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := &Data{Stores: []pd.StoreInfo{upStore(1, 1, 1), tc.store}, Schedule: tc.sched}
			vs := runCheck(t, tc.cfg, InvStoreDown, d, t0)
			if tc.want == 0 {
				sameKeys(t, tc.name, vs)
				return
			}
			sameKeys(t, tc.name, vs, "store-down/store=4")
			if len(vs) != 1 {
				return
			}
			v := vs[0]
			if v.Severity != tc.want {
				t.Errorf("severity %s, want %s", v.Severity, tc.want)
			}
			phase := map[subject.Severity]string{subject.Warning: "disconnected", subject.Critical: "down"}[tc.want]
			if v.Evidence["phase"] != phase {
				t.Errorf("evidence phase %v, want %s", v.Evidence["phase"], phase)
			}
			if tc.summary != "" && v.Summary != tc.summary {
				t.Errorf("summary %q\nwant    %q", v.Summary, tc.summary)
			}
			if tc.has != "" && !strings.Contains(v.Summary, tc.has) {
				t.Errorf("summary %q lacks %q", v.Summary, tc.has)
			}
		})
	}
}

func TestStoreLowSpace(t *testing.T) {
	disk := func(id pd.StoreID, capacity, avail pd.ByteSize) pd.StoreInfo {
		s := upStore(id, 1, 1)
		s.Status.Capacity, s.Status.Available = capacity, avail
		return s
	}
	cases := []struct {
		name  string
		ratio float64 // PD's low-space-ratio; 0 = absent
		store pd.StoreInfo
		want  subject.Severity // 0 = no violation
	}{
		{name: "70% used", ratio: 0.8, store: disk(3, 1000, 300)},
		{name: "exactly at the warning line", ratio: 0.8, store: disk(3, 1000, 250)},
		{name: "76% used warns", ratio: 0.8, store: disk(3, 1000, 240), want: subject.Warning},
		{name: "exactly at low-space-ratio still warns", ratio: 0.8, store: disk(3, 1000, 200), want: subject.Warning},
		{name: "81% used is critical", ratio: 0.8, store: disk(3, 1000, 190), want: subject.Critical},
		{name: "full disk", ratio: 0.8, store: disk(3, 1000, 0), want: subject.Critical},
		{name: "zero capacity (never heartbeated)", ratio: 0.8, store: disk(3, 0, 0)},
		{name: "available above capacity", ratio: 0.8, store: disk(3, 1000, 2000)},
		{name: "tombstone ignored", ratio: 0.8, store: withState(disk(3, 1000, 10), pd.StoreTombstone, pd.StateNameTombstone)},
		{name: "PD ratio 0.9: 86% warns", ratio: 0.9, store: disk(3, 1000, 140), want: subject.Warning},
		{name: "PD ratio 0.9: 91% critical", ratio: 0.9, store: disk(3, 1000, 90), want: subject.Critical},
		{name: "PD ratio missing: PD's default 0.8", ratio: 0, store: disk(3, 1000, 190), want: subject.Critical},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := &Data{Stores: []pd.StoreInfo{upStore(1, 1, 1), tc.store}, Schedule: &pd.ScheduleConfig{LowSpaceRatio: tc.ratio}}
			vs := runCheck(t, Config{}, InvStoreLowSpace, d, t0)
			if tc.want == 0 {
				sameKeys(t, tc.name, vs)
				return
			}
			sameKeys(t, tc.name, vs, "store-low-space/store=3")
			if len(vs) == 1 && vs[0].Severity != tc.want {
				t.Errorf("severity %s, want %s (%s)", vs[0].Severity, tc.want, vs[0].Summary)
			}
		})
	}
	// The summary a tired SRE reads.
	d := &Data{Stores: []pd.StoreInfo{disk(3, pd.TiB, 100*pd.GiB)}, Schedule: &pd.ScheduleConfig{LowSpaceRatio: 0.8}}
	vs := runCheck(t, Config{}, InvStoreLowSpace, d, t0)
	want := "store 3 (tikv-3:20160) disk is 90.2% used (100GiB of 1TiB free), above PD's low-space-ratio of 80.0%: PD stops moving regions onto it"
	if len(vs) != 1 || vs[0].Summary != want {
		t.Errorf("summary %v\nwant %q", vs, want)
	}
}

func TestStoreOfflineStuck(t *testing.T) {
	offline := withState(upStore(5, 0, 120), pd.StoreOffline, pd.StateNameOffline)
	cases := []struct {
		name     string
		store    pd.StoreInfo
		progress map[pd.StoreID]OfflineProgress
		want     bool
	}{
		{name: "draining for 29m without progress", store: offline, progress: map[pd.StoreID]OfflineProgress{5: {120, t0.Add(-29 * time.Minute)}}},
		{name: "exactly 30m", store: offline, progress: map[pd.StoreID]OfflineProgress{5: {120, t0.Add(-30 * time.Minute)}}, want: true},
		{name: "no memory yet", store: offline},
		{name: "Up again", store: upStore(5, 0, 120), progress: map[pd.StoreID]OfflineProgress{5: {120, t0.Add(-time.Hour)}}},
		{name: "tombstone", store: withState(offline, pd.StoreTombstone, pd.StateNameTombstone), progress: map[pd.StoreID]OfflineProgress{5: {0, t0.Add(-time.Hour)}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			vs := runCheck(t, Config{}, InvStoreOfflineStuck, &Data{Stores: []pd.StoreInfo{tc.store}, Offline: tc.progress}, t0)
			if !tc.want {
				sameKeys(t, tc.name, vs)
				return
			}
			sameKeys(t, tc.name, vs, "store-offline-stuck/store=5")
			want := "store 5 (tikv-5:20160) is Offline but its region count has not gone below 120 for 30m0s: the drain is stuck"
			if len(vs) == 1 && vs[0].Summary != want {
				t.Errorf("summary %q\nwant    %q", vs[0].Summary, want)
			}
		})
	}
}
