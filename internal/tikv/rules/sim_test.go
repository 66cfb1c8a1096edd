package rules

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/diagnose"
	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/ticket"
	"github.com/operator-dev/operator/internal/tikv/actions"
	"github.com/operator-dev/operator/internal/tikv/observe"
	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

// End to end: faults injected into pdsim over real HTTP, the TiKV
// adapter's invariants open tickets, Gather collects their context, and
// the rules diagnose it. The clock is pdsim's manual clock; nothing sleeps.

type simEnv struct {
	t      testing.TB
	clock  *pdsim.ManualClock
	srv    *httptest.Server
	writer *pd.Client
	subj   *observe.Subject
}

func newSim(t testing.TB, opts pdsim.Options) *simEnv {
	t.Helper()
	clock := pdsim.NewManualClock(t0)
	opts.Clock = clock
	srv := httptest.NewServer(pdsim.NewServer(pdsim.New(opts), "http://127.0.0.1:2379"))
	t.Cleanup(srv.Close)
	reader, err := pd.New(pd.Config{Endpoint: srv.URL, ReadOnly: true, RetryBackoff: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	writer, err := pd.New(pd.Config{Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(reader.Close)
	t.Cleanup(writer.Close)
	subj, err := observe.New(observe.Config{}, reader, nil, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	return &simEnv{t: t, clock: clock, srv: srv, writer: writer, subj: subj}
}

func (e *simEnv) post(path, body string) {
	e.t.Helper()
	resp, err := http.Post(e.srv.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		e.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		e.t.Fatalf("POST %s %s: %d %s", path, body, resp.StatusCode, b)
	}
}

func (e *simEnv) fault(body string) { e.t.Helper(); e.post("/pdsim/v1/faults", body) }

// tickets observes and returns the tickets the monitor would open, by key.
func (e *simEnv) tickets() map[string]ticket.Ticket {
	e.t.Helper()
	now := e.clock.Now()
	snap, err := e.subj.Observe(context.Background(), now)
	if err != nil {
		e.t.Fatal(err)
	}
	failed := map[string]bool{}
	for _, f := range snap.Failed() {
		failed[f.Name] = true
	}
	out := map[string]ticket.Ticket{}
next:
	for _, inv := range e.subj.Invariants() {
		for _, n := range inv.Needs() {
			if failed[n] {
				continue next
			}
		}
		vs, err := inv.Check(snap)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, v := range vs {
			out[v.Key()] = ticket.Ticket{ID: ticket.ID(len(out) + 1), DedupKey: v.Key(), Invariant: v.Invariant, Subject: observe.Name,
				Severity: v.Severity, State: ticket.Open, Summary: v.Summary, Labels: v.Labels, Evidence: v.Evidence,
				FirstSeen: now, LastSeen: now, Occurrences: 1}
		}
	}
	return out
}

// diagnose gathers the context of the ticket with the key, diagnoses it,
// and wants diagnose.Check to accept the answer whole.
func (e *simEnv) diagnose(key string) (*ticket.Diagnosis, *subject.Context) {
	e.t.Helper()
	ts := e.tickets()
	tk, ok := ts[key]
	if !ok {
		var keys []string
		for k := range ts {
			keys = append(keys, k)
		}
		e.t.Fatalf("no ticket %s; have %v", key, keys)
	}
	c, err := e.subj.Gather(context.Background(), tk, nil, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	ans, err := New().Diagnose(context.Background(), diagnose.Request{Context: c, Actions: actions.Registry()})
	if err != nil {
		e.t.Fatal(err)
	}
	got := diagnose.Check(ans.Raw, c, actions.Registry())
	if got.Status != ticket.DiagnosisOK || len(got.Refusals) > 0 {
		e.t.Fatalf("Check: %s %v\n%s", got.Status, got.Refusals, ans.Raw)
	}
	e.t.Logf("%s: %s\n  cause: %s", key, got.Diagnosis.Summary, got.Diagnosis.Cause)
	return got.Diagnosis, c
}

func wantProposal(t *testing.T, d *ticket.Diagnosis, typ string, params map[string]any) {
	t.Helper()
	if d.Proposal == nil || d.Proposal.Type != typ {
		t.Fatalf("proposal %+v, want %s %v", d.Proposal, typ, params)
	}
	for k, v := range params {
		if got := fmt.Sprint(d.Proposal.Params[k]); got != fmt.Sprint(v) {
			t.Errorf("param %s = %s, want %v", k, got, v)
		}
	}
}

// A store dead past max-store-down-time in a cluster that can absorb it
// is drained.
func TestSimDeadStoreIsDrained(t *testing.T) {
	e := newSim(t, pdsim.Options{Stores: 5, Regions: 100})
	e.post("/pd/api/v1/config/schedule", `{"max-store-down-time":"1m"}`)
	e.fault(`{"type":"kill-store","store":2}`)
	e.clock.Advance(30 * time.Second)
	d, _ := e.diagnose("store-down/store=2")
	if d.Proposal != nil {
		t.Errorf("Disconnected for 30s: proposed %s", d.Proposal.Type)
	}
	e.clock.Advance(40 * time.Second)
	d, _ = e.diagnose("store-down/store=2")
	wantProposal(t, d, actions.DrainStore, map[string]any{"store_id": 2})
	if d.Confidence != confClear {
		t.Errorf("confidence %v", d.Confidence)
	}
}

// The same death with three stores and three replicas: PD has nowhere to
// put the replicas, so no drain.
func TestSimDeadStoreInThreeStoreClusterIsNotDrained(t *testing.T) {
	e := newSim(t, pdsim.Options{Stores: 3, Regions: 30})
	e.post("/pd/api/v1/config/schedule", `{"max-store-down-time":"1m"}`)
	e.fault(`{"type":"kill-store","store":2}`)
	e.clock.Advance(70 * time.Second)
	d, _ := e.diagnose("store-down/store=2")
	if d.Proposal != nil {
		t.Fatalf("proposed %s %v", d.Proposal.Type, d.Proposal.Params)
	}
	if !strings.Contains(d.Cause, "only 2 other Up stores remain for max-replicas 3") {
		t.Errorf("cause: %s", d.Cause)
	}
}

// One hot region on an otherwise quiet cluster: moving its leader would
// only move the hotspot, so it is split.
func TestSimWriteHotspotIsSplit(t *testing.T) {
	e := newSim(t, pdsim.Options{Stores: 5, Regions: 100})
	list, err := e.writer.GetRegionsByKey(context.Background(), "", 20)
	if err != nil {
		t.Fatal(err)
	}
	r := list.Regions[10]
	e.fault(fmt.Sprintf(`{"type":"hotspot","region":%d,"bytes_per_second":%d}`, r.ID, 32<<20))
	e.clock.Advance(4 * time.Minute)
	d, c := e.diagnose(fmt.Sprintf("hot-write-region/region=%d", r.ID))
	wantProposal(t, d, actions.SplitRegion, map[string]any{"region_id": r.ID, "policy": "approximate"})
	if !c.Known(subject.ParamRegionID, r.ID.String()) {
		t.Error("the region is not an entity")
	}
}

// Three hot regions led from one store: that store is hot beyond any one
// of them, so the hottest region's leader moves to a quieter voter.
func TestSimWriteHotspotsOnOneLeaderMoveALeader(t *testing.T) {
	e := newSim(t, pdsim.Options{Stores: 5, Regions: 100})
	e.post("/pd/api/v1/schedulers/balance-hot-region-scheduler", `{"delay":3600}`)
	e.post("/pd/api/v1/schedulers/balance-leader-scheduler", `{"delay":3600}`)
	list, err := e.writer.GetRegionsByKey(context.Background(), "", 100)
	if err != nil {
		t.Fatal(err)
	}
	var hot []pd.RegionInfo
	for _, r := range list.Regions[5:] {
		if r.Leader.StoreID == 1 && len(hot) < 3 {
			hot = append(hot, r)
		}
	}
	if len(hot) < 3 {
		t.Fatalf("store 1 leads %d regions of the first 100", len(hot))
	}
	for _, r := range hot {
		e.fault(fmt.Sprintf(`{"type":"hotspot","region":%d,"bytes_per_second":%d}`, r.ID, 32<<20))
	}
	e.clock.Advance(4 * time.Minute)
	d, _ := e.diagnose(fmt.Sprintf("hot-write-region/region=%d", hot[0].ID))
	wantProposal(t, d, actions.TransferLeader, map[string]any{"region_id": hot[0].ID})
	to := fmt.Sprint(d.Proposal.Params["to_store_id"])
	if _, ok := hot[0].PeerOnStore(pd.StoreID(mustUint(t, to))); !ok || to == "1" {
		t.Errorf("target store %s holds no voter of region %d (or is its leader's)", to, hot[0].ID)
	}
}

func mustUint(t *testing.T, s string) uint64 {
	t.Helper()
	var n uint64
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A full disk on a cluster with room elsewhere, its regions being most of
// what fills it (1000 regions, 56 GiB a store on 96 GiB disks): lower the
// store's region weight so PD moves regions off it.
func TestSimFullDiskLowersRegionWeight(t *testing.T) {
	e := newSim(t, pdsim.Options{Stores: 5, Regions: 1000, StoreCapacity: 96 << 30})
	e.fault(`{"type":"fill-disk","store":3,"available_ratio":0.1}`)
	e.clock.Advance(10 * time.Second)
	d, _ := e.diagnose("store-low-space/store=3")
	wantProposal(t, d, actions.SetStoreWeight, map[string]any{"store_id": 3, "leader_weight": 1, "region_weight": 0.5})
}

// A 1 TiB disk filled to 90% while its regions hold 6 GiB: something else
// fills it, and moving regions cannot help.
func TestSimDiskFilledByOtherDataIsNotMovedAround(t *testing.T) {
	e := newSim(t, pdsim.Options{Stores: 5, Regions: 100})
	e.fault(`{"type":"fill-disk","store":3,"available_ratio":0.1}`)
	e.clock.Advance(10 * time.Second)
	d, _ := e.diagnose("store-low-space/store=3")
	if d.Proposal != nil || !strings.Contains(d.Cause, "something other than TiKV's region data") {
		t.Fatalf("proposal %+v, cause %q", d.Proposal, d.Cause)
	}
}

// An operator waiting on a dead store is canceled.
func TestSimStuckOperatorIsCanceled(t *testing.T) {
	e := newSim(t, pdsim.Options{Stores: 5, Regions: 100})
	e.fault(`{"type":"kill-store","store":2}`)
	list, err := e.writer.GetRegionsByKey(context.Background(), "", 50)
	if err != nil {
		t.Fatal(err)
	}
	var r pd.RegionInfo
	for _, x := range list.Regions[5:] {
		if p, ok := x.PeerOnStore(2); ok && x.Leader.StoreID != 2 && p.Role == pd.RoleVoter {
			r = x
			break
		}
	}
	if err := e.writer.CreateOperator(context.Background(), pd.TransferLeader(r.ID, 2)); err != nil {
		t.Fatal(err)
	}
	e.tickets() // the Subject first sees it now
	e.clock.Advance(31 * time.Second)
	d, _ := e.diagnose(fmt.Sprintf("operator-stuck/desc=admin-transfer-leader,region=%d", r.ID))
	wantProposal(t, d, actions.CancelOperator, map[string]any{"region_id": r.ID})
	if !strings.Contains(d.Cause, "store 2") {
		t.Errorf("the cause does not name the dead target store: %s", d.Cause)
	}
}

// A drain that stopped because someone halted scheduling: nothing in the
// registry should override that decision.
func TestSimDrainStoppedByHaltIsLeftToAHuman(t *testing.T) {
	e := newSim(t, pdsim.Options{Stores: 5, Regions: 100})
	e.post("/pd/api/v1/config/schedule", `{"halt-scheduling":"true"}`)
	if err := e.writer.SetStoreState(context.Background(), 5, pd.StoreOffline); err != nil {
		t.Fatal(err)
	}
	e.tickets() // the Subject first sees the drain now
	e.clock.Advance(30 * time.Minute)
	d, _ := e.diagnose("store-offline-stuck/store=5")
	if d.Proposal != nil || !strings.Contains(d.Cause, "halt-scheduling") {
		t.Errorf("proposal %+v, cause %s", d.Proposal, d.Cause)
	}
}
