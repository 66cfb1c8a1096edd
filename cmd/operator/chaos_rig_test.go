package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	sqlite "modernc.org/sqlite"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/app"
	"github.com/operator-dev/operator/internal/pgtest"
	"github.com/operator-dev/operator/internal/ticket"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

// The chaos rig: pdsim playing scenarios/hot-region-split.yaml as a child
// process, the daemon as another in execute mode, and alice to approve.
// Each chaos case runs the hotspot -> split_region -> approve -> verified
// flow with one fault active during the action, clears the fault, and
// ends with chaosRig.check: no duplicate PD operators, no stuck action, no
// lost ticket, an audit chain that verifies.

type chaosRig struct {
	*actionsRig
	// tickets are the IDs of every ticket seen during the run; none may
	// vanish.
	tickets map[ticket.ID]bool
}

// newChaosRig starts pdsim at speed simulated seconds per real second,
// with the daemon's state in a fresh database on the shared PostgreSQL
// (the store several replicas use in production).
func newChaosRig(t *testing.T, speed int) *chaosRig {
	t.Helper()
	return newChaosRigOn(t, speed, pgtest.Shared(t).NewDatabase(t))
}

// newChaosRigOn is newChaosRig with the state store at db: a SQLite path
// for the SQLite-only faults.
func newChaosRigOn(t *testing.T, speed int, db string) *chaosRig {
	t.Helper()
	r := &actionsRig{t: t, db: db}
	r.tf = addUserCLI(t, r.db, "alice", "approver")
	r.sim = startChild(t, "pdsim", "--scenario", filepath.Join("..", "..", "scenarios", "hot-region-split.yaml"),
		"--speed", fmt.Sprint(speed), "--listen", "127.0.0.1:0")
	r.pdURL = r.sim.waitLog(t, "pdsim serving PD's HTTP API", "url")
	return &chaosRig{actionsRig: r, tickets: map[ticket.ID]bool{}}
}

// start runs the daemon in execute mode with the intervals actionsRig
// uses, plus env (KEY=VALUE) and args.
func (c *chaosRig) start(env []string, args ...string) *child {
	c.t.Helper()
	env = append([]string{"OPERATOR_ACTIONS_INTERVAL=200ms", "OPERATOR_ACTIONS_RECOVERY_WINDOW=2m"}, env...)
	listen := "127.0.0.1:0"
	if c.server != "" {
		listen = strings.TrimPrefix(c.server, "http://") // the same address across restarts
	}
	base := []string{"run", "--pd-endpoint", c.pdURL, "--db-path", c.db, "--api-listen", listen,
		"--monitor-interval", "1s", "--monitor-clear-after", "3s", "--diagnosis-interval", "1s", "--actions-mode", "execute"}
	c.op = startChildEnv(c.t, env, append(base, args...)...)
	c.server = c.op.waitLog(c.t, "operator running", "api")
	return c.op
}

