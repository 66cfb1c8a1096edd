package observe

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/overview"
	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

// zoned is simOpts with stores spread over three zones.
func zoned() pdsim.Options {
	o := simOpts
	o.Labels = func(id pdsim.StoreID) []pdsim.Label {
		return []pdsim.Label{{Key: "zone", Value: fmt.Sprintf("z%d", uint64(id)%3)}, {Key: "host", Value: "h"}}
	}
	return o
}

// overviewNow observes once at the simulated now and returns what the
// history recorded.
func overviewNow(t *testing.T, e *simEnv, h *overview.History) overview.Overview {
	t.Helper()
	e.observeOK()
	o, ok := h.Latest()
	if !ok {
		t.Fatal("Observe recorded no overview")
	}
	if !o.At.Equal(e.clock.Now()) {
		t.Fatalf("overview at %v, want the snapshot's time %v", o.At, e.clock.Now())
	}
	return o
}

func TestOverviewMatchesTheSimulator(t *testing.T) {
	e := newSimEnv(t, zoned(), Config{}, pd.Config{})
	h := overview.NewHistory(10, 10)
	e.subj.RecordOverview(h)
	r := e.regionWith(0, 0)
	e.fault(fmt.Sprintf(`{"type":"hotspot","region":%d,"bytes_per_second":%d}`, r.ID, 8<<20))
	e.clock.Advance(time.Minute) // a region heartbeat carries the flow
	o := overviewNow(t, e, h)

	stores, err := e.writer.GetStores(t.Context(), pd.GetStoresOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if o.NodeNoun != "store" || o.ShardNoun != "region" || len(o.Nodes) != len(stores.Stores) {
		t.Fatalf("overview: %s/%s, %d nodes; the simulator has %d stores", o.NodeNoun, o.ShardNoun, len(o.Nodes), len(stores.Stores))
	}
	leaders := 0
	for i, st := range stores.Stores {
		n := o.Nodes[i]
		zone, _ := st.Store.Label("zone")
		if n.ID != st.Store.ID.String() || n.Address != st.Store.Address || n.State != "Up" || n.Zone != zone ||
			n.CapacityBytes != uint64(st.Status.Capacity) || n.AvailableBytes != uint64(st.Status.Available) ||
			n.Leaders != st.Status.LeaderCount || n.Shards != st.Status.RegionCount {
			t.Errorf("node %d: %+v\nstore: %+v", i, n, st)
		}
		if n.CapacityBytes == 0 || n.Zone == "" {
			t.Errorf("node %s: no capacity or zone: %+v", n.ID, n)
		}
		leaders += st.Status.LeaderCount
	}
	// The hotspot may have split its region meanwhile: compare with PD's
	// count now, not the number the simulator started with.
	regions, err := e.writer.GetRegionCount(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if o.Shards != regions || leaders != regions {
		t.Errorf("shards %d (leaders %d), want PD's %d regions", o.Shards, leaders, regions)
	}
	// The hot region's peers carry its writes; every other store none.
	for _, n := range o.Nodes {
		_, hasPeer := r.PeerOnStore(mustStoreID(t, n.ID))
		if hasPeer && n.WriteBytesPerSec <= 0 || !hasPeer && n.WriteBytesPerSec != 0 {
			t.Errorf("store %s (peer of the hot region: %v) writes %v B/s", n.ID, hasPeer, n.WriteBytesPerSec)
		}
	}
	var names []string
	for _, c := range o.Health {
		names = append(names, fmt.Sprintf("%s=%d", c.Name, c.Count))
	}
	if got := strings.Join(names, " "); got != "miss-peer=0 down-peer=0 pending-peer=0 extra-peer=0 offline-peer=0 oversized-region=0" {
		t.Errorf("health: %s", got)
	}
	if len(o.Gaps) != 0 {
		t.Errorf("gaps on a healthy read: %v", o.Gaps)
	}
}

func mustStoreID(t *testing.T, s string) pd.StoreID {
	t.Helper()
	var id uint64
	if _, err := fmt.Sscan(s, &id); err != nil {
		t.Fatalf("node id %q: %v", s, err)
	}
	return pd.StoreID(id)
}

// A killed store goes Disconnected, then Down, in the overview as in PD,
// and its regions show in the down-peer count (until PD replaces them).
func TestOverviewShowsAKilledStore(t *testing.T) {
	e := newSimEnv(t, simOpts, Config{}, pd.Config{})
	e.post("/pd/api/v1/config/schedule", `{"max-store-down-time":"1m"}`)
	h := overview.NewHistory(10, 10)
	e.subj.RecordOverview(h)
	e.fault(`{"type":"kill-store","store":2}`)
	for _, step := range []struct {
		after time.Duration
		state string
	}{{10 * time.Second, "Up"}, {20 * time.Second, "Disconnected"}, {60 * time.Second, "Down"}} {
		e.clock.Advance(step.after)
		o := overviewNow(t, e, h)
		for _, n := range o.Nodes {
			want := "Up"
			if n.ID == "2" {
				want = step.state
			}
			if n.State != want {
				t.Errorf("after +%s: store %s is %s, want %s", step.after, n.ID, n.State, want)
			}
		}
		if step.state == "Disconnected" && healthCount(o, "down-peer") == 0 {
			t.Errorf("store 2 is silent but no region counts a down peer: %+v", o.Health)
		}
	}
	if h.Len() != 3 {
		t.Errorf("%d samples after three cycles", h.Len())
	}
}

func healthCount(o overview.Overview, name string) int {
	for _, c := range o.Health {
		if c.Name == name {
			return c.Count
		}
	}
	return -1
}

// A cycle that could not read the store list leaves the last overview in
// place; one that missed other sources says so in Gaps.
func TestOverviewAcrossFailingSources(t *testing.T) {
	e := newSimEnv(t, simOpts, Config{}, pd.Config{})
	h := overview.NewHistory(10, 10)
	e.subj.RecordOverview(h)
	e.observeOK()
	first, _ := h.Latest()

	e.clock.Advance(10 * time.Second)
	e.fault(`{"type":"pd-errors"}`)
	if snap, _ := e.observe(); len(snap.Failed()) == 0 {
		t.Fatal("pd-errors failed no source")
	}
	if got, _ := h.Latest(); !got.At.Equal(first.At) || h.Len() != 1 {
		t.Errorf("a cycle without stores replaced the overview (at %v, %d samples)", got.At, h.Len())
	}

	// pdsim fails every endpoint at once, so one missing source is told
	// to recordOverview directly.
	ok := map[string]bool{SourceStores: true, SourceRegionCheck(pd.CheckMissPeer): true}
	at := t0.Add(time.Hour)
	e.subj.recordOverview(&Data{Stores: []pd.StoreInfo{upStore(1, 1, 1)}}, ok, at)
	got, _ := h.Latest()
	if !got.At.Equal(at) || len(got.Gaps) != len(regionCheckKinds) || !strings.Contains(got.Gaps[0], SourceHotStores) ||
		!strings.Contains(got.Gaps[1], "down-peer count") {
		t.Errorf("overview with missing sources: at %v, gaps %q", got.At, got.Gaps)
	}
}

func TestOverviewWithoutHistoryIsANoOp(t *testing.T) {
	e := newSimEnv(t, simOpts, Config{}, pd.Config{})
	e.observeOK() // no history set: nothing to record, nothing to panic on
	h := overview.NewHistory(10, 10)
	e.subj.RecordOverview(h)
	e.subj.RecordOverview(nil)
	e.observeOK()
	if h.Len() != 0 {
		t.Fatal("a removed history still receives overviews")
	}
}

func TestOverviewLeavesOutTombstones(t *testing.T) {
	d := &Data{Stores: []pd.StoreInfo{upStore(10, 3, 5), upStore(2, 4, 6),
		withState(upStore(3, 0, 0), pd.StoreTombstone, pd.StateNameTombstone)}}
	d.Stores[1].Store.StateName = "" // an older PD: the stored state is all there is
	o := OverviewOf(d, t0)
	if len(o.Nodes) != 2 || o.Nodes[0].ID != "2" || o.Nodes[1].ID != "10" || o.Nodes[0].State != "Up" || o.Shards != 7 {
		t.Fatalf("overview: %+v", o)
	}
	if len(o.Health) != 0 || o.Nodes[0].WriteBytesPerSec != 0 {
		t.Fatalf("health or rates without their sources: %+v", o)
	}
}
