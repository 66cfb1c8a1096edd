package actions

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

func (e *drvEnv) ruleCheckerPaused() bool {
	e.t.Helper()
	st, err := e.reader.GetChecker(ctxT(e.t), pd.CheckerRule)
	if err != nil {
		e.t.Fatal(err)
	}
	return st.Paused
}

func (e *drvEnv) tasks() []pd.MaintenanceTask {
	e.t.Helper()
	tasks, err := e.reader.GetMaintenance(ctxT(e.t))
	if err != nil {
		e.t.Fatal(err)
	}
	return tasks
}

func TestDriverLockRefusedNamesHolder(t *testing.T) {
	e := newDrvEnv(t, pdsim.Options{})
	if err := e.writer.StartMaintenance(ctxT(t), "br", "backup-7", "nightly backup"); err != nil {
		t.Fatal(err)
	}
	r, to := e.follower(0)
	run := e.newRun(TransferLeader, map[string]any{"region_id": r.ID, "to_store_id": to})
	in := e.plan(run)
	err := e.d.Acquire(ctxT(t), run, in)
	if !errors.Is(err, action.ErrRefused) {
		t.Fatalf("acquire under another task: %v, want ErrRefused", err)
	}
	for _, want := range []string{"br/backup-7", "nightly backup", "2026-11-24T21:00:00Z"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("refusal %q does not name %q", err, want)
		}
	}
	// Release of a refused run leaves the other task alone.
	if err := e.d.Release(ctxT(t), run, in); err != nil {
		t.Fatal(err)
	}
	if tasks := e.tasks(); len(tasks) != 1 || tasks[0].ID != "backup-7" {
		t.Fatalf("tasks after our release: %+v", tasks)
	}
}

func TestDriverLockIsIdempotentForTheSameRun(t *testing.T) {
	e := newDrvEnv(t, pdsim.Options{})
	r, to := e.follower(0)
	run := e.newRun(TransferLeader, map[string]any{"region_id": r.ID, "to_store_id": to})
	in := e.plan(run)
	for i := 0; i < 2; i++ { // the second is a restart re-acquiring
		if err := e.d.Acquire(ctxT(t), run, in); err != nil {
			t.Fatalf("acquire #%d: %v", i+1, err)
		}
	}
	tasks := e.tasks()
	if len(tasks) != 1 || tasks[0].Type != "operator" || tasks[0].ID != taskID(run.ID) || !strings.Contains(tasks[0].Description, "transfer_leader") {
		t.Fatalf("tasks: %+v", tasks)
	}
	e.release(run, in)
}

// add_peer pauses the rule checker, which would otherwise remove the new
// replica at once; Release resumes it.
func TestDriverPausesRuleCheckerForAddPeer(t *testing.T) {
	e := newDrvEnv(t, pdsim.Options{})
	r, _ := e.follower(0)
	s := freeStore(t, r, 5)
	run := e.newRun(AddPeer, map[string]any{"region_id": r.ID, "store_id": s})
	in := e.execute(run, 500*time.Millisecond, time.Minute)
	if !e.ruleCheckerPaused() {
		t.Fatal("rule checker not paused while add_peer runs")
	}
	e.clock.Advance(30 * time.Second) // the checker would have acted by now
	if v := e.verify(run, in); !v.OK {
		t.Fatalf("verify with the checker paused: %+v", v)
	}
	e.release(run, in)
	if e.ruleCheckerPaused() {
		t.Fatal("rule checker still paused after release")
	}
	// transfer_leader pauses nothing.
	r2, to := e.follower(0)
	run2 := e.newRun(TransferLeader, map[string]any{"region_id": r2.ID, "to_store_id": to})
	in2 := e.plan(run2)
	if err := e.d.Acquire(ctxT(t), run2, in2); err != nil {
		t.Fatal(err)
	}
	if e.ruleCheckerPaused() {
		t.Fatal("transfer_leader paused the rule checker")
	}
	e.release(run2, in2)
}

