package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/app"
	"github.com/operator-dev/operator/internal/ticket"
)

// crashAt makes this process, as the operator daemon, kill itself with
// SIGKILL at one step of the first action run that reaches it: a crash at
// exactly that point, with nothing flushed or cleaned up.
func crashAt(step string) {
	app.StepHook = func(s string, r action.Run) {
		if s == step {
			fmt.Fprintf(os.Stderr, "{\"msg\":\"crashing on purpose\",\"step\":%q,\"run\":%d}\n", s, r.ID)
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
		}
	}
}

// actionsRig is pdsim playing scenarios/hot-region-split.yaml and the
// daemon watching it in execute mode.
type actionsRig struct {
	t      *testing.T
	slack  *slackReceiver
	tf     string // alice's token file (approver)
	sim    *child
	pdURL  string
	db     string
	server string
	op     *child
}

// newActionsRig starts pdsim at speed simulated seconds per real second.
func newActionsRig(t *testing.T, speed int) *actionsRig {
	t.Helper()
	r := &actionsRig{t: t, db: filepath.Join(t.TempDir(), "op.db")}
	r.tf = addUserCLI(t, r.db, "alice", "approver")
	r.slack = newSlackReceiver(t)
	r.sim = startChild(t, "pdsim", "--scenario", filepath.Join("..", "..", "scenarios", "hot-region-split.yaml"),
		"--speed", fmt.Sprint(speed), "--listen", "127.0.0.1:0")
	r.pdURL = r.sim.waitLog(t, "pdsim serving PD's HTTP API", "url")
	return r
}

// start runs the daemon; crashStep, if set, kills it at that step.
func (r *actionsRig) start(crashStep string) *child {
	r.t.Helper()
	env := []string{"OPERATOR_ACTIONS_INTERVAL=200ms", "OPERATOR_ACTIONS_RECOVERY_WINDOW=2m",
		"OPERATOR_NOTIFY_SLACK_URL_ENV=OPS_SLACK", "OPS_SLACK=" + r.slack.url + "/services/T0/B0/secret"}
	if crashStep != "" {
		env = append(env, "OPERATOR_E2E_CRASH_AT="+crashStep)
	}
	listen := "127.0.0.1:0"
	if r.server != "" {
		listen = strings.TrimPrefix(r.server, "http://") // the same address across restarts
	}
	r.op = startChildEnv(r.t, env, "run", "--pd-endpoint", r.pdURL, "--db-path", r.db, "--api-listen", listen,
		"--monitor-interval", "1s", "--monitor-clear-after", "3s", "--diagnosis-interval", "1s", "--actions-mode", "execute")
	r.server = r.op.waitLog(r.t, "operator running", "api")
	return r.op
}