// inject posts a fault to pdsim (its own path, which PD faults leave alone).
func (c *chaosRig) inject(f pdsim.Fault) {
	c.t.Helper()
	b, _ := json.Marshal(f)
	resp, err := http.Post(c.pdURL+"/pdsim/v1/faults", "application/json", bytes.NewReader(b))
	if err != nil {
		c.t.Fatalf("inject %s: %v", f.Type, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var body bytes.Buffer
		body.ReadFrom(resp.Body)
		c.t.Fatalf("inject %s: %d %s", f.Type, resp.StatusCode, body.String())
	}
}

func (c *chaosRig) clearPDFaults() { c.t.Helper(); c.inject(pdsim.Fault{Type: "clear-pd-faults"}) }

// approve approves a run through the CLI, as alice.
func (c *chaosRig) approve(id action.ID) {
	c.t.Helper()
	if out := c.cli("actions", "approve", fmt.Sprint(id)); !strings.Contains(out, "approved") {
		c.t.Fatalf("approve run %d: %s", id, out)
	}
}

// proposal waits for the split of region 49 and notes its ticket.
func (c *chaosRig) proposal() action.Run {
	c.t.Helper()
	p := c.actionsRig.proposal()
	c.noteTickets()
	return p
}

// noteTickets remembers every ticket the daemon lists now.
func (c *chaosRig) noteTickets() {
	c.t.Helper()
	for _, tk := range c.ticketList() {
		c.tickets[tk.ID] = true
	}
}

func (c *chaosRig) ticketList() []ticket.Ticket {
	c.t.Helper()
	var ts []ticket.Ticket
	if err := json.Unmarshal([]byte(c.cli("tickets", "list", "-o", "json")), &ts); err != nil {
		c.t.Fatal(err)
	}
	return ts
}

// writes is pdsim's log of the state-changing requests PD answered.
func (c *chaosRig) writes() []pdsim.Request {
	c.t.Helper()
	resp, err := http.Get(c.pdURL + "/pdsim/v1/requests")
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Writes []pdsim.Request }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		c.t.Fatal(err)
	}
	return body.Writes
}

// acceptedOperators counts the operator-creating writes PD accepted.
func (c *chaosRig) acceptedOperators() int {
	c.t.Helper()
	n := 0
	for _, w := range c.writes() {
		if w.Method == http.MethodPost && w.Path == "/pd/api/v1/operators" && w.Status == http.StatusOK {
			n++
		}
	}
	return n
}

// waitOutput waits until at least n lines of the daemon's log hold s.
func (c *chaosRig) waitOutput(s string, n int, within time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(within)
	lines := func() int {
		k := 0
		for _, l := range strings.Split(c.op.output(), "\n") {
			if strings.Contains(l, s) {
				k++
			}
		}
		return k
	}
	for lines() < n {
		if time.Now().After(deadline) {
			c.t.Fatalf("the daemon did not log %q %d times within %s", s, n, within)
		}
		time.Sleep(100 * time.Millisecond) // polling a real process's log; the deadline bounds it
	}
}

// waitSubmitted waits until PD accepted an operator (the action is under way).
func (c *chaosRig) waitSubmitted(within time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(within)
	for c.acceptedOperators() == 0 {
		if time.Now().After(deadline) {
			c.t.Fatalf("PD accepted no operator within %s: %+v", within, c.runs())
		}
		time.Sleep(50 * time.Millisecond) // polling a real process; the deadline bounds it
	}
}

// complete waits for run id to end. While the flow ends with "did not
// run" (an honest verdict under a fault; the region is still hot) it
// approves the daemon's next split proposal, up to three runs. It returns
// the last run: completed, or failed with "may have run", which the
// daemon leaves to a human (it proposes nothing more for the ticket).
func (c *chaosRig) complete(id action.ID, within time.Duration) action.Run {
	c.t.Helper()
	deadline := time.Now().Add(within)
	for attempt := 1; ; attempt++ {
		done := c.waitRun(fmt.Sprintf("%d ended", id), time.Until(deadline), func(r action.Run) bool { return r.ID == id && r.State.Terminal() })
		if done.State == action.Completed || !strings.HasPrefix(done.Outcome, "did not run") {
			return done
		}
		if attempt == 3 {
			c.t.Fatalf("three split runs did not run; the last: %s %q", done.State, done.Outcome)
		}
		c.t.Logf("run %d ended %s (%s); approving the next proposal, if any", id, done.State, done.Outcome)
		next, ok := c.nextProposal(id, min(30*time.Second, time.Until(deadline)))
		if !ok {
			// The daemon proposes again only on a new diagnosis round;
			// the ticket stays open for a human.
			return done
		}
		c.approve(next.ID)
		id = next.ID
	}
}

