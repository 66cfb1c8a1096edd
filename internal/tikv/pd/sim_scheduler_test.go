package pd_test

import (
	"slices"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

func TestSimEvictLeaderScheduler(t *testing.T) {
	e := newSimEnv(t, pdsim.Options{}, nil)
	if n := e.store(1).Status.LeaderCount; n == 0 {
		t.Fatal("store 1 leads nothing to start with")
	}
	must(t, "add evict-leader", e.pd.AddScheduler(e.ctx(), "evict-leader-scheduler", 1))
	names, err := e.pd.GetSchedulers(e.ctx(), pd.SchedulersAll)
	must(t, "schedulers", err)
	if !slices.Contains(names, "evict-leader-scheduler") {
		t.Fatalf("schedulers: %v", names)
	}
	e.waitSim(5*time.Second, 10*time.Minute, "leaders leave store 1", func() bool {
		return e.store(1).Status.LeaderCount == 0
	})
	led, err := e.pd.GetRegionsByStore(e.ctx(), 1, pd.RegionTypeLeader)
	must(t, "leader regions of store 1", err)
	if led.Count != 0 {
		t.Fatalf("store 1 still leads %d regions", led.Count)
	}
	total := 0
	for id := pd.StoreID(1); id <= 5; id++ {
		total += e.store(id).Status.LeaderCount
	}
	if total != 300 {
		t.Fatalf("leaders add up to %d", total)
	}
	// Applying it to a second store, then removing that store only.
	must(t, "evict store 2 too", e.pd.AddScheduler(e.ctx(), "evict-leader-scheduler", 2))
	must(t, "stop evicting store 2", e.pd.DeleteScheduler(e.ctx(), "evict-leader-scheduler-2"))
	err = e.pd.DeleteScheduler(e.ctx(), "evict-leader-scheduler-2")
	wantPDError(t, "store 2 no longer in it", err, pd.ErrNotFound)

	must(t, "delete evict-leader", e.pd.DeleteScheduler(e.ctx(), "evict-leader-scheduler"))
	names, err = e.pd.GetSchedulers(e.ctx(), pd.SchedulersAll)
	must(t, "schedulers", err)
	if slices.Contains(names, "evict-leader-scheduler") {
		t.Fatalf("schedulers after delete: %v", names)
	}
	// With the scheduler gone, a leader may come back by hand.
	r := e.allRegions()[0] // its peers are on stores 1, 2 and 3
	must(t, "leader back to store 1", e.pd.CreateOperator(e.ctx(), pd.TransferLeader(r.ID, 1)))
	e.advance(10 * time.Second)
	if got := e.region(r.ID); got.Leader.StoreID != 1 {
		t.Errorf("leader of region %d on store %d after the scheduler was deleted", r.ID, got.Leader.StoreID)
	}
}

func TestSimPauseScheduler(t *testing.T) {
	e := newSimEnv(t, pdsim.Options{}, nil)
	const name = "balance-leader-scheduler"
	paused, err := e.pd.GetPausedSchedulers(e.ctx())
	must(t, "paused at start", err)
	if len(paused) != 0 {
		t.Fatalf("paused at start: %+v", paused)
	}
	must(t, "pause", e.pd.PauseScheduler(e.ctx(), name, 2*time.Minute))
	paused, err = e.pd.GetPausedSchedulers(e.ctx())
	must(t, "paused", err)
	if len(paused) != 1 || paused[0].Name != name || !paused[0].PausedAt.Equal(simStart) ||
		paused[0].ResumeAt.Sub(paused[0].PausedAt) != 2*time.Minute {
		t.Fatalf("paused: %+v", paused)
	}
	names, err := e.pd.GetSchedulers(e.ctx(), pd.SchedulersPaused)
	must(t, "paused names", err)
	if !slices.Equal(names, []string{name}) {
		t.Fatalf("paused names: %v", names)
	}
	disabled, err := e.pd.GetSchedulers(e.ctx(), pd.SchedulersDisabled)
	must(t, "disabled", err)
	if len(disabled) != 0 {
		t.Errorf("disabled: %v", disabled)
	}

	must(t, "resume", e.pd.PauseScheduler(e.ctx(), name, 0))
	if paused, err = e.pd.GetPausedSchedulers(e.ctx()); err != nil || len(paused) != 0 {
		t.Fatalf("after resume: %+v, %v", paused, err)
	}
	// A pause also ends by itself.
	must(t, "pause again", e.pd.PauseScheduler(e.ctx(), name, time.Minute))
	e.advance(61 * time.Second)
	if names, err = e.pd.GetSchedulers(e.ctx(), pd.SchedulersPaused); err != nil || len(names) != 0 {
		t.Fatalf("after the pause ran out: %v, %v", names, err)
	}

	// Checkers pause the same way.
	must(t, "pause merge checker", e.pd.PauseChecker(e.ctx(), pd.CheckerMerge, time.Minute))
	if c, err := e.pd.GetChecker(e.ctx(), pd.CheckerMerge); err != nil || !c.Paused {
		t.Fatalf("merge checker: %+v, %v", c, err)
	}
	must(t, "resume merge checker", e.pd.PauseChecker(e.ctx(), pd.CheckerMerge, 0))
	if c, err := e.pd.GetChecker(e.ctx(), pd.CheckerMerge); err != nil || c.Paused {
		t.Fatalf("merge checker after resume: %+v, %v", c, err)
	}
}

func TestSimSchedulerErrors(t *testing.T) {
	e := newSimEnv(t, pdsim.Options{}, nil)
	for _, tc := range []struct {
		name string
		err  error
		kind *pd.ErrorKind
		code string
		msg  string
	}{
		{"add unknown", e.pd.AddScheduler(e.ctx(), "no-such-scheduler", 0), pd.ErrBadRequest, "", "unknown scheduler"},
		{"add existing", e.pd.AddScheduler(e.ctx(), "balance-leader-scheduler", 0), pd.ErrConflict, "PD:scheduler:ErrSchedulerExisted", "[PD:scheduler:ErrSchedulerExisted]scheduler existed"},
		{"evict a missing store", e.pd.AddScheduler(e.ctx(), "evict-leader-scheduler", 99), pd.ErrNotFound, "PD:core:ErrStoreNotFound", "[PD:core:ErrStoreNotFound]store 99 not found"},
		{"pause unknown", e.pd.PauseScheduler(e.ctx(), "no-such-scheduler", time.Minute), pd.ErrNotFound, "PD:scheduler:ErrSchedulerNotFound", "[PD:scheduler:ErrSchedulerNotFound]scheduler not found"},
		{"delete unknown", e.pd.DeleteScheduler(e.ctx(), "no-such-scheduler"), pd.ErrNotFound, "PD:scheduler:ErrSchedulerNotFound", "[PD:scheduler:ErrSchedulerNotFound]scheduler not found"},
		{"pause unknown checker", e.pd.PauseChecker(e.ctx(), "no-such-checker", time.Minute), pd.ErrNotFound, "PD:checker:ErrCheckerNotFound", "[PD:checker:ErrCheckerNotFound]checker not found"},
		{"get unknown checker", func() error { _, err := e.pd.GetChecker(e.ctx(), "no-such-checker"); return err }(), pd.ErrNotFound, "PD:checker:ErrCheckerNotFound", "[PD:checker:ErrCheckerNotFound]checker not found"},
	} {
		pe := wantPDError(t, tc.name, tc.err, tc.kind)
		if pe.Code != tc.code || pe.Message != tc.msg {
			t.Errorf("%s: code %q message %q, want %q %q", tc.name, pe.Code, pe.Message, tc.code, tc.msg)
		}
	}
	before := e.requests.Load()
	for name, err := range map[string]error{
		"evict without a store": e.pd.AddScheduler(e.ctx(), "evict-leader-scheduler", 0),
		"bad name":              e.pd.AddScheduler(e.ctx(), "Balance Leader", 0),
		"sub-second pause":      e.pd.PauseScheduler(e.ctx(), "balance-leader-scheduler", 1500*time.Millisecond),
		"negative pause":        e.pd.PauseChecker(e.ctx(), pd.CheckerRule, -time.Second),
	} {
		wantKind(t, name, err, pd.ErrInvalidArgument)
	}
	if n := e.requests.Load() - before; n != 0 {
		t.Errorf("refused calls sent %d requests", n)
	}
}

func TestSimMaintenance(t *testing.T) {
	e := newSimEnv(t, pdsim.Options{}, nil)
	e.advance(42 * time.Second)
	must(t, "start", e.pd.StartMaintenance(e.ctx(), "rolling-restart", "task-1", "restart tikv-3"))
	want := pd.MaintenanceTask{Type: "rolling-restart", ID: "task-1", Description: "restart tikv-3", StartTimestamp: simStart.Add(42 * time.Second).Unix()}

	for _, tc := range []struct{ typ, id string }{{"rolling-restart", "task-2"}, {"upgrade", "task-9"}, {"rolling-restart", "task-1"}} {
		err := e.pd.StartMaintenance(e.ctx(), tc.typ, tc.id, "")
		pe := wantPDError(t, "second start "+tc.typ+"/"+tc.id, err, pd.ErrConflict)
		if pe.Status != 409 || pe.Existing == nil || *pe.Existing != want || pe.Message != "Another maintenance task is already running" {
			t.Errorf("conflict: %+v (existing %+v)", pe, pe.Existing)
		}
	}
	tasks, err := e.pd.GetMaintenance(e.ctx())
	must(t, "get", err)
	if len(tasks) != 1 || tasks[0] != want || !tasks[0].Started().Equal(simStart.Add(42*time.Second)) {
		t.Fatalf("tasks: %+v", tasks)
	}
	got, err := e.pd.GetMaintenanceByType(e.ctx(), "rolling-restart")
	must(t, "get by type", err)
	if *got != want {
		t.Fatalf("by type: %+v", got)
	}
	_, err = e.pd.GetMaintenanceByType(e.ctx(), "upgrade")
	wantPDError(t, "other type", err, pd.ErrNotFound)

	err = e.pd.DeleteMaintenance(e.ctx(), "rolling-restart", "task-2")
	pe := wantPDError(t, "delete with the wrong id", err, pd.ErrConflict)
	if pe.Existing == nil || *pe.Existing != want || pe.Message != "Task ID does not match the current task" {
		t.Errorf("wrong id: %+v (existing %+v)", pe, pe.Existing)
	}
	wantPDError(t, "delete another type", e.pd.DeleteMaintenance(e.ctx(), "upgrade", "task-1"), pd.ErrNotFound)

	must(t, "delete", e.pd.DeleteMaintenance(e.ctx(), "rolling-restart", "task-1"))
	if tasks, err = e.pd.GetMaintenance(e.ctx()); err != nil || len(tasks) != 0 {
		t.Fatalf("after delete: %+v, %v", tasks, err)
	}
	wantPDError(t, "delete again", e.pd.DeleteMaintenance(e.ctx(), "rolling-restart", "task-1"), pd.ErrNotFound)
	must(t, "start after delete", e.pd.StartMaintenance(e.ctx(), "upgrade", "task-9", ""))
	if got, err = e.pd.GetMaintenanceByType(e.ctx(), "upgrade"); err != nil || got.ID != "task-9" || got.Description != "" {
		t.Fatalf("new task: %+v, %v", got, err)
	}
	wantKind(t, "bad id", e.pd.StartMaintenance(e.ctx(), "upgrade", "a/b", ""), pd.ErrInvalidArgument)
}
