package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/pgtest"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

// Chaos: the leader is SIGKILLed at each step of a drain on PostgreSQL.
// The other replica takes over and reaches the honest verdict: before PD
// was called the run "did not run" and PD saw nothing; after, it is
// observed to its end, never resubmitted. (The step right after the
// submission is TestHAKillLeaderDuringDrain.)
func TestChaosKillLeaderMidAction(t *testing.T) {
	for _, tt := range []struct {
		step    string
		writes  int
		state   action.State
		outcome string
	}{
		{"executing", 0, action.Failed, "did not run"},
		{"acquired", 0, action.Failed, "did not run"},
		{"verifying", 1, action.Completed, "verified"},
	} {
		t.Run(tt.step, func(t *testing.T) {
			t.Parallel()
			haKillLeaderAt(t, pgtest.Shared(t).NewDatabase(t), tt.step, tt.writes, tt.state, tt.outcome)
		})
	}
}

// Chaos: PostgreSQL restarts (SIGQUIT, open transactions lost) twice while
// a drain runs: right after it is approved, and once it is executing. The
// daemon keeps running, reconnects, finishes the run once, loses no
// ticket, and the audit chain verifies.
func TestChaosPostgresRestartMidTransaction(t *testing.T) {
	srv := pgtest.Start(t)
	if srv == nil {
		return
	}
	db := srv.NewDatabase(t)
	r := newHARig(t, db)
	op, server := r.replica("replica-a", "")
	op.waitLog(t, "leader: this replica leads", "replica")
	p := r.waitRun(server, "proposing drain_store of store 3", 2*time.Minute, func(run action.Run) bool {
		return run.State == action.Proposed && run.Action == "drain_store" && fmt.Sprint(run.Params["store_id"]) == "3"
	})
	r.cli(server, r.alice, "actions", "approve", fmt.Sprint(p.ID))
	r.cli(server, r.bob, "actions", "approve", fmt.Sprint(p.ID))
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	// The API answers again once the pool has reconnected.
	r.waitRun(server, "executing or further", 2*time.Minute, func(run action.Run) bool {
		return run.ID == p.ID && run.State != action.Approved && run.State != action.Queued
	})
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	done := r.waitRun(server, "finished after the restarts", 2*time.Minute, func(run action.Run) bool {
		return run.ID == p.ID && run.State.Terminal()
	})
	if done.State != action.Completed || !strings.HasPrefix(done.Outcome, "verified") {
		t.Fatalf("run %d ended %s: %s", done.ID, done.State, done.Outcome)
	}
	storeState := func(w pdsim.Request) bool {
		return w.Path == "/pd/api/v1/store/3/state?state=Offline" || w.Path == "/pd/api/v1/store/3"
	}
	if ws := r.writes(storeState); len(ws) != 1 {
		t.Fatalf("PD changed store 3's state %d times, want once: %+v", len(ws), ws)
	}
	// No lost ticket: the store-down ticket the drain was for is there.
	out := r.cli(server, r.alice, "tickets", "list")
	if !strings.Contains(out, "store-down/store=3") {
		t.Fatalf("the store-down ticket is gone:\n%s", out)
	}
	select {
	case err := <-op.done:
		t.Fatalf("the daemon exited during the database restarts: %v", err)
	default:
	}
	op.stop(t)
	if out, _, err := run(t, nil, "audit", "verify", "--db", db); err != nil || !strings.Contains(out, "chain intact") {
		t.Fatalf("audit verify: %v\n%s", err, out)
	}
	r.sim.stop(t)
}