func (r *actionsRig) cli(args ...string) string {
	r.t.Helper()
	out, _, err := run(r.t, map[string]string{"OPERATOR_TOKEN_FILE": r.tf}, append(args, "--server", r.server)...)
	if err != nil {
		r.t.Fatalf("operator %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func (r *actionsRig) runs() []action.Run {
	r.t.Helper()
	var rs []action.Run
	if err := json.Unmarshal([]byte(r.cli("actions", "list", "-o", "json")), &rs); err != nil {
		r.t.Fatal(err)
	}
	return rs
}

// waitRun polls the daemon until a run satisfies ok.
func (r *actionsRig) waitRun(what string, within time.Duration, ok func(action.Run) bool) action.Run {
	r.t.Helper()
	deadline := time.Now().Add(within)
	for {
		for _, run := range r.runs() {
			if ok(run) {
				return run
			}
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("no run %s within %s: %+v", what, within, r.runs())
		}
		time.Sleep(200 * time.Millisecond) // polling a real process's API; the deadline bounds it
	}
}

// proposal waits for the split of region 49 the operator proposes.
func (r *actionsRig) proposal() action.Run {
	r.t.Helper()
	return r.waitRun("proposing split_region of region 49", 60*time.Second, func(run action.Run) bool {
		return run.State == action.Proposed && run.Action == "split_region" && fmt.Sprint(run.Params["region_id"]) == "49"
	})
}

// submissions is how many operators pdsim accepted for region 49.
func (r *actionsRig) submissions() int {
	r.t.Helper()
	resp, err := http.Get(r.pdURL + "/pdsim/v1/status")
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct {
		ByRegion map[string]int `json:"operators_created_by_region"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		r.t.Fatal(err)
	}
	return st.ByRegion["49"]
}

// waitExit waits for the daemon to die by SIGKILL.
func (r *actionsRig) waitExit(c *child) {
	r.t.Helper()
	select {
	case err := <-c.done:
		c.done <- err
		if ee, ok := err.(interface{ Sys() any }); !ok || !strings.Contains(fmt.Sprint(err), "killed") {
			r.t.Fatalf("daemon ended with %v (%v), want killed", err, ee)
		}
	case <-time.After(60 * time.Second):
		r.t.Fatal("the daemon did not crash at its step within 60s")
	}
}

func (r *actionsRig) auditVerify() string {
	r.t.Helper()
	out, _, err := run(r.t, nil, "audit", "verify", "--db", r.db)
	if err != nil {
		r.t.Fatalf("audit verify: %v\n%s", err, out)
	}
	return out
}

// The acceptance run: a hotspot ticket, the split proposal, an
// approval through the CLI, PD's operator, the region split, verified, the
// ticket resolved, and an audit chain that verifies and tells it all.
func TestBinariesHotspotSplitApproved(t *testing.T) {
	r := newActionsRig(t, 30)
	r.start("")
	p := r.proposal()
	if p.DryRun == nil || !p.DryRun.Valid {
		t.Fatalf("the proposal's dry run: %+v", p.DryRun)
	}
	show := r.cli("actions", "show", fmt.Sprint(p.ID))
	for _, want := range []string{"split_region", "Dry run: VALID", "Reversibility: irreversible", "Blast radius", "Rehearsal"} {
		if !strings.Contains(show, want) {
			t.Errorf("actions show lacks %q:\n%s", want, show)
		}
	}
	// People were told, in Slack's wire format, with a link to the run.
	msg := r.slack.wait(t, "approval-needed")
	if !strings.Contains(msg, fmt.Sprintf("/api/v1/actions/%d", p.ID)) || !strings.Contains(msg, `"type":"header"`) {
		t.Errorf("the approval request in Slack: %s", msg)
	}
	if out := r.cli("actions", "approve", fmt.Sprint(p.ID)); !strings.Contains(out, "approved") {
		t.Fatalf("approve: %s", out)
	}
	done := r.waitRun("completed", 90*time.Second, func(run action.Run) bool { return run.ID == p.ID && run.State.Terminal() })
	if done.State != action.Completed || !strings.Contains(done.Outcome, "resolved") {
		t.Fatalf("run ended %s: %s", done.State, done.Outcome)
	}
	if n := r.submissions(); n != 1 {
		t.Errorf("pdsim accepted %d operators for region 49, want 1", n)
	}
	var tk struct{ ticket.Ticket }
	if err := json.Unmarshal([]byte(r.cli("tickets", "show", fmt.Sprint(p.TicketID), "-o", "json")), &tk); err != nil {
		t.Fatal(err)
	}
	if tk.State != ticket.Resolved {
		t.Errorf("ticket %d is %s after the split", p.TicketID, tk.State)
	}
	r.op.stop(t)
	if out := r.auditVerify(); !strings.Contains(out, "chain intact") {
		t.Fatalf("audit verify: %s", out)
	}
	export, _, err := run(t, nil, "audit", "export", "--db", r.db)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"kind":"proposal"`, `"kind":"approval"`, `"actor":"alice"`, `"kind":"pd-call"`, `"kind":"outcome"`, `"to":"completed"`} {
		if !strings.Contains(export, want) {
			t.Errorf("audit export lacks %s", want)
		}
	}
	r.sim.stop(t)
}

// The daemon is killed (SIGKILL) at each step of an action run; after a
// restart the run reaches a verdict, PD saw at most one submission, the
// verdict says honestly whether it ran, nothing is left held, and the
// audit chain verifies.
func TestBinariesCrashAtEveryStep(t *testing.T) {
	steps := []struct {
		step      string
		submitted int // operators PD accepted
		state     action.State
		outcome   string // the verdict's start
	}{
		{"queued", 1, action.Completed, "verified"},
		{"executing", 0, action.Failed, "did not run"},
		{"acquired", 0, action.Failed, "did not run"},
		{"submitted", 1, action.Completed, "verified"},
		{"verifying", 1, action.Completed, "verified"},
		{"done", 1, action.Completed, "verified"},
	}
	// Before the submission the honest verdicts are "did not run" (PD's
	// records prove it) or, if another operator replaced the region's
	// record meanwhile and TiKV split the hot region by size, "may have
	// run"; either way PD must have seen no submission.
	undecided := map[string]bool{"executing": true, "acquired": true}
	for _, tt := range steps {
		t.Run(tt.step, func(t *testing.T) {
			t.Parallel()
			// Slower, so a restart lands well within PD's 10 simulated
			// minutes of operator records even on a loaded machine.
			r := newActionsRig(t, 10)
			crashed := r.start(tt.step)
			p := r.proposal()
			r.cli("actions", "approve", fmt.Sprint(p.ID))
			r.waitExit(crashed)
			r.start("")
			done := r.waitRun("with a verdict", 90*time.Second, func(run action.Run) bool { return run.ID == p.ID && run.State.Terminal() })
			honest := strings.HasPrefix(done.Outcome, tt.outcome) || (undecided[tt.step] && strings.HasPrefix(done.Outcome, "may have run"))
			if done.State != tt.state || !honest {
				t.Errorf("after a crash at %s: %s %q, want %s %q...", tt.step, done.State, done.Outcome, tt.state, tt.outcome)
			}
			if n := r.submissions(); n != tt.submitted {
				t.Errorf("after a crash at %s: PD accepted %d operators for region 49, want %d", tt.step, n, tt.submitted)
			}
			// Nothing stuck: no other run is live, and the maintenance
			// lock is free.
			for _, run := range r.runs() {
				if !run.State.Terminal() && run.State != action.Proposed {
					t.Errorf("run %d is still %s", run.ID, run.State)
				}
			}
			// The restarted daemon releases a lock left by the dead one
			// in its first pass (the run may have been terminal already).
			deadline := time.Now().Add(30 * time.Second)
			for {
				resp, err := http.Get(r.pdURL + "/pd/api/v2/maintenance")
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusNotFound {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("a maintenance task is still held 30s after the restart (GET /maintenance: %d)", resp.StatusCode)
				}
				time.Sleep(100 * time.Millisecond) // polling a real process; the deadline bounds it
			}
			r.op.stop(t)
			r.auditVerify()
			r.sim.stop(t)
		})
	}
}

// slackReceiver is a local Slack incoming webhook: it keeps what it is
// sent and answers as Slack does.
type slackReceiver struct {
	url  string
	mu   sync.Mutex
	msgs []string
}

func newSlackReceiver(t *testing.T) *slackReceiver {
	s := &slackReceiver{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.msgs = append(s.msgs, string(b))
		s.mu.Unlock()
		io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

// wait returns the first message mentioning kind, polling with a deadline.
func (s *slackReceiver) wait(t *testing.T, kind string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s.mu.Lock()
		for _, m := range s.msgs {
			if strings.Contains(m, kind) {
				s.mu.Unlock()
				return m
			}
		}
		n := len(s.msgs)
		s.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("no %s message in Slack within 30s (%d others)", kind, n)
		}
		time.Sleep(100 * time.Millisecond) // polling a real process; the deadline bounds it
	}
}