// After a crash: a lock of ours whose run is gone is dropped and the
// checker it paused resumed; a live run keeps both.
func TestDriverRecover(t *testing.T) {
	e := newDrvEnv(t, pdsim.Options{})
	r, _ := e.follower(0)
	run := e.newRun(AddPeer, map[string]any{"region_id": r.ID, "store_id": freeStore(t, r, 5)})
	in := e.plan(run)
	if err := e.d.Acquire(ctxT(t), run, in); err != nil {
		t.Fatal(err)
	}
	// A new process: the run is still live.
	d2 := NewDriver(e.reader, e.writer, DriverOptions{Clock: e.clock.Now})
	if err := d2.Recover(ctxT(t), []action.Run{run}); err != nil {
		t.Fatal(err)
	}
	if len(e.tasks()) != 1 || !e.ruleCheckerPaused() {
		t.Fatalf("recover with the run live: tasks %+v, checker paused %v", e.tasks(), e.ruleCheckerPaused())
	}
	// The run is no longer live: its lock and pause are stale.
	if err := d2.Recover(ctxT(t), nil); err != nil {
		t.Fatal(err)
	}
	if len(e.tasks()) != 0 || e.ruleCheckerPaused() {
		t.Fatalf("recover with no live run: tasks %+v, checker paused %v", e.tasks(), e.ruleCheckerPaused())
	}
	// Another tool's task and a pause that is not ours are left alone.
	if err := e.writer.StartMaintenance(ctxT(t), "br", "backup-8", ""); err != nil {
		t.Fatal(err)
	}
	if err := e.writer.PauseChecker(ctxT(t), pd.CheckerRule, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := d2.Recover(ctxT(t), nil); err != nil {
		t.Fatal(err)
	}
	if len(e.tasks()) != 1 || !e.ruleCheckerPaused() {
		t.Fatalf("recover touched another's: tasks %+v, checker paused %v", e.tasks(), e.ruleCheckerPaused())
	}
}

// A PD without the v2 maintenance API (a router 404): Acquire proceeds
// without the lock, Release and Recover do not fail.
func TestDriverWithoutMaintenanceAPI(t *testing.T) {
	clock := pdsim.NewManualClock(pfT0)
	sim := pdsim.NewServer(pdsim.New(pdsim.Options{Stores: 5, Regions: 50, Clock: clock}), "http://127.0.0.1:2379")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/pd/api/v2/") {
			http.NotFound(w, r)
			return
		}
		sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c, err := pd.New(pd.Config{Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	d := NewDriver(c, c, DriverOptions{Clock: clock.Now})
	run := action.Run{ID: 9, Action: SetLeaderScheduleLimit, Params: map[string]any{"value": 6}}
	in, err := d.Plan(ctxT(t), run)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Acquire(ctxT(t), run, in); err != nil {
		t.Fatalf("acquire without the maintenance API: %v", err)
	}
	if err := d.Release(ctxT(t), run, in); err != nil {
		t.Fatalf("release without the maintenance API: %v", err)
	}
	if err := d.Recover(ctxT(t), nil); err != nil {
		t.Fatalf("recover without the maintenance API: %v", err)
	}
}

func (e *drvEnv) schedulerPaused(name string) bool {
	e.t.Helper()
	paused, err := e.reader.GetSchedulers(ctxT(e.t), pd.SchedulersPaused)
	if err != nil {
		e.t.Fatal(err)
	}
	return slices.Contains(paused, name)
}

// transfer_leader holds balance-leader-scheduler paused while it runs and
// resumes it after; a pause someone else set before is left as found,
// also by a release from a restarted process (the list is in the intent).
func TestDriverHoldsConflictingSchedulers(t *testing.T) {
	e := newDrvEnv(t, pdsim.Options{})
	r, to := e.follower(0)
	run := e.newRun(TransferLeader, map[string]any{"region_id": r.ID, "to_store_id": to})
	in := stored(t, e.plan(run))
	if err := e.d.Acquire(ctxT(t), run, in); err != nil {
		t.Fatal(err)
	}
	if !e.schedulerPaused("balance-leader-scheduler") {
		t.Fatal("balance-leader-scheduler not paused while transfer_leader runs")
	}
	e.release(run, in)
	if e.schedulerPaused("balance-leader-scheduler") {
		t.Fatal("balance-leader-scheduler still paused after release")
	}

	if err := e.writer.PauseScheduler(ctxT(t), "balance-leader-scheduler", time.Hour); err != nil {
		t.Fatal(err)
	}
	run2 := e.newRun(TransferLeader, map[string]any{"region_id": r.ID, "to_store_id": to})
	in2 := stored(t, e.plan(run2))
	if err := e.d.Acquire(ctxT(t), run2, in2); err != nil {
		t.Fatal(err)
	}
	e.release(run2, in2)
	if !e.schedulerPaused("balance-leader-scheduler") {
		t.Fatal("release resumed a scheduler someone else had paused")
	}
}
