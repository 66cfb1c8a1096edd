package rehearse

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/tikv/actions"
	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

var t0 = time.Date(2026, 11, 24, 21, 0, 0, 0, time.UTC)

// liveEnv is the "live" cluster: a pdsim on a clock nobody moves, behind
// real HTTP, with the read-only client a rehearsal gets. It records every
// request method, so a test can prove the rehearsal never wrote.
type liveEnv struct {
	t     *testing.T
	pd    *pd.Client
	mu    sync.Mutex
	calls map[string]int // method -> count
}

func newLive(t *testing.T, opts pdsim.Options) *liveEnv {
	t.Helper()
	opts.Clock = pdsim.NewManualClock(t0)
	c := pdsim.New(opts)
	e := &liveEnv{t: t, calls: map[string]int{}}
	sim := pdsim.NewServer(c, "http://127.0.0.1:2379")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.calls[r.Method]++
		e.mu.Unlock()
		sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	client, err := pd.New(pd.Config{Endpoint: srv.URL, ReadOnly: true, RetryBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.Close)
	e.pd = client
	return e
}

// state is what must not change on the live cluster: its regions, its
// operators and its schedule config.
func (e *liveEnv) state() string {
	e.t.Helper()
	ctx := context.Background()
	regions, err := e.pd.GetRegions(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	ops, err := e.pd.GetOperatorObjects(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	cfg, err := e.pd.GetScheduleConfig(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	stores, err := e.pd.GetStores(ctx, pd.GetStoresOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	var states []string
	for _, s := range stores.Stores {
		states = append(states, string(s.Store.StateName))
	}
	b, _ := json.Marshal([]any{regions, ops, cfg.Raw, states})
	return string(b)
}

func (e *liveEnv) writes() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for m, c := range e.calls {
		if m != http.MethodGet {
			n += c
		}
	}
	return n
}

// rehearse runs a rehearsal and checks the live cluster did not change
// and was never sent a write.
func (e *liveEnv) rehearse(t *testing.T, name string, params map[string]any, opts Options) *outcome {
	t.Helper()
	before := e.state()
	out, err := rehearse(context.Background(), e.pd, name, params, opts)
	if err != nil {
		t.Fatalf("rehearse %s: %v", name, err)
	}
	if after := e.state(); after != before {
		t.Fatalf("the live cluster changed during the rehearsal of %s", name)
	}
	if n := e.writes(); n != 0 {
		t.Fatalf("the live PD received %d non-GET request(s): %v", n, e.calls)
	}
	return out
}

func (e *liveEnv) region(id pd.RegionID) pd.RegionInfo {
	e.t.Helper()
	r, err := e.pd.GetRegion(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return *r
}

// aRegion is some region of the live cluster (the fifth, away from the
// ends of the key space).
func (e *liveEnv) aRegion() pd.RegionInfo {
	e.t.Helper()
	all, err := e.pd.GetRegions(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	if len(all.Regions) < 5 {
		e.t.Fatalf("only %d regions", len(all.Regions))
	}
	return e.region(all.Regions[4].ID)
}

// storeWithout is a store holding no replica of r.
func (e *liveEnv) storeWithout(r pd.RegionInfo) pd.StoreID {
	e.t.Helper()
	for id := pd.StoreID(1); id <= 5; id++ {
		if _, ok := r.PeerOnStore(id); !ok {
			return id
		}
	}
	e.t.Fatalf("region %d has a replica on every store", r.ID)
	return 0
}

// follower is a store holding a voter of r that does not lead it.
func follower(t *testing.T, r pd.RegionInfo) pd.StoreID {
	t.Helper()
	for _, p := range r.Peers {
		if p.StoreID != r.Leader.StoreID {
			return p.StoreID
		}
	}
	t.Fatalf("region %d has no follower", r.ID)
	return 0
}

func spec(t *testing.T, name string) *subject.ActionSpec {
	t.Helper()
	for _, s := range actions.Registry() {
		if s.Name == name {
			return &s
		}
	}
	t.Fatalf("no registry entry %s", name)
	return nil
}

func TestSplitRegion(t *testing.T) {
	e := newLive(t, pdsim.Options{Stores: 5, Regions: 30})
	r := e.aRegion()
	out := e.rehearse(t, actions.SplitRegion, map[string]any{"region_id": float64(r.ID), "policy": "approximate"},
		Options{Spec: spec(t, actions.SplitRegion)})
	if !out.OK {
		t.Fatalf("not OK: %s", out.Message)
	}
	if out.RegionsMoved != 0 || out.BytesMoved != 0 {
		t.Fatalf("a split moved %d regions, %d bytes", out.RegionsMoved, out.BytesMoved)
	}
	if out.regionsAt[1] != out.regionsAt[0]+1 {
		t.Fatalf("regions %d -> %d, want one more", out.regionsAt[0], out.regionsAt[1])
	}
	// The snapshot holds the region and its two neighbours.
	if out.regionsAt[0] != 3 {
		t.Fatalf("the snapshot holds %d regions, want the region and its 2 neighbours", out.regionsAt[0])
	}
	if want := []string{"split region with policy APPROXIMATE"}; !reflect.DeepEqual(out.Steps, want) {
		t.Fatalf("steps %q, want %q", out.Steps, want)
	}
	if out.Seconds <= 0 || out.Seconds > 5 {
		t.Fatalf("a split took %.1fs simulated", out.Seconds)
	}
}

func TestTransferLeader(t *testing.T) {
	e := newLive(t, pdsim.Options{Stores: 5, Regions: 30})
	r := e.aRegion()
	to := follower(t, r)
	out := e.rehearse(t, actions.TransferLeader, map[string]any{"region_id": r.ID, "to_store_id": int(to)},
		Options{Spec: spec(t, actions.TransferLeader)})
	if !out.OK {
		t.Fatalf("not OK: %s", out.Message)
	}
	want := []string{"transfer leader from store " + itoa(r.Leader.StoreID) + " to store " + itoa(to)}
	if !reflect.DeepEqual(out.Steps, want) {
		t.Fatalf("steps %q, want %q", out.Steps, want)
	}
	if out.RegionsMoved != 0 || out.BytesMoved != 0 {
		t.Fatalf("a leader transfer moved %d regions, %d bytes", out.RegionsMoved, out.BytesMoved)
	}
	if !strings.Contains(out.Message, "ended SUCCESS") {
		t.Fatalf("message %q", out.Message)
	}
	// The live cluster's leader did not move.
	if got := e.region(r.ID).Leader.StoreID; got != r.Leader.StoreID {
		t.Fatalf("live leader moved to store %d", got)
	}
}

func TestAddAndTransferPeerMoveTheRegionsBytes(t *testing.T) {
	e := newLive(t, pdsim.Options{Stores: 5, Regions: 30})
	r := e.aRegion()
	size := r.ApproximateSize << 20
	if size == 0 {
		t.Fatal("region has no size")
	}
	to := e.storeWithout(r)
	cases := []struct {
		name   string
		params map[string]any
	}{
		{actions.AddPeer, map[string]any{"region_id": r.ID, "store_id": to}},
		{actions.TransferPeer, map[string]any{"region_id": r.ID, "from_store_id": follower(t, r), "to_store_id": to}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := e.rehearse(t, tc.name, tc.params, Options{Spec: spec(t, tc.name)})
			if !out.OK {
				t.Fatalf("not OK: %s", out.Message)
			}
			if out.RegionsMoved != 1 || out.BytesMoved != size {
				t.Fatalf("moved %d regions, %d bytes; want 1 and the region's %d", out.RegionsMoved, out.BytesMoved, size)
			}
			if len(out.Steps) == 0 || !strings.HasPrefix(out.Steps[0], "add learner peer") || !strings.Contains(out.Steps[0], "on store "+itoa(to)) {
				t.Fatalf("steps %q", out.Steps)
			}
		})
	}
}

// A removed replica leaves the region short of one: the invariants the
// monitor evaluates afterwards still see it (the rule checker is paused,
// as the executor pauses it).
func TestRemovePeerLeavesAMissingReplica(t *testing.T) {
	e := newLive(t, pdsim.Options{Stores: 5, Regions: 30})
	r := e.aRegion()
	out := e.rehearse(t, actions.RemovePeer, map[string]any{"region_id": r.ID, "store_id": follower(t, r)},
		Options{Spec: spec(t, actions.RemovePeer)})
	if !out.OK {
		t.Fatalf("not OK: %s", out.Message)
	}
	if out.RegionsMoved != 0 || out.BytesMoved != 0 {
		t.Fatalf("a removal moved %d regions", out.RegionsMoved)
	}
	if !reflect.DeepEqual(out.InvariantsAfter, []string{"region-miss-peer"}) {
		t.Fatalf("invariants after %q, want the region's missing replica", out.InvariantsAfter)
	}
}

// Neighbours in the generated cluster sit on stores that differ by one:
// the merge first moves one replica of the source to line them up.
func TestMergeRegionAlignsReplicas(t *testing.T) {
	e := newLive(t, pdsim.Options{Stores: 5, Regions: 30})
	r := e.aRegion()
	sib, err := e.pd.GetRegionSiblings(context.Background(), r.ID)
	if err != nil || len(sib.Regions) != 2 {
		t.Fatalf("siblings of %d: %v %v", r.ID, sib, err)
	}
	target := sib.Regions[1]
	out := e.rehearse(t, actions.MergeRegion, map[string]any{"region_id": r.ID, "target_region_id": target.ID},
		Options{Spec: spec(t, actions.MergeRegion)})
	if !out.OK {
		t.Fatalf("not OK: %s", out.Message)
	}
	if out.RegionsMoved != 1 || out.BytesMoved != r.ApproximateSize<<20 {
		t.Fatalf("moved %d regions, %d bytes; want the source's one replica, %d bytes", out.RegionsMoved, out.BytesMoved, r.ApproximateSize<<20)
	}
	if out.regionsAt[1] != out.regionsAt[0]-1 {
		t.Fatalf("regions %d -> %d, want one fewer", out.regionsAt[0], out.regionsAt[1])
	}
	if last := out.Steps[len(out.Steps)-1]; last != "merge region "+itoa(r.ID)+" into region "+itoa(target.ID) {
		t.Fatalf("last step %q", last)
	}
}

func TestDrainStore(t *testing.T) {
	e := newLive(t, pdsim.Options{Stores: 5, Regions: 20})
	st, err := e.pd.GetStore(context.Background(), 5)
	if err != nil {
		t.Fatal(err)
	}
	n := st.Status.RegionCount
	if n == 0 {
		t.Fatal("store 5 holds no regions")
	}
	out := e.rehearse(t, actions.DrainStore, map[string]any{"store_id": 5}, Options{Spec: spec(t, actions.DrainStore)})
	if !out.OK {
		t.Fatalf("not OK: %s", out.Message)
	}
	if out.RegionsMoved != n || out.moves != n {
		t.Fatalf("moved %d replicas of %d regions, want the store's %d", out.moves, out.RegionsMoved, n)
	}
	if want := int64(n) * (st.Status.RegionSize / int64(n)) << 20; out.BytesMoved != want {
		t.Fatalf("moved %d bytes, want %d", out.BytesMoved, want)
	}
	if !strings.Contains(out.Message, "Tombstone") {
		t.Fatalf("the whole store was in the snapshot, so it should end Tombstone: %s", out.Message)
	}
	if len(out.Steps) < 2 || out.Steps[0] != "set store 5 Offline (DELETE /store/5)" || !strings.HasPrefix(out.Steps[1], "replicas moved: ") {
		t.Fatalf("steps %q", out.Steps)
	}
	// Nothing is left broken: store 5 is gone, every region has its three
	// replicas on the four others, which stay balanced.
	if len(out.InvariantsAfter) != 0 {
		t.Fatalf("invariants after the drain: %q", out.InvariantsAfter)
	}
	if out.Seconds <= 0 || out.Seconds > spec(t, actions.DrainStore).Timeout.Seconds() {
		t.Fatalf("took %.0fs", out.Seconds)
	}
}

func TestDrainStoreCapped(t *testing.T) {
	e := newLive(t, pdsim.Options{Stores: 5, Regions: 40})
	out := e.rehearse(t, actions.DrainStore, map[string]any{"store_id": 5}, Options{MaxRegions: 5})
	if !out.OK {
		t.Fatalf("not OK: %s", out.Message)
	}
	if out.RegionsMoved != 5 {
		t.Fatalf("moved %d regions, want the 5 the snapshot held", out.RegionsMoved)
	}
	if !strings.Contains(out.Message, "capped: the snapshot holds 5 of the store's 24 regions") {
		t.Fatalf("message does not say it was capped: %s", out.Message)
	}
	if !strings.Contains(out.Message, "Offline with 19 live region(s) the snapshot does not hold") {
		t.Fatalf("message does not say the store stays Offline: %s", out.Message)
	}
}

func TestEvictLeaders(t *testing.T) {
	e := newLive(t, pdsim.Options{Stores: 5, Regions: 20})
	st, err := e.pd.GetStore(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	out := e.rehearse(t, actions.EvictLeader, map[string]any{"store_id": 2}, Options{Spec: spec(t, actions.EvictLeader)})
	if !out.OK {
		t.Fatalf("not OK: %s", out.Message)
	}
	if out.RegionsMoved != 0 || out.BytesMoved != 0 {
		t.Fatalf("evicting leaders moved %d regions", out.RegionsMoved)
	}
	if len(out.Steps) != 2 || !strings.HasPrefix(out.Steps[1], "leaders moved: ") {
		t.Fatalf("steps %q", out.Steps)
	}
	moved := 0
	for _, part := range strings.Split(strings.TrimPrefix(out.Steps[1], "leaders moved: "), ", ") {
		var store, n int
		if _, err := sscan(part, &store, &n); err != nil {
			t.Fatalf("step part %q: %v", part, err)
		}
		if store == 2 {
			t.Fatalf("a leader moved onto the evicted store: %q", out.Steps[1])
		}
		moved += n
	}
	if moved != st.Status.LeaderCount {
		t.Fatalf("%d leaders moved, store 2 led %d", moved, st.Status.LeaderCount)
	}
}

func TestRefusedOperator(t *testing.T) {
	e := newLive(t, pdsim.Options{Stores: 5, Regions: 30})
	r := e.aRegion()
	to := e.storeWithout(r)
	out := e.rehearse(t, actions.TransferLeader, map[string]any{"region_id": r.ID, "to_store_id": to}, Options{})
	if out.OK {
		t.Fatalf("a transfer to a store without a voter was OK: %s", out.Message)
	}
	if want := "PD refused transfer_leader: region has no voter in store " + itoa(to); out.Message != want {
		t.Fatalf("message %q, want %q", out.Message, want)
	}
	if len(out.Steps) != 0 || out.Seconds != 0 {
		t.Fatalf("a refusal ran: steps %q, %.1fs", out.Steps, out.Seconds)
	}

	// A region the live PD does not know is refused the same way.
	out = e.rehearse(t, actions.SplitRegion, map[string]any{"region_id": 999999, "policy": "scan"}, Options{})
	if out.OK || !strings.Contains(out.Message, "region 999999 not found") {
		t.Fatalf("split of a missing region: OK=%v %q", out.OK, out.Message)
	}
}

func TestConfigChange(t *testing.T) {
	e := newLive(t, pdsim.Options{Stores: 5, Regions: 30})
	out := e.rehearse(t, actions.SetLeaderScheduleLimit, map[string]any{"value": 8}, Options{Spec: spec(t, actions.SetLeaderScheduleLimit)})
	if !out.OK {
		t.Fatalf("not OK: %s", out.Message)
	}
	if want := []string{"leader-schedule-limit 4 -> 8"}; !reflect.DeepEqual(out.Steps, want) {
		t.Fatalf("steps %q, want %q", out.Steps, want)
	}
	if out.RegionsMoved != 0 || out.BytesMoved != 0 || out.Seconds != 0 {
		t.Fatalf("a config change moved %d regions in %.1fs", out.RegionsMoved, out.Seconds)
	}
	if out.regionsAt[0] != 0 {
		t.Fatalf("a config change read %d regions", out.regionsAt[0])
	}

	out = e.rehearse(t, actions.SetLowSpaceRatio, map[string]any{"value": 0.6}, Options{})
	if out.OK || !strings.Contains(out.Message, "low-space-ratio") {
		t.Fatalf("a ratio below high-space-ratio: OK=%v %q", out.OK, out.Message)
	}
}

func TestRefusesAWritableClient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the rehearsal sent %s %s to PD", r.Method, r.URL.Path)
	}))
	defer srv.Close()
	w, err := pd.New(pd.Config{Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Rehearse(context.Background(), w, actions.TransferLeader, map[string]any{"region_id": 1, "to_store_id": 2}, Options{})
	if !errors.Is(err, ErrWritableClient) {
		t.Fatalf("err %v, want ErrWritableClient", err)
	}
}

func TestNotRehearsableAndBadParams(t *testing.T) {
	e := newLive(t, pdsim.Options{Stores: 3, Regions: 3})
	ctx := context.Background()
	if _, err := Rehearse(ctx, e.pd, actions.CancelOperator, map[string]any{"region_id": 1}, Options{}); !errors.Is(err, ErrNotRehearsable) {
		t.Fatalf("cancel_operator: %v, want ErrNotRehearsable", err)
	}
	if _, err := Rehearse(ctx, e.pd, "reboot_everything", nil, Options{}); !errors.Is(err, ErrNotRehearsable) {
		t.Fatalf("unknown action: %v, want ErrNotRehearsable", err)
	}
	if _, err := Rehearse(ctx, e.pd, actions.TransferLeader, map[string]any{"region_id": "x"}, Options{}); !errors.Is(err, ErrParams) {
		t.Fatalf("bad params: %v, want ErrParams", err)
	}
	if n := e.writes(); n != 0 {
		t.Fatalf("%d writes reached the live PD", n)
	}
}

// The action names the rehearsal knows are the registry's.
func TestEveryRegistryActionIsPlannedOrNamedUnrehearsable(t *testing.T) {
	for _, s := range actions.Registry() {
		_, err := planFor(s.Name, map[string]any{})
		if errors.Is(err, ErrNotRehearsable) {
			continue
		}
		if !errors.Is(err, ErrParams) {
			t.Errorf("%s with no parameters: %v, want ErrParams", s.Name, err)
		}
	}
}