// nextProposal waits for a split proposal of region 49 newer than run id.
func (c *chaosRig) nextProposal(id action.ID, within time.Duration) (action.Run, bool) {
	c.t.Helper()
	deadline := time.Now().Add(within)
	for {
		for _, r := range c.runs() {
			if r.ID > id && r.State == action.Proposed && r.Action == "split_region" && fmt.Sprint(r.Params["region_id"]) == "49" {
				return r, true
			}
		}
		if time.Now().After(deadline) {
			return action.Run{}, false
		}
		time.Sleep(200 * time.Millisecond) // polling a real process's API; the deadline bounds it
	}
}

// honest fails the test unless run ended completed and verified, or
// failed saying it did not run or may have run (check proves that PD
// accepted no operator for a run that says it did not run).
func (c *chaosRig) honest(r action.Run) {
	c.t.Helper()
	ok := (r.State == action.Completed && strings.HasPrefix(r.Outcome, "verified")) ||
		(r.State == action.Failed && (strings.HasPrefix(r.Outcome, "may have run") || strings.HasPrefix(r.Outcome, "did not run")))
	if !ok {
		c.t.Errorf("run %d ended %s %q", r.ID, r.State, r.Outcome)
	}
}

// check is the after-each check of the chaos suite, run once the faults
// are cleared. It stops the daemon (the audit chain is verified on a
// database nobody writes) and pdsim.
func (c *chaosRig) check(hot ticket.ID) {
	c.t.Helper()
	t := c.t
	// (b) No stuck action: every run ends, or is still legitimately a
	// proposal, within a deadline; and the maintenance lock is free.
	deadline := time.Now().Add(60 * time.Second)
	var runs []action.Run
	for {
		runs = c.runs()
		live := 0
		for _, r := range runs {
			if !r.State.Terminal() && r.State != action.Proposed {
				live++
			}
		}
		if live == 0 && c.maintenanceFree() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("60s after the faults cleared, %d runs are live or the maintenance lock is held: %+v", live, runs)
		}
		time.Sleep(200 * time.Millisecond) // polling a real process; the deadline bounds it
	}
	// (a) No duplicate PD operators: PD accepted at most one
	// operator-creating write per run that may have reached it, none for
	// a run that says it did not run, and one for each completed run.
	mayHaveRun, completed, completed49, may49 := 0, 0, 0, 0
	for _, r := range runs {
		reached := r.State == action.Completed || (r.State.Terminal() && r.Outcome != "" && !strings.HasPrefix(r.Outcome, "did not run") &&
			r.State != action.Rejected && r.State != action.Expired && r.State != action.Superseded && r.State != action.DryRun)
		split49 := r.Action == "split_region" && fmt.Sprint(r.Params["region_id"]) == "49"
		if reached {
			mayHaveRun++
			if split49 {
				may49++
			}
		}
		if r.State == action.Completed {
			completed++
			if split49 {
				completed49++
			}
		}
	}
	accepted := c.acceptedOperators()
	if accepted > mayHaveRun || accepted < completed {
		t.Errorf("PD accepted %d operator-creating writes; %d runs may have reached PD, %d completed: %+v", accepted, mayHaveRun, completed, runs)
	}
	if n := c.submissions(); n > may49 || n < completed49 {
		t.Errorf("PD accepted %d operators for region 49; %d split runs of it may have reached PD, %d completed", n, may49, completed49)
	}
	// (c) No lost ticket: every ticket seen is still there, and the
	// hotspot's is resolved or still tracked.
	now := map[ticket.ID]ticket.Ticket{}
	for _, tk := range c.ticketList() {
		now[tk.ID] = tk
	}
	for id := range c.tickets {
		if _, ok := now[id]; !ok {
			t.Errorf("ticket %d vanished", id)
		}
	}
	if tk, ok := now[hot]; !ok || tk.DedupKey != "hot-write-region/region=49" {
		t.Errorf("the hotspot ticket %d: %+v", hot, tk)
	}
	// (d) The audit chain verifies.
	c.op.stop(t)
	if out := c.auditVerify(); !strings.Contains(out, "chain intact") {
		t.Errorf("audit verify: %s", out)
	}
	c.sim.stop(t)
}

