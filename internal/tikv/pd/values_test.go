package pd

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// replayClient serves one named fixture and returns a client for it.
func replayClient(t *testing.T, name string) *Client {
	t.Helper()
	for _, fx := range loadFixtures(t) {
		if fx.Name == name {
			var hits atomic.Int32
			srv := fixtureServer(t, fx, &hits)
			c, err := New(Config{Endpoint: srv.URL, ReadAttempts: 1})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(c.Close)
			return c
		}
	}
	t.Fatalf("fixture %s not found", name)
	return nil
}

// TestFixtureValues pins values a reader of the fixtures can check by eye,
// especially the ones that break when numbers go through float64.
func TestFixtureValues(t *testing.T) {
	ctx := context.Background()

	s, err := replayClient(t, "GET_store_1").GetStore(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if s.Store.LastHeartbeat != 1795554612336753593 || s.Store.NodeState != NodeServing || s.Store.State != StoreUp ||
		s.Store.StateName != StateNameUp || s.Status.Capacity != TiB || s.Status.Available != 1000*GiB ||
		s.Status.LeaderSize != 11760 || s.Status.RegionScore != 29603.574580035016 ||
		!s.Status.LastHeartbeatTS.Equal(time.Date(2026, 11, 24, 21, 10, 12, 336753593, time.UTC)) ||
		!s.Store.LastHeartbeatTime().Equal(s.Status.LastHeartbeatTS) {
		t.Errorf("store 1: %+v", s)
	}

	s, err = replayClient(t, "GET_store_2__offline_physically_destroyed").GetStore(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if s.Store.State != StoreOffline || !s.Store.PhysicallyDestroyed || s.Store.NodeState != NodeRemoving || s.Store.StateName != StateNameOffline {
		t.Errorf("store 2: %+v", s.Store)
	}

	stores, err := replayClient(t, "GET_stores__before_first_heartbeat").GetStores(ctx, GetStoresOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range stores.Stores {
		if st.Store.StateName != StateNameDown || st.Store.LastHeartbeat != 0 || !st.Store.LastHeartbeatTime().IsZero() || st.Status.Capacity != 0 || st.Status.Uptime != 0 {
			t.Errorf("never-heartbeated store: %+v", st)
		}
	}

	cl, err := replayClient(t, "GET_cluster").GetCluster(ctx)
	if err != nil || cl.ID != 7711847962146545671 || cl.MaxPeerCount != 3 {
		t.Errorf("cluster: %+v %v", cl, err)
	}
	m, err := replayClient(t, "GET_members").GetMembers(ctx)
	if err != nil || m.Header.ClusterID != 7711847962146545671 || m.Leader == nil || m.Leader.MemberID != 7991701852439577752 {
		t.Errorf("members: %+v %v", m, err)
	}

	r, err := replayClient(t, "GET_region_id_N__with_down_peer").GetRegion(ctx, 33)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.DownPeers) != 1 || r.DownPeers[0].Peer.StoreID != 2 || r.DownPeers[0].DownSeconds != 86400 || r.Leader.StoreID != 4 || r.ApproximateSize != 96 {
		t.Errorf("region 33: %+v", r)
	}
	r, err = replayClient(t, "GET_region_id_N__with_learner").GetRegion(ctx, 1061)
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := r.PeerOnStore(1); !ok || p.Role != RoleLearner || !p.IsLearner || p.RoleName != "Learner" || r.Epoch.ConfVer != 8 {
		t.Errorf("learner: %+v", r)
	}

	n, err := replayClient(t, "GET_regions_count").GetRegionCount(ctx)
	if err != nil || n != 300 {
		t.Errorf("region count %d %v", n, err)
	}
	ops, err := replayClient(t, "GET_operators__kind_admin").GetOperators(ctx, FilterAdmin)
	if err != nil || ops == nil || len(ops) != 0 {
		t.Errorf("null operator list: %#v %v", ops, err)
	}

	hot, err := replayClient(t, "GET_hotspot_regions_write__hot_store3").GetHotWriteRegions(ctx, HotRegionsOptions{StoreID: 3})
	if err != nil {
		t.Fatal(err)
	}
	if st := hot.AsPeer["3"]; st.Count != 5 || st.StoreByteRate != 174762.6 || len(st.Stats) != 5 || st.Stats[0].Stores[1] != 4 || st.Stats[0].LastUpdateTime.IsZero() {
		t.Errorf("hot store 3: %+v", hot.AsPeer["3"])
	}

	cfg, err := replayClient(t, "GET_config_schedule__halted").GetScheduleConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.HaltScheduling || cfg.MaxStoreDownTime.D() != 30*time.Minute || !cfg.EnableRemoveDownReplica ||
		cfg.StoreLimit[1].AddPeer != 15 || cfg.StoreLimit[5].RemovePeer != 1e8 || string(cfg.Raw["halt-scheduling"]) != `"true"` || len(cfg.Raw) != 49 {
		cfg.Raw = nil
		t.Errorf("schedule config: %+v", cfg)
	}
	rep, err := replayClient(t, "GET_config_replicate").GetReplicationConfig(ctx)
	if err != nil || rep.MaxReplicas != 3 || !rep.EnablePlacementRules || rep.StrictlyMatchLabel || rep.LocationLabels != nil {
		t.Errorf("replicate: %+v %v", rep, err)
	}

	op, err := replayClient(t, "GET_operators_REGION__transfer-leader_finished").GetOperator(ctx, 281)
	if err != nil || op.State != OperatorSuccess || op.CurrentStep != 1 || !op.Kind.Has(OpAdmin|OpLeader) {
		t.Errorf("operator: %+v %v", op, err)
	}
	objs, err := replayClient(t, "GET_operators__object__transfer-leader_running").GetOperatorObjects(ctx)
	if err != nil || len(objs) != 2 || objs[1].Kind != OpAdmin|OpLeader || objs[1].Status != OpStatusStarted || objs[1].Timeout.D() != time.Minute {
		t.Errorf("objects: %+v %v", objs, err)
	}

	prog, err := replayClient(t, "GET_stores_progress__id_5_removing").GetStoreProgress(ctx, 5)
	if err != nil || prog.StoreID != 5 || prog.Action != "removing" || prog.LeftSeconds != 1.7976931348623157e308 {
		t.Errorf("progress: %+v %v", prog, err)
	}
	paused, err := replayClient(t, "GET_schedulers__status_paused_timestamp__one").GetPausedSchedulers(ctx)
	if err != nil || len(paused) != 1 || paused[0].ResumeAt.Sub(paused[0].PausedAt) != 2*time.Minute {
		t.Errorf("paused: %+v %v", paused, err)
	}
	tasks, err := replayClient(t, "GET_v2_maintenance").GetMaintenance(ctx)
	if err != nil || len(tasks) != 1 || tasks[0].ID != "store-1" || tasks[0].Started().Unix() != 1795555146 {
		t.Errorf("maintenance: %+v %v", tasks, err)
	}
}
