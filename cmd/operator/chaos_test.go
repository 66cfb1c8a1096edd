package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/ticket"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

// The chaos suite (`go test -run Chaos ./...`): the whole hotspot flow
// (ticket, split_region proposal, approval, PD's operator, verification)
// with one fault active during the action, then cleared; after each,
// chaosRig.check proves no duplicate PD operator, no stuck action, no lost
// ticket and an intact audit chain. Each case has its own pdsim, daemon,
// database and ports, so they run in parallel.

// PD answers 500 to the next three requests from the moment the executor
// holds the maintenance lock: its submission and the look that follows
// fail. The run ends honestly (did not run, or verified) and the flow
// completes, with PD given one operator per run that reached it.
func TestChaosPDErrorsBurst(t *testing.T) {
	t.Parallel()
	c := newChaosRig(t, 30)
	c.start(c.faultAt("acquired", pdsim.Fault{Type: "pd-errors", Count: 3}))
	p := c.proposal()
	c.approve(p.ID)
	c.op.waitLog(t, "chaos: fault injected", "fault")
	c.honest(c.complete(p.ID, 90*time.Second))
	refused := 0
	for _, w := range c.writes() {
		if w.Path == "/pd/api/v1/operators" && w.Status == http.StatusInternalServerError {
			refused++
		}
	}
	if refused != 1 {
		t.Errorf("PD refused %d operator submissions with 500, want the one the fault hit", refused)
	}
	c.check(p.TicketID)
}

// PD answers nothing but 500 from the moment the executor holds the lock
// until the fault is cleared: nothing reaches PD, the run waits or fails
// honestly, and the flow completes once PD is back.
func TestChaosPDErrorsUntilCleared(t *testing.T) {
	t.Parallel()
	c := newChaosRig(t, 30)
	c.start(c.faultAt("acquired", pdsim.Fault{Type: "pd-errors"}))
	p := c.proposal()
	c.approve(p.ID)
	c.op.waitLog(t, "chaos: fault injected", "fault")
	c.waitOutput("server not started", 3, 30*time.Second)
	if n := c.acceptedOperators(); n != 0 {
		t.Fatalf("PD accepted %d operators while answering 500 to everything", n)
	}
	c.clearPDFaults()
	c.honest(c.complete(p.ID, 90*time.Second))
	c.check(p.TicketID)
}

// PD answers slower than the daemon's PD timeout from the moment the
// executor holds the lock: the submission times out (pdsim, like a PD
// whose client left, drops it), then PD is fast again and the flow
// completes.
func TestChaosPDSlow(t *testing.T) {
	t.Parallel()
	c := newChaosRig(t, 30)
	c.start(c.faultAt("acquired", pdsim.Fault{Type: "pd-slow", Latency: "2500ms"}), "--pd-timeout", "1s")
	p := c.proposal()
	c.approve(p.ID)
	c.op.waitLog(t, "chaos: fault injected", "fault")
	c.waitOutput("no answer within 1s", 2, 30*time.Second)
	c.clearPDFaults()
	c.honest(c.complete(p.ID, 90*time.Second))
	c.check(p.TicketID)
}

// PD cuts its answers in half and drops the connection from the moment
// the executor holds the lock: the submission reached PD though its
// answer was lost, so the executor must find the operator rather than
// submit again. The first run completes, with one operator.
func TestChaosPDTruncatedBodies(t *testing.T) {
	t.Parallel()
	c := newChaosRig(t, 30)
	c.start(c.faultAt("acquired", pdsim.Fault{Type: "pd-truncate"}))
	p := c.proposal()
	c.approve(p.ID)
	c.op.waitLog(t, "chaos: fault injected", "fault")
	c.waitOutput("unexpected EOF", 2, 30*time.Second)
	c.clearPDFaults()
	if done := c.complete(p.ID, 90*time.Second); done.ID != p.ID || done.State != action.Completed {
		t.Errorf("run %d ended %s %q, want the first, %d, to find its operator and verify it", done.ID, done.State, done.Outcome, p.ID)
	}
	c.check(p.TicketID)
}

