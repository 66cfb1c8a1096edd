package pd_test

import (
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

func TestSimHotspot(t *testing.T) {
	e := newSimEnv(t, pdsim.Options{}, nil)
	r := e.pickRegion()
	e.inject(pdsim.Fault{Type: "hotspot", Region: uint64(r.ID), BytesPerSecond: 4 << 20})
	// PD counts a region hot after hot-region-cache-hits-threshold (3)
	// region heartbeats (every 60 s) above the threshold.
	e.advance(4*time.Minute + time.Second)
	hot, err := e.pd.GetHotWriteRegions(e.ctx(), pd.HotRegionsOptions{})
	must(t, "hot write regions", err)
	if len(hot.AsPeer) != 5 || len(hot.AsLeader) != 5 {
		t.Fatalf("hot write: %d as_peer, %d as_leader stores", len(hot.AsPeer), len(hot.AsLeader))
	}
	r = e.region(r.ID)
	for sid := range storeIDs(r) {
		st := hot.AsPeer[sid.String()]
		found := false
		for _, h := range st.Stats {
			if h.RegionID == r.ID {
				found = h.ByteRate > 0 && h.StoreID == sid && h.HotDegree >= 3
			}
		}
		if !found || st.Count < 1 || st.TotalBytesRate <= 0 {
			t.Errorf("store %d as_peer does not show hot region %d: %+v", sid, r.ID, st)
		}
	}
	if lead := hot.AsLeader[r.Leader.StoreID.String()]; lead.Count != 1 || len(lead.Stats) != 1 || !lead.Stats[0].IsLeader {
		t.Errorf("leader store %d as_leader: %+v", r.Leader.StoreID, lead)
	}
	one, err := e.pd.GetHotWriteRegions(e.ctx(), pd.HotRegionsOptions{StoreID: r.Leader.StoreID})
	must(t, "hot write of one store", err)
	if len(one.AsPeer) != 1 {
		t.Errorf("store_id filter: %d stores", len(one.AsPeer))
	}
	_, err = e.pd.GetHotWriteRegions(e.ctx(), pd.HotRegionsOptions{StoreID: 99})
	wantPDError(t, "hot regions of a missing store", err, pd.ErrNotFound)
	read, err := e.pd.GetHotReadRegions(e.ctx(), pd.HotRegionsOptions{})
	must(t, "hot read regions", err)
	if len(read.AsPeer) != 5 {
		t.Errorf("hot read: %d stores", len(read.AsPeer))
	}

	rates, err := e.pd.GetHotStores(e.ctx())
	must(t, "hot stores", err)
	for id := pd.StoreID(1); id <= 5; id++ {
		v, ok := rates.BytesWriteStats[id]
		if !ok {
			t.Errorf("bytes-write-rate has no store %d", id)
		}
		if storeIDs(r)[id] != (v > 0) {
			t.Errorf("store %d: write rate %v (holds hot region: %v)", id, v, storeIDs(r)[id])
		}
	}
}

func TestSimClusterInfo(t *testing.T) {
	e := newSimEnv(t, pdsim.Options{}, nil)
	ctx := e.ctx()
	must(t, "ping", e.pd.Ping(ctx))
	cl, err := e.pd.GetCluster(ctx)
	must(t, "cluster", err)
	if cl.ID == 0 || cl.MaxPeerCount != 3 {
		t.Errorf("cluster: %+v", cl)
	}
	cs, err := e.pd.GetClusterStatus(ctx)
	must(t, "cluster status", err)
	if !cs.IsInitialized || !cs.RaftBootstrapTime.Equal(simStart) {
		t.Errorf("cluster status: %+v", cs)
	}
	health, err := e.pd.GetHealth(ctx)
	must(t, "health", err)
	if len(health) == 0 || !health[0].Health || health[0].Name == "" {
		t.Errorf("health: %+v", health)
	}
	members, err := e.pd.GetMembers(ctx)
	must(t, "members", err)
	if len(members.Members) == 0 || members.Leader == nil || members.Header.ClusterID != cl.ID {
		t.Fatalf("members: %+v", members)
	}
	leader, err := e.pd.GetLeader(ctx)
	must(t, "leader", err)
	if leader.MemberID != members.Leader.MemberID || leader.Name == "" || len(leader.ClientURLs) == 0 || leader.ClientURLs[0] != e.url {
		t.Errorf("leader %+v, members say %+v, server at %s", leader, members.Leader, e.url)
	}
	v, err := e.pd.GetVersion(ctx)
	must(t, "version", err)
	if v.Version == "" {
		t.Errorf("version: %+v", v)
	}
	sc, err := e.pd.GetScheduleConfig(ctx)
	must(t, "schedule config", err)
	if sc.MaxStoreDownTime.D() != 30*time.Minute || sc.LeaderScheduleLimit == 0 || sc.ReplicaScheduleLimit == 0 ||
		!bool(sc.EnableMakeUpReplica) || len(sc.Raw) == 0 || bool(sc.HaltScheduling) {
		t.Errorf("schedule config: %+v", sc)
	}
	rc, err := e.pd.GetReplicationConfig(ctx)
	must(t, "replication config", err)
	if rc.MaxReplicas != 3 || !bool(rc.EnablePlacementRules) {
		t.Errorf("replication config: %+v", rc)
	}
	scheds, err := e.pd.GetSchedulers(ctx, pd.SchedulersAll)
	must(t, "schedulers", err)
	if !strings.Contains(strings.Join(scheds, ","), "balance-leader-scheduler") {
		t.Errorf("schedulers: %v", scheds)
	}
	chk, err := e.pd.GetChecker(ctx, pd.CheckerRule)
	must(t, "checker", err)
	if chk.Paused {
		t.Error("rule checker paused at start")
	}
	ops, err := e.pd.GetOperators(ctx)
	must(t, "operators", err)
	objs, err := e.pd.GetOperatorObjects(ctx)
	must(t, "operator objects", err)
	if len(ops) != len(objs) {
		t.Errorf("%d operators as text, %d as objects", len(ops), len(objs))
	}
	admin, err := e.pd.GetOperators(ctx, pd.FilterAdmin)
	must(t, "admin operators", err)
	if len(admin) != 0 {
		t.Errorf("admin operators at start: %+v", admin)
	}
	tasks, err := e.pd.GetMaintenance(ctx)
	must(t, "maintenance", err)
	if len(tasks) != 0 {
		t.Errorf("maintenance at start: %+v", tasks)
	}
}