// maintenanceFree reports whether PD holds no maintenance task (the lock
// an action takes).
func (c *chaosRig) maintenanceFree() bool {
	c.t.Helper()
	resp, err := http.Get(c.pdURL + "/pd/api/v2/maintenance")
	if err != nil {
		c.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusNotFound
}

// waitResolved waits until the ticket is resolved.
func (c *chaosRig) waitResolved(id ticket.ID, within time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(within)
	for {
		var tk struct{ ticket.Ticket }
		if err := json.Unmarshal([]byte(c.cli("tickets", "show", fmt.Sprint(id), "-o", "json")), &tk); err != nil {
			c.t.Fatal(err)
		}
		if tk.State == ticket.Resolved {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("ticket %d (%s) is %s after %s", id, tk.DedupKey, tk.State, within)
		}
		time.Sleep(250 * time.Millisecond) // polling a real process's API; the deadline bounds it
	}
}

// closedPort is a local address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// Faults during the action. The executor goes from approval to PD's
// operator in well under a second, so a fault injected by the test after
// approving would often land after the action. Instead the daemon child
// (this test binary as the operator) injects it itself, synchronously, at
// one step of the first run that reaches it (app.StepHook, as the crash
// tests use): OPERATOR_E2E_FAULT_AT names the step, OPERATOR_E2E_FAULT the
// pdsim fault (JSON) and OPERATOR_E2E_PDSIM pdsim's URL. With
// OPERATOR_E2E_FAULT_AFTER_OP=<region> it first waits until PD's operator
// on that region has finished, so the fault falls between the operator's
// end and the executor's next look at it.
//
// The disk-full case needs the daemon's SQLite database to stop growing
// while the daemon runs, and to grow again later, without root (no small
// tmpfs in CI containers). SQLite's size limit is PRAGMA max_page_count: a
// page allocation beyond it fails with SQLITE_FULL, "database or disk is
// full", the very error an ENOSPC write gives, through the same code path
// in the daemon. The pragma does not persist and holds per connection, so
// the daemon child sets it on every writing connection its driver opens
// when OPERATOR_E2E_SQLITE_MAX_PAGES is set. At the step named by
// OPERATOR_E2E_FILL_DB_AT the child fills the file (OPERATOR_E2E_FILL_DB)
// up to that limit with a ballast table through a connection of its own:
// from then on the daemon cannot allocate a page. The test drops the
// ballast from outside when space should return; the freed pages lie
// below the limit and the daemon reuses them, without a restart.
const (
	envFaultAt      = "OPERATOR_E2E_FAULT_AT"
	envFault        = "OPERATOR_E2E_FAULT"
	envFaultPDSim   = "OPERATOR_E2E_PDSIM"
	envFaultAfterOp = "OPERATOR_E2E_FAULT_AFTER_OP"
	envMaxPages     = "OPERATOR_E2E_SQLITE_MAX_PAGES"
	envFillAt       = "OPERATOR_E2E_FILL_DB_AT"
	envFillDB       = "OPERATOR_E2E_FILL_DB"
)

// faultAt is the daemon's environment for injecting f at step.
func (c *chaosRig) faultAt(step string, f pdsim.Fault) []string {
	b, _ := json.Marshal(f)
	return []string{envFaultAt + "=" + step, envFault + "=" + string(b), envFaultPDSim + "=" + c.pdURL}
}

// init installs the hooks in the daemon child only; TestMain is shared
// with the other end-to-end tests, and these must be in place before it
// runs the operator's main.
func init() {
	if os.Getenv("OPERATOR_E2E_MAIN") != "1" {
		return
	}
	if v := os.Getenv(envMaxPages); v != "" {
		pages, err := strconv.Atoi(v)
		if err != nil {
			panic(envMaxPages + ": " + err.Error())
		}
		sqlite.RegisterConnectionHook(func(conn sqlite.ExecQuerierContext, dsn string) error {
			if strings.Contains(dsn, "query_only") {
				return nil // a reader never allocates pages
			}
			_, err := conn.ExecContext(context.Background(), fmt.Sprintf("PRAGMA max_page_count = %d", pages), nil)
			return err
		})
	}
	at := map[string]func(action.Run) error{}
	if step := os.Getenv(envFillAt); step != "" {
		at[step] = func(r action.Run) error {
			pages, err := fillDatabase(os.Getenv(envFillDB))
			if err == nil {
				childLog("chaos: database filled", "pages", pages)
			}
			return err
		}
	}
	if step := os.Getenv(envFaultAt); step != "" {
		at[step] = func(r action.Run) error {
			if region := os.Getenv(envFaultAfterOp); region != "" {
				if err := waitOperatorEnded(os.Getenv(envFaultPDSim), region); err != nil {
					return err
				}
			}
			resp, err := http.Post(os.Getenv(envFaultPDSim)+"/pdsim/v1/faults", "application/json", strings.NewReader(os.Getenv(envFault)))
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("inject %s: %s", os.Getenv(envFault), resp.Status)
			}
			childLog("chaos: fault injected", "fault", os.Getenv(envFault))
			return nil
		}
	}
	if len(at) == 0 {
		return
	}
	var mu sync.Mutex
	app.StepHook = func(step string, r action.Run) {
		mu.Lock()
		do := at[step]
		delete(at, step) // the first run to reach the step only
		mu.Unlock()
		if do == nil {
			return
		}
		if err := do(r); err != nil {
			childLog("chaos: step hook failed", "step", step, "err", err.Error())
			os.Exit(3)
		}
	}
}