// PD's leader changes before the approval, and again once the executor
// holds the lock, right before it submits (the new leader has no records
// of earlier operators): the split goes to the new leader, once, and is
// verified.
func TestChaosPDLeaderChange(t *testing.T) {
	t.Parallel()
	c := newChaosRig(t, 30)
	c.start(c.faultAt("acquired", pdsim.Fault{Type: "pd-leader-change"}))
	p := c.proposal()
	c.inject(pdsim.Fault{Type: "pd-leader-change"})
	c.approve(p.ID)
	c.op.waitLog(t, "chaos: fault injected", "fault")
	if done := c.complete(p.ID, 90*time.Second); done.ID != p.ID || done.State != action.Completed {
		t.Errorf("run %d ended %s %q, want the first, %d, verified", done.ID, done.State, done.Outcome, p.ID)
	}
	c.check(p.TicketID)
}

// PD's leader changes after our operator finished and before the executor
// looked at it: the new leader has no record of it. The daemon must not
// call the split "did not run" (it ran: the intent records PD's leader,
// and records under another leader prove nothing); it judges by the
// effect, and PD saw one operator.
func TestChaosPDLeaderChangeAfterTheOperator(t *testing.T) {
	t.Parallel()
	c := newChaosRig(t, 30)
	c.start(append(c.faultAt("submitted", pdsim.Fault{Type: "pd-leader-change"}), envFaultAfterOp+"=49"))
	p := c.proposal()
	c.approve(p.ID)
	c.op.waitLog(t, "chaos: fault injected", "fault")
	done := c.complete(p.ID, 90*time.Second)
	if done.ID == p.ID && strings.HasPrefix(done.Outcome, "did not run") {
		t.Fatalf("a split that ran was judged not run after PD's leader changed: %s", done.Outcome)
	}
	c.check(p.TicketID)
}

// Prometheus is down from the start (nothing listens at its endpoint): the
// monitor keeps going with a source-unavailable ticket, and the split,
// which needs only PD, completes.
func TestChaosPrometheusDown(t *testing.T) {
	t.Parallel()
	c := newChaosRig(t, 30)
	c.start(nil, "--prometheus-endpoint", "http://"+closedPort(t), "--prometheus-timeout", "1s")
	p := c.proposal()
	var source ticket.Ticket
	for _, tk := range c.ticketList() {
		if strings.HasPrefix(tk.DedupKey, "source-unavailable") && strings.Contains(tk.DedupKey, "prometheus") {
			source = tk
		}
	}
	if source.ID == 0 {
		t.Fatalf("no source-unavailable ticket for Prometheus: %v", keysOf(c.ticketList()))
	}
	c.approve(p.ID)
	c.complete(p.ID, 90*time.Second)
	if tk := c.ticket(source.ID); tk.State == ticket.Resolved {
		t.Errorf("the Prometheus ticket resolved while Prometheus is still down")
	}
	c.check(p.TicketID)
}

// The model provider is down, then answers garbage, then a malformed tool
// call: the rules still diagnose and propose, the split completes, and
// the API key (which the fake echoes back in its errors) is in neither the
// daemon's log nor the audit log.
func TestChaosLLMProviderDownOrGarbage(t *testing.T) {
	t.Parallel()
	const secret = "sk-ant-api03-CHAOS-never-log-me"
	var calls atomic.Int32
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		switch n := calls.Add(1); {
		case n == 1: // down: Anthropic's overloaded error, with the key echoed by a hostile proxy
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, `{"type":"error","error":{"type":"api_error","message":"internal error for key %s"}}`, r.Header.Get("X-Api-Key"))
		case n == 2: // garbage
			fmt.Fprint(w, `{"id":"msg_01","type":"message","content":[{"type":"tool_u`)
		default: // a tool call whose input is not a diagnosis
			fmt.Fprint(w, `{"id":"msg_02","type":"message","role":"assistant","model":"claude-sonnet-4-6",
				"content":[{"type":"tool_use","id":"toolu_01","name":"record_diagnosis","input":{"summary":42,"confidence":"very","proposed_action":"split it"}}],
				"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":100,"output_tokens":20}}`)
		}
	}))
	t.Cleanup(fake.Close)
	c := newChaosRig(t, 30)
	c.start([]string{"ANTHROPIC_API_KEY=" + secret, "OPERATOR_DIAGNOSIS_ANTHROPIC_BASE_URL=" + fake.URL,
		"OPERATOR_DIAGNOSIS_MAX_RETRIES=1", "OPERATOR_DIAGNOSIS_TIMEOUT=5s"},
		"--diagnosis-provider", "anthropic")
	p := c.proposal()
	if calls.Load() < 2 {
		t.Errorf("the fake model was asked %d times, want at least 2 (the 500 and its retry)", calls.Load())
	}
	if p.CreatedBy != "diagnosis" || !strings.Contains(p.Origin, "rules") {
		t.Errorf("the proposal came from %s (%s), want the rules' diagnosis", p.CreatedBy, p.Origin)
	}
	c.approve(p.ID)
	c.complete(p.ID, 90*time.Second)
	c.check(p.TicketID)
	export, _, err := run(t, nil, "audit", "export", "--db", c.db)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(export, secret) || strings.Contains(c.op.output(), secret) {
		t.Error("the API key is in the audit export or the daemon's log")
	}
}

