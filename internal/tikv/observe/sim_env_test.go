package observe

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

// simEnv is a pdsim cluster on a manual clock behind a real HTTP server,
// a read-only client for the Subject and a write client for setting up.
type simEnv struct {
	t      *testing.T
	clock  *pdsim.ManualClock
	srv    *httptest.Server
	writer *pd.Client
	subj   *Subject
}

func newSimEnv(t *testing.T, opts pdsim.Options, cfg Config, pdCfg pd.Config) *simEnv {
	t.Helper()
	clock := pdsim.NewManualClock(t0)
	opts.Clock = clock
	srv := httptest.NewServer(pdsim.NewServer(pdsim.New(opts), "http://127.0.0.1:2379"))
	t.Cleanup(srv.Close)
	pdCfg.Endpoint, pdCfg.ReadOnly = srv.URL, true
	if pdCfg.RetryBackoff == 0 {
		pdCfg.RetryBackoff = 5 * time.Millisecond
	}
	reader, err := pd.New(pdCfg)
	if err != nil {
		t.Fatal(err)
	}
	writer, err := pd.New(pd.Config{Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(reader.Close)
	t.Cleanup(writer.Close)
	subj, err := New(cfg, reader, nil, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	return &simEnv{t: t, clock: clock, srv: srv, writer: writer, subj: subj}
}

// post sends a write to pdsim (PD API or fault injection) and wants a 200.
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

// observe takes a snapshot at the simulated now and evaluates it the way
// the monitor will: an invariant whose needed source failed is skipped.
func (e *simEnv) observe() (*subject.Snapshot, map[string]subject.Violation) {
	e.t.Helper()
	snap, err := e.subj.Observe(context.Background(), e.clock.Now())
	if err != nil {
		e.t.Fatalf("Observe: %v", err)
	}
	return snap, evaluate(e.t, e.subj, snap)
}

// observeOK is observe, wanting every source to have answered.
func (e *simEnv) observeOK() map[string]subject.Violation {
	e.t.Helper()
	snap, vs := e.observe()
	for _, f := range snap.Failed() {
		e.t.Errorf("source %s failed: %v", f.Name, f.Err)
	}
	return vs
}

// evaluate runs every invariant whose sources answered, by dedup key.
func evaluate(t *testing.T, s *Subject, snap *subject.Snapshot) map[string]subject.Violation {
	t.Helper()
	failed := map[string]bool{}
	for _, f := range snap.Failed() {
		failed[f.Name] = true
	}
	out := map[string]subject.Violation{}
next:
	for _, inv := range s.Invariants() {
		for _, n := range inv.Needs() {
			if failed[n] {
				continue next
			}
		}
		vs, err := inv.Check(snap)
		if err != nil {
			t.Fatalf("%s: %v", inv.Name(), err)
		}
		for _, v := range vs {
			checkViolation(t, v)
			if _, dup := out[v.Key()]; dup {
				t.Errorf("duplicate key %s", v.Key())
			}
			out[v.Key()] = v
		}
	}
	return out
}

// want checks which of the named keys are present.
func want(t *testing.T, when string, vs map[string]subject.Violation, present []string, absent []string) {
	t.Helper()
	for _, k := range present {
		if _, ok := vs[k]; !ok {
			t.Errorf("%s: no %s; have %v", when, k, keyList(vs))
		}
	}
	for _, k := range absent {
		if v, ok := vs[k]; ok {
			t.Errorf("%s: unexpected %s: %s", when, k, v.Summary)
		}
	}
}

func keyList(vs map[string]subject.Violation) []string {
	var out []string
	for k, v := range vs {
		out = append(out, k+" ("+v.Summary+")")
	}
	return out
}

// regionWith returns a region from the first page of the key space whose
// leader is not on avoid but that has a follower on follower (0: any).
func (e *simEnv) regionWith(follower, avoid pd.StoreID) pd.RegionInfo {
	e.t.Helper()
	list, err := e.writer.GetRegionsByKey(context.Background(), "", 50)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range list.Regions[5:] {
		if r.Leader.StoreID == avoid {
			continue
		}
		if _, ok := r.PeerOnStore(follower); follower == 0 || ok && r.Leader.StoreID != follower {
			return r
		}
	}
	e.t.Fatalf("no region with a follower on store %d", follower)
	return pd.RegionInfo{}
}