// childLog writes one JSON log line as the daemon does, for waitLog.
func childLog(msg string, kv ...any) {
	rec := map[string]any{"msg": msg}
	for i := 0; i+1 < len(kv); i += 2 {
		rec[fmt.Sprint(kv[i])] = kv[i+1]
	}
	b, _ := json.Marshal(rec)
	fmt.Fprintln(os.Stderr, string(b))
}

// waitOperatorEnded polls PD until its operator on region has ended.
func waitOperatorEnded(pdURL, region string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(pdURL + "/pd/api/v1/operators/" + region)
		if err == nil {
			var body bytes.Buffer
			body.ReadFrom(resp.Body)
			resp.Body.Close()
			if s := body.String(); strings.Contains(s, "status: SUCCESS") || strings.Contains(s, "status: CANCEL") || strings.Contains(s, "status: TIMEOUT") || strings.Contains(s, "status: REPLACE") {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("PD's operator on region %s did not end within 30s", region)
		}
		time.Sleep(20 * time.Millisecond) // polling a real process; the deadline bounds it
	}
}

// fillDatabase adds ballast to the database at path until SQLite refuses
// a page (the connection hook caps it), big rows first, then smaller ones
// to use the last pages' room, and returns the page count.
func fillDatabase(path string) (int, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS chaos_ballast (b BLOB)`); err != nil {
		return 0, fmt.Errorf("create the ballast table: %w", err)
	}
	for size := 1 << 16; size >= 64; size /= 4 {
		for {
			_, err := db.ExecContext(ctx, `INSERT INTO chaos_ballast VALUES (zeroblob(?))`, size)
			if err == nil {
				continue
			}
			if !strings.Contains(err.Error(), "full") {
				return 0, fmt.Errorf("insert ballast: %w", err)
			}
			break
		}
	}
	var pages int
	err = db.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages)
	return pages, err
}

// pageCount is the database's size in pages.
func pageCount(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var pages int
	if err := db.QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	return pages
}

// dropBallast gives the space back: the ballast's pages go to SQLite's
// free list, below the daemon's limit.
func dropBallast(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`DROP TABLE chaos_ballast`); err != nil {
		t.Fatalf("drop the ballast: %v", err)
	}
}
