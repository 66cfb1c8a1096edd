package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/pgtest"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

// haRig is pdsim playing scenarios/store-failure.yaml and daemons sharing
// one state store, each its own replica.
type haRig struct {
	t     *testing.T
	db    string
	pdURL string
	sim   *child
	alice string // token files of two approvers: a drain is high risk
	bob   string
}

func newHARig(t *testing.T, db string) *haRig {
	t.Helper()
	r := &haRig{t: t, db: db}
	r.alice = addUserCLI(t, db, "alice", "approver")
	r.bob = addUserCLI(t, db, "bob", "approver")
	r.sim = startChild(t, "pdsim", "--scenario", filepath.Join("..", "..", "scenarios", "store-failure.yaml"),
		"--speed", "20", "--listen", "127.0.0.1:0")
	r.pdURL = r.sim.waitLog(t, "pdsim serving PD's HTTP API", "url")
	return r
}

// replica starts `operator run` as replica id; crashStep, if set, kills it
// at that step of a run. It returns the child and its API's URL once it is
// serving.
func (r *haRig) replica(id, crashStep string) (*child, string) {
	r.t.Helper()
	env := []string{"OPERATOR_ACTIONS_INTERVAL=200ms", "OPERATOR_ACTIONS_RECOVERY_WINDOW=5s"}
	if crashStep != "" {
		env = append(env, "OPERATOR_E2E_CRASH_AT="+crashStep)
	}
	c := startChildEnv(r.t, env, "run", "--pd-endpoint", r.pdURL, "--db", r.db, "--api-listen", "127.0.0.1:0",
		"--monitor-interval", "1s", "--monitor-clear-after", "3s", "--diagnosis-interval", "1s", "--actions-mode", "execute",
		"--ha-replica-id", id, "--ha-lease-ttl", "3s")
	return c, c.waitLog(r.t, "operator running", "api")
}

func (r *haRig) cli(server, tokenFile string, args ...string) string {
	r.t.Helper()
	out, _, err := run(r.t, map[string]string{"OPERATOR_TOKEN_FILE": tokenFile}, append(args, "--server", server)...)
	if err != nil {
		r.t.Fatalf("operator %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// waitRun polls a replica's API until a run satisfies ok.
func (r *haRig) waitRun(server, what string, within time.Duration, ok func(action.Run) bool) action.Run {
	r.t.Helper()
	deadline := time.Now().Add(within)
	for {
		var rs []action.Run
		if err := json.Unmarshal([]byte(r.cli(server, r.alice, "actions", "list", "-o", "json")), &rs); err != nil {
			r.t.Fatal(err)
		}
		for _, run := range rs {
			if ok(run) {
				return run
			}
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("no run %s within %s: %+v", what, within, rs)
		}
		time.Sleep(200 * time.Millisecond) // polling a real process's API; the deadline bounds it
	}
}

// writes are the state-changing requests pdsim answered with 200 that
// match.
func (r *haRig) writes(match func(pdsim.Request) bool) []pdsim.Request {
	r.t.Helper()
	resp, err := http.Get(r.pdURL + "/pdsim/v1/requests")
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Writes []pdsim.Request }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		r.t.Fatal(err)
	}
	var out []pdsim.Request
	for _, w := range body.Writes {
		if match(w) && w.Status == http.StatusOK {
			out = append(out, w)
		}
	}
	return out
}

// haKillLeaderDuringDrain is the HA acceptance run on the store at db:
// replica a leads, the drain of the dead store is approved through replica
// b's API, a is SIGKILLed right after PD accepted the drain, and b takes
// the lease, finds the run in flight, observes it (never resubmits) and
// finishes it: PD saw exactly one state change of the store.
func haKillLeaderDuringDrain(t *testing.T, db string) {
	haKillLeaderAt(t, db, "submitted", 1, action.Completed, "verified")
}

// haKillLeaderAt kills the leader at step of the drain and checks the
// other replica's verdict: PD saw writes state changes of the store, and
// the run ended in state with an outcome starting with outcome.
func haKillLeaderAt(t *testing.T, db, step string, writes int, state action.State, outcome string) {
	r := newHARig(t, db)
	a, _ := r.replica("replica-a", step)
	a.waitLog(t, "leader: this replica leads", "replica")
	b, serverB := r.replica("replica-b", "")

	p := r.waitRun(serverB, "proposing drain_store of store 3", 2*time.Minute, func(run action.Run) bool {
		return run.State == action.Proposed && run.Action == "drain_store" && fmt.Sprint(run.Params["store_id"]) == "3"
	})
	// The approvals go through the replica that does not lead: every
	// replica serves the API.
	r.cli(serverB, r.alice, "actions", "approve", fmt.Sprint(p.ID))
	r.cli(serverB, r.bob, "actions", "approve", fmt.Sprint(p.ID))

	select {
	case err := <-a.done:
		a.done <- err
		if !strings.Contains(fmt.Sprint(err), "killed") {
			t.Fatalf("replica-a ended with %v, want killed at the %s step", err, step)
		}
	case <-time.After(2 * time.Minute):
		t.Fatalf("replica-a did not crash at the %s step of the drain", step)
	}
	b.waitLog(t, "leader: this replica leads", "replica")
	done := r.waitRun(serverB, "completed after failover", 2*time.Minute, func(run action.Run) bool {
		return run.ID == p.ID && run.State.Terminal()
	})
	if done.State != state || !strings.HasPrefix(done.Outcome, outcome) {
		t.Fatalf("run %d ended %s: %s; want %s: %s...", done.ID, done.State, done.Outcome, state, outcome)
	}
	// A drain is DELETE /store/3 (pd-ctl store delete), which PD answers
	// by making the store Offline; setting its state is the other way.
	storeState := func(w pdsim.Request) bool {
		return w.Path == "/pd/api/v1/store/3" || strings.HasPrefix(w.Path, "/pd/api/v1/store/3/state")
	}
	if ws := r.writes(storeState); len(ws) != writes {
		t.Fatalf("PD changed store 3's state %d times, want %d: %+v", len(ws), writes, ws)
	}
	if !strings.Contains(b.output(), "never resubmitting") {
		t.Errorf("replica-b did not say it found the run in flight:\n%s", b.output())
	}
	b.stop(t)
	out, _, err := run(t, nil, "audit", "verify", "--db", db)
	if err != nil || !strings.Contains(out, "chain intact") {
		t.Fatalf("audit verify: %v\n%s", err, out)
	}
	r.sim.stop(t)
}

// The acceptance run, on PostgreSQL (the HA store: several hosts).
func TestHAKillLeaderDuringDrain(t *testing.T) {
	haKillLeaderDuringDrain(t, pgtest.Shared(t).NewDatabase(t))
}

// The same on one SQLite file (replicas on one host): the lease and the
// fencing are the store's, whichever it is.
func TestHAKillLeaderDuringDrainSQLite(t *testing.T) {
	haKillLeaderDuringDrain(t, filepath.Join(t.TempDir(), "op.db"))
}
