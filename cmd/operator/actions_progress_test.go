package main

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/api"
	"github.com/operator-dev/operator/internal/auth"
	"github.com/operator-dev/operator/internal/execute"
	"github.com/operator-dev/operator/internal/store/sqlite"
	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/tikv/actions"
	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
	"github.com/operator-dev/operator/internal/tui"
)

// drainRig is the daemon's API and executor on pdsim with the TiKV
// driver, all on the simulator's clock, which the test moves.
type drainRig struct {
	t      *testing.T
	clock  *pdsim.ManualClock
	st     *sqlite.Store
	ex     *execute.Executor
	url    string
	tf     string
	reader *pd.Client
}

func newDrainRig(t *testing.T) *drainRig {
	t.Helper()
	ctx := context.Background()
	r := &drainRig{t: t, clock: pdsim.NewManualClock(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))}
	sim := httptest.NewServer(pdsim.NewServer(pdsim.New(pdsim.Options{Stores: 5, Regions: 100, Clock: r.clock}), "http://127.0.0.1:2379"))
	t.Cleanup(sim.Close)
	var err error
	if r.reader, err = pd.New(pd.Config{Endpoint: sim.URL, ReadOnly: true}); err != nil {
		t.Fatal(err)
	}
	writer, err := pd.New(pd.Config{Endpoint: sim.URL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.reader.Close)
	t.Cleanup(writer.Close)
	if r.st, err = sqlite.Open(ctx, filepath.Join(t.TempDir(), "op.db"), sqlite.Options{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.st.Close() })
	drv := actions.NewDriver(r.reader, writer, actions.DriverOptions{Clock: r.clock.Now})
	r.ex = execute.New(execute.Config{Execute: true}, r.st,
		map[string]execute.Subject{"tikv": {Actions: actions.Registry(), Driver: drv}}, nil, r.clock.Now)
	srv := httptest.NewServer(api.New(r.st, api.Options{Now: r.clock.Now, Runs: r.st, Actions: r.ex,
		Registry: map[string][]subject.ActionSpec{"tikv": actions.Registry()}}))
	t.Cleanup(srv.Close)
	r.url, r.tf = srv.URL, tokenFile(t, r.st, "root", auth.Admin)
	return r
}

func (r *drainRig) once() {
	r.t.Helper()
	if err := r.ex.Once(context.Background()); err != nil {
		r.t.Fatalf("executor pass: %v", err)
	}
}

func (r *drainRig) cli(args ...string) string {
	r.t.Helper()
	out, _, err := run(r.t, nil, append(args, "--server", r.url, "--token-file", r.tf)...)
	if err != nil {
		r.t.Fatalf("operator %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func (r *drainRig) state(id action.ID) action.State {
	r.t.Helper()
	got, err := r.st.GetRun(context.Background(), id)
	if err != nil {
		r.t.Fatal(err)
	}
	return got.State
}

var progressLine = regexp.MustCompile(`(?m)^Progress: (\d+)/(\d+) regions \(\d+%\)(.*)$`)

// A drain approved and run by the executor on pdsim: while it verifies,
// `actions list` has its progress; once the run has completed and PD is
// still emptying the store, `actions show` says how far it has got and
// when it should end; then that it finished. The dashboard's source
// carries the same measure.
func TestActionsShowDrainProgress(t *testing.T) {
	r := newDrainRig(t)
	ctx := context.Background()
	run, err := r.st.CreateRun(ctx, action.Run{Subject: "tikv", Action: actions.DrainStore, Params: map[string]any{"store_id": 4},
		State: action.Proposed, Risk: "high", CreatedBy: "alice"}, r.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"bob", "carol"} { // high risk may need two people
		res, err := r.ex.Approve(ctx, run.ID, execute.Approver{Name: who, Role: "approver"}, "retire store 4")
		if err != nil {
			t.Fatalf("approve as %s: %v", who, err)
		}
		if res.Run.State == action.Approved {
			break
		}
	}
	for i := 0; i < 10 && r.state(run.ID) != action.Verifying; i++ {
		r.once()
	}
	if st := r.state(run.ID); st != action.Verifying {
		t.Fatalf("drain run is %s, want verifying (PD is draining)", st)
	}

	r.clock.Advance(20 * time.Second)
	out := r.cli("actions", "list")
	if !strings.Contains(out, "PROGRESS") || !regexp.MustCompile(`verifying .*drain_store store_id=4\s+\d+/60 regions \(\d+%\), ETA \d+s`).MatchString(out) {
		t.Fatalf("actions list while the drain verifies:\n%s", out)
	}
	tok, err := os.ReadFile(r.tf)
	if err != nil {
		t.Fatal(err)
	}
	live, err := tui.APISource{C: api.NewClient(r.url, string(tok))}.Runs(ctx)
	if err != nil || len(live) != 1 || live[0].Progress == nil || live[0].Progress.Total != 60 {
		t.Fatalf("the dashboard's runs: %+v, %v", live, err)
	}

	deadline := r.clock.Now().Add(10 * time.Minute)
	for r.state(run.ID) != action.Completed {
		if r.clock.Now().After(deadline) {
			t.Fatalf("drain run still %s after 10 simulated minutes", r.state(run.ID))
		}
		r.clock.Advance(2 * time.Second)
		r.once()
	}
	out = r.cli("actions", "show", "1")
	m := progressLine.FindStringSubmatch(out)
	if !strings.Contains(out, "State:    completed") || m == nil || m[2] != "60" {
		t.Fatalf("actions show of the completed drain:\n%s", out)
	}
	if m[1] != "60" && !strings.Contains(m[3], "ETA") {
		t.Errorf("a drain under way without an ETA: %q", m[0])
	}
	t.Logf("completed run, drain under way: %s", m[0])

	for i := 0; ; i++ {
		st, err := r.reader.GetStore(ctx, 4)
		if err != nil {
			t.Fatal(err)
		}
		if st.Store.State == pd.StoreTombstone {
			break
		}
		if i > 600 {
			t.Fatalf("store 4 is %s after 20 simulated minutes", st.Store.StateName)
		}
		r.clock.Advance(2 * time.Second)
	}
	out = r.cli("actions", "show", "1")
	if !strings.Contains(out, "Progress: 60/60 regions (100%), finished; store 4 is Tombstone: drained") {
		t.Fatalf("actions show after the drain:\n%s", out)
	}
}
