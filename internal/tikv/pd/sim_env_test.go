package pd_test

// End-to-end tests of the client against pdsim over real HTTP. Simulated time
// comes from a ManualClock that only the test moves; nothing here sleeps.

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

// simStart is where every simulated clock starts.
var simStart = time.Date(2026, 11, 24, 21, 0, 0, 0, time.UTC)

// simEnv is a pdsim cluster on a manual clock behind a real HTTP server,
// with a write client talking to it.
type simEnv struct {
	t        *testing.T
	clock    *pdsim.ManualClock
	cluster  *pdsim.Cluster
	srv      *httptest.Server
	url      string
	pd       *pd.Client
	requests atomic.Int64 // PD API requests seen (not /pdsim/v1/*)
	inflight atomic.Int64 // PD API requests whose handler has not returned
}

// newSimEnv starts a cluster (5 stores, 300 regions unless opts says
// otherwise). tweak, if set, adjusts the client config.
func newSimEnv(t *testing.T, opts pdsim.Options, tweak func(*pd.Config)) *simEnv {
	t.Helper()
	if opts.Stores == 0 {
		opts.Stores = 5
	}
	if opts.Regions == 0 {
		opts.Regions = 300
	}
	e := &simEnv{t: t, clock: pdsim.NewManualClock(simStart)}
	opts.Clock = e.clock
	e.cluster = pdsim.New(opts)
	// Learn the URL first so the simulator advertises the address it
	// really listens on (in /members, /health).
	e.srv = httptest.NewUnstartedServer(nil)
	e.url = "http://" + e.srv.Listener.Addr().String()
	sim := pdsim.NewServer(e.cluster, e.url)
	e.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.URL.Path) < 10 || r.URL.Path[:10] != "/pdsim/v1/" {
			e.requests.Add(1)
			e.inflight.Add(1)
			defer e.inflight.Add(-1)
		}
		sim.ServeHTTP(w, r)
	})
	e.srv.Start()
	t.Cleanup(e.srv.Close)
	e.pd = e.client(tweak)
	return e
}

// client builds another client for the same simulator.
func (e *simEnv) client(tweak func(*pd.Config)) *pd.Client {
	e.t.Helper()
	cfg := pd.Config{Endpoint: e.url, RetryBackoff: time.Millisecond, MaxRetryBackoff: 5 * time.Millisecond}
	if tweak != nil {
		tweak(&cfg)
	}
	c, err := pd.New(cfg)
	if err != nil {
		e.t.Fatalf("pd.New: %v", err)
	}
	e.t.Cleanup(c.Close)
	return c
}

// ctx bounds one call in wall time; the simulation itself never waits.
func (e *simEnv) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	e.t.Cleanup(cancel)
	return ctx
}

func (e *simEnv) advance(d time.Duration) { e.clock.Advance(d) }

func (e *simEnv) inject(f pdsim.Fault) {
	e.t.Helper()
	if err := e.cluster.Inject(f); err != nil {
		e.t.Fatalf("inject %+v: %v", f, err)
	}
}

// simStatus is pdsim's own GET /pdsim/v1/status.
type simStatus struct {
	SimTime      time.Time `json:"sim_time"`
	Stores       int       `json:"stores"`
	Regions      int       `json:"regions"`
	RunningOps   int       `json:"running_ops"`
	PDErrorsLeft int       `json:"pd_errors_left"`
	PDTruncate   bool      `json:"pd_truncate"`
	PDSlow       string    `json:"pd_slow"`
}

func (e *simEnv) status() simStatus {
	e.t.Helper()
	resp, err := http.Get(e.url + "/pdsim/v1/status")
	if err != nil {
		e.t.Fatalf("sim status: %v", err)
	}
	defer resp.Body.Close()
	var st simStatus
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		e.t.Fatalf("sim status: %v", err)
	}
	return st
}

// waitSim advances simulated time in steps until done reports true, failing
// after limit of simulated time.
func (e *simEnv) waitSim(step, limit time.Duration, what string, done func() bool) {
	e.t.Helper()
	for waited := time.Duration(0); ; waited += step {
		if done() {
			return
		}
		if waited >= limit {
			e.t.Fatalf("%s: not done after %s of simulated time", what, limit)
		}
		e.advance(step)
	}
}

