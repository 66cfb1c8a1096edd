package observe

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

// PD failing or hanging is a failed source per endpoint, never an Observe
// error, and never a violation judged on missing data.
func TestSimPDFailuresAreFailedSources(t *testing.T) {
	cases := []struct {
		name  string
		fault string
		cfg   Config
		pdCfg pd.Config
		// errWant is in every pd source's error.
		errWant string
		// within bounds the wall time of one Observe.
		within time.Duration
	}{
		{name: "pd-errors", fault: `{"type":"pd-errors"}`,
			pdCfg: pd.Config{ReadAttempts: 2}, errWant: "server not started", within: 5 * time.Second},
		{name: "pd-slow beyond the client timeout", fault: `{"type":"pd-slow","latency":"30s"}`,
			pdCfg: pd.Config{Timeout: 200 * time.Millisecond, ReadAttempts: 3}, cfg: Config{PDTimeout: 500 * time.Millisecond},
			errWant: "no answer within", within: 2 * time.Second},
		{name: "pd-truncate", fault: `{"type":"pd-truncate"}`,
			pdCfg: pd.Config{ReadAttempts: 1}, errWant: "pd:", within: 5 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newSimEnv(t, simOpts, tc.cfg, tc.pdCfg)
			e.observeOK() // seeds the memory
			e.fault(tc.fault)
			start := time.Now()
			snap, vs := e.observe()
			if took := time.Since(start); took > tc.within {
				t.Errorf("Observe took %s, want under %s", took, tc.within)
			}
			failed := snap.Failed()
			if len(failed) != len(snap.Sources) {
				t.Errorf("%d of %d sources failed", len(failed), len(snap.Sources))
			}
			for _, f := range failed {
				if SourceGroup(f.Name) != "pd" || !strings.Contains(f.Err.Error(), tc.errWant) {
					t.Errorf("source %s: %v (want %q)", f.Name, f.Err, tc.errWant)
				}
			}
			if len(vs) != 0 {
				t.Errorf("violations judged without data: %v", keyList(vs))
			}

			// PD comes back: everything answers again, nothing was forgotten
			// or invented while it was away.
			e.fault(`{"type":"clear-pd-faults"}`)
			if vs := e.observeOK(); len(vs) != 0 {
				t.Errorf("after recovery: %v", keyList(vs))
			}
		})
	}
}

// A caller that gives up gets an error, and the memory is left as it was.
func TestObserveHonoursItsContext(t *testing.T) {
	e := newSimEnv(t, simOpts, Config{}, pd.Config{})
	e.fault(`{"type":"pd-slow","latency":"5s"}`)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := e.subj.Observe(ctx, e.clock.Now()); err == nil {
		t.Fatal("Observe succeeded after its context ended")
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Observe took %s after its context ended", took)
	}
	done, stop := context.WithCancel(context.Background())
	stop()
	if _, err := e.subj.Observe(done, e.clock.Now()); err == nil {
		t.Fatal("Observe succeeded with a cancelled context")
	}
}

// Before any TiKV bootstrapped the cluster, PD answers the cluster reads
// with ErrNotBootstrapped: those sources fail, and pd-unhealthy says why.
func TestSimNotBootstrapped(t *testing.T) {
	e := newSimEnv(t, pdsim.Options{Stores: 3, NotBootstrapped: true}, Config{}, pd.Config{})
	snap, vs := e.observe()
	if src, _ := snap.Source(SourceStores); src.Err == nil || !strings.Contains(src.Err.Error(), "not bootstrapped") {
		t.Errorf("stores source: %v", src.Err)
	}
	want(t, "not bootstrapped", vs, []string{InvPDUnhealthy}, []string{InvPDNoLeader})
	if v := vs[InvPDUnhealthy]; !strings.Contains(v.Summary, "not bootstrapped") {
		t.Errorf("summary %q", v.Summary)
	}
}
