package app

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/execute"
	"github.com/operator-dev/operator/internal/store/sqlite"
	"github.com/operator-dev/operator/internal/tikv/actions"
	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

// benchRig is the executor with the real TiKV driver over an in-process
// pdsim whose clock the benchmark moves, and a SQLite store on disk.
type benchRig struct {
	clock       *pdsim.ManualClock
	read, write *pd.Client
	st          *sqlite.Store
	ex          *execute.Executor
	submittedAt time.Time
	regions     []pd.RegionID
	url         string // pdsim's
}

func newBenchRig(b testing.TB) *benchRig {
	ctx := context.Background()
	r := &benchRig{clock: pdsim.NewManualClock(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))}
	srv := httptest.NewServer(pdsim.NewServer(pdsim.New(pdsim.Options{Stores: 5, Regions: 2000, Clock: r.clock}), "http://127.0.0.1:2379"))
	b.Cleanup(srv.Close)
	r.url = srv.URL
	var err error
	if r.read, err = pd.New(pd.Config{Endpoint: srv.URL, ReadOnly: true}); err != nil {
		b.Fatal(err)
	}
	if r.write, err = pd.New(pd.Config{Endpoint: srv.URL}); err != nil {
		b.Fatal(err)
	}
	if r.st, err = sqlite.Open(ctx, filepath.Join(b.TempDir(), "op.db"), sqlite.Options{}); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { r.st.Close() })
	list, err := r.read.GetRegionsByKey(ctx, "", 2000)
	if err != nil {
		b.Fatal(err)
	}
	for _, reg := range list.Regions {
		r.regions = append(r.regions, reg.ID)
	}
	drv := actions.NewDriver(r.read, r.write, actions.DriverOptions{Clock: r.clock.Now})
	r.ex = execute.New(execute.Config{Execute: true}, r.st,
		map[string]execute.Subject{"tikv": {Actions: actions.Registry(), Driver: drv}}, nil, r.clock.Now)
	r.ex.SetStepHook(func(step string, _ action.Run) {
		if step == execute.StepSubmitted {
			r.submittedAt = time.Now()
		}
	})
	return r
}

func (r *benchRig) once(b testing.TB) {
	if err := r.ex.Once(context.Background()); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkApproveToPDCall is the time from a human's approval to PD
// accepting the operator, in the executor's own work: the approval's
// preflight, queueing, the preflight again, the intent, the maintenance
// lock and the submission, each step committed to SQLite with its audit
// record. The daemon adds up to one actions.interval (default 2s) of
// waiting on top. Compared with one bare POST /operators to the same
// pdsim.
//
// It also reports the verification lag: from PD finishing the split to
// the run completed (observe, verifying, verify, release), again without
// the daemon's interval waits (up to two).
func BenchmarkApproveToPDCall(b *testing.B) {
	b.Run("executor", func(b *testing.B) {
		r := newBenchRig(b)
		ctx := context.Background()
		var toPD, lag time.Duration
		for i := 0; b.Loop(); i++ {
			region := r.regions[i%len(r.regions)]
			run, err := r.st.CreateRun(ctx, action.Run{Subject: "tikv", Action: actions.SplitRegion, State: action.Proposed,
				Risk: "low", CreatedBy: "bench", Params: map[string]any{"region_id": uint64(region), "policy": "approximate"}}, r.clock.Now())
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			if _, err := r.ex.Approve(ctx, run.ID, execute.Approver{Name: "bench", Role: "approver"}, ""); err != nil {
				b.Fatal(err)
			}
			r.once(b) // queued
			r.once(b) // executing, submitted
			toPD += r.submittedAt.Sub(start)
			b.StopTimer()
			r.clock.Advance(2 * time.Minute) // PD finishes the split
			b.StartTimer()
			finished := time.Now()
			r.once(b) // observed: verifying
			r.once(b) // verified: completed
			lag += time.Since(finished)
			if got, _ := r.st.GetRun(ctx, run.ID); got.State != action.Completed {
				b.Fatalf("run %d is %s: %s", run.ID, got.State, got.Outcome)
			}
		}
		b.ReportMetric(float64(toPD.Microseconds())/float64(b.N)/1000, "ms-approve-to-pd")
		b.ReportMetric(float64(lag.Microseconds())/float64(b.N)/1000, "ms-verify-lag")
	})
	b.Run("bare-pd-call", func(b *testing.B) {
		r := newBenchRig(b)
		ctx := context.Background()
		for i := 0; b.Loop(); i++ {
			region := r.regions[i%len(r.regions)]
			if err := r.write.CreateOperator(ctx, pd.SplitRegion(region, pd.SplitApproximate)); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			r.clock.Advance(2 * time.Minute)
			b.StartTimer()
		}
	})
}