// waitWall polls cond in wall time, for the few things that happen outside
// simulated time (a server goroutine noticing a disconnect).
func waitWall(limit time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

// must fails the test on err.
func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// wantKind checks that err is a *pd.Error (or client refusal) of kind.
func wantKind(t *testing.T, what string, err error, kind *pd.ErrorKind) *pd.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error, want %v", what, kind)
	}
	if !errors.Is(err, kind) {
		t.Fatalf("%s: error %v, want kind %v", what, err, kind)
	}
	var pe *pd.Error
	errors.As(err, &pe)
	return pe
}

// wantPDError is wantKind for errors PD answered (not client refusals).
func wantPDError(t *testing.T, what string, err error, kind *pd.ErrorKind) *pd.Error {
	t.Helper()
	pe := wantKind(t, what, err, kind)
	if pe == nil {
		t.Fatalf("%s: %v is not a *pd.Error", what, err)
	}
	return pe
}

// region fetches one region.
func (e *simEnv) region(id pd.RegionID) *pd.RegionInfo {
	e.t.Helper()
	r, err := e.pd.GetRegion(e.ctx(), id)
	must(e.t, "get region", err)
	return r
}

// store fetches one store.
func (e *simEnv) store(id pd.StoreID) *pd.StoreInfo {
	e.t.Helper()
	s, err := e.pd.GetStore(e.ctx(), id)
	must(e.t, "get store", err)
	return s
}

// allRegions lists every region in key order by paging.
func (e *simEnv) allRegions() []pd.RegionInfo {
	e.t.Helper()
	var out []pd.RegionInfo
	key := ""
	for {
		page, err := e.pd.GetRegionsByKey(e.ctx(), key, 64)
		must(e.t, "scan regions", err)
		out = append(out, page.Regions...)
		if len(page.Regions) == 0 {
			e.t.Fatalf("scan from %q returned nothing", key)
		}
		key = page.Regions[len(page.Regions)-1].EndKey
		if key == "" {
			return out
		}
	}
}

// pickRegion returns a region in the middle of the key space (both
// neighbours exist) that no operator is working on.
func (e *simEnv) pickRegion(skip ...pd.RegionID) *pd.RegionInfo {
	e.t.Helper()
	busy := map[pd.RegionID]bool{}
	for _, id := range skip {
		busy[id] = true
	}
	ops, err := e.pd.GetOperatorObjects(e.ctx())
	must(e.t, "get operators", err)
	for _, op := range ops {
		busy[op.RegionID] = true
	}
	regions := e.allRegions()
	for _, r := range regions[len(regions)/3:] {
		if !busy[r.ID] && r.StartKey != "" && r.EndKey != "" {
			return &r
		}
	}
	e.t.Fatal("no idle region")
	return nil
}

// followerStore is a voter store of r that does not lead it.
func followerStore(t *testing.T, r *pd.RegionInfo) pd.StoreID {
	t.Helper()
	for _, p := range r.Peers {
		if p.StoreID != r.Leader.StoreID && p.Role == pd.RoleVoter {
			return p.StoreID
		}
	}
	t.Fatalf("region %d has no follower: %+v", r.ID, r.Peers)
	return 0
}

// freeStore is a store of the cluster (1..n) with no peer of r.
func freeStore(t *testing.T, r *pd.RegionInfo, n int) pd.StoreID {
	t.Helper()
	for id := pd.StoreID(1); id <= pd.StoreID(n); id++ {
		if _, ok := r.PeerOnStore(id); !ok {
			return id
		}
	}
	t.Fatalf("region %d has a peer on every store", r.ID)
	return 0
}

// operatorOf returns the running or last operator of a region.
func (e *simEnv) operatorOf(id pd.RegionID) *pd.OperatorDetail {
	e.t.Helper()
	op, err := e.pd.GetOperator(e.ctx(), id)
	must(e.t, "get operator", err)
	return op
}

func storeIDs(r *pd.RegionInfo) map[pd.StoreID]bool {
	out := map[pd.StoreID]bool{}
	for _, p := range r.Peers {
		out[p.StoreID] = true
	}
	return out
}

func listsRegion(rs *pd.RegionsInfo, id pd.RegionID) bool {
	for _, r := range rs.Regions {
		if r.ID == id {
			return true
		}
	}
	return false
}