// The database cannot grow from the moment the executor holds PD's
// maintenance lock, before it submits: the daemon says the disk is full,
// PD gets the operator once and never again, nothing committed is lost,
// and once space returns the run completes without a restart.
func TestChaosSQLiteDiskFull(t *testing.T) {
	t.Parallel()
	c := newChaosRigOn(t, 30, filepath.Join(t.TempDir(), "op.db"))
	// Room for the daemon's own writes until the fill: 10 MiB.
	limit := pageCount(t, c.db) + 2560
	c.start([]string{fmt.Sprintf("%s=%d", envMaxPages, limit), envFillAt + "=acquired", envFillDB + "=" + c.db})
	p := c.proposal()
	c.approve(p.ID)
	c.op.waitLog(t, "chaos: database filled", "pages")
	c.waitOutput("disk is full", 3, 60*time.Second)
	before := c.runs()
	if n := c.acceptedOperators(); n != 1 {
		t.Fatalf("PD accepted %d operators with the disk full, want the 1 submitted before", n)
	}
	dropBallast(t, c.db)
	done := c.complete(p.ID, 90*time.Second)
	if done.ID != p.ID {
		t.Errorf("run %d completed the split, want the first, %d", done.ID, p.ID)
	}
	// Nothing committed before was lost: every run is still there, none
	// went back in its life.
	after := map[action.ID]action.Run{}
	for _, r := range c.runs() {
		after[r.ID] = r
	}
	for _, r := range before {
		if a, ok := after[r.ID]; !ok || a.Version < r.Version {
			t.Errorf("run %d was v%d %s while the disk was full, now %+v", r.ID, r.Version, r.State, a)
		}
	}
	c.check(p.TicketID)
	// The submission's audit record was written before the disk filled
	// up or after it had room again; either way it is in the log.
	export, _, err := run(t, nil, "audit", "export", "--db", c.db)
	if err != nil || !strings.Contains(export, `"step":"submit"`) {
		t.Errorf("the audit log has no record of the submission to PD (%v)", err)
	}
}

// PD's wall clock jumps 90s forward right after the split's submission:
// PD's Date header and every heartbeat's age jump (all stores look
// Disconnected until they heartbeat again). Any store-down ticket this
// opens resolves, and the split is neither repeated nor lost.
func TestChaosClockJump(t *testing.T) {
	t.Parallel()
	c := newChaosRig(t, 30)
	c.start(c.faultAt("submitted", pdsim.Fault{Type: "clock-jump", By: "90s"}))
	p := c.proposal()
	c.approve(p.ID)
	c.op.waitLog(t, "chaos: fault injected", "fault")
	if done := c.complete(p.ID, 90*time.Second); done.ID != p.ID {
		t.Errorf("run %d completed the split, want the first, %d", done.ID, p.ID)
	}
	c.noteTickets()
	downs := 0
	for _, tk := range c.ticketList() {
		if strings.HasPrefix(tk.DedupKey, "store-down/") {
			downs++
			c.waitResolved(tk.ID, 30*time.Second)
		}
	}
	t.Logf("the jump opened %d store-down tickets, all resolved", downs)
	c.check(p.TicketID)
}

// ticket is one ticket as the daemon shows it.
func (c *chaosRig) ticket(id ticket.ID) ticket.Ticket {
	c.t.Helper()
	for _, tk := range c.ticketList() {
		if tk.ID == id {
			return tk
		}
	}
	c.t.Fatalf("no ticket %d", id)
	return ticket.Ticket{}
}
