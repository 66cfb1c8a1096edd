package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/api"
	"github.com/operator-dev/operator/internal/testenv"
)

// tmuxTerm is a tmux server of the test's own, with one session running
// one command in a real pseudo-terminal: what an SRE's terminal does, keys
// in and a screen out, with nothing of bubbletea's faked.
type tmuxTerm struct {
	t      *testing.T
	sock   string
	target string
	last   string // the last screen captured, for failure messages
}

// newTmuxTerm starts command (a shell command line) in a detached
// 120x40 session. env is set in the session (KEY=VALUE). The caller
// checks that tmux is installed.
func newTmuxTerm(t *testing.T, env []string, command string) *tmuxTerm {
	t.Helper()
	// A socket of its own (-S, in a short directory: a socket path is
	// limited to about 100 bytes) keeps the test off the user's tmux and
	// parallel runs off each other; -f /dev/null ignores any ~/.tmux.conf.
	dir, err := os.MkdirTemp("", "optop")
	if err != nil {
		t.Fatal(err)
	}
	tm := &tmuxTerm{t: t, sock: filepath.Join(dir, "tmux.sock"), target: "top"}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("last screen:\n%s", tm.last)
		}
		// The server is normally gone with its last session; this ends
		// it when the test failed half-way.
		exec.Command("tmux", "-S", tm.sock, "kill-server").Run() //nolint:errcheck // usually already gone
		os.RemoveAll(dir)
	})
	args := []string{"new-session", "-d", "-s", tm.target, "-x", "120", "-y", "40"}
	for _, kv := range env {
		args = append(args, "-e", kv)
	}
	tm.run(append(args, command)...)
	return tm
}

func (tm *tmuxTerm) run(args ...string) string {
	tm.t.Helper()
	out, err := tm.cmd(args...).CombinedOutput()
	if err != nil {
		tm.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (tm *tmuxTerm) cmd(args ...string) *exec.Cmd {
	c := exec.Command("tmux", append([]string{"-f", "/dev/null", "-S", tm.sock}, args...)...)
	// Not the caller's tmux, if the tests run inside one.
	c.Env = append(os.Environ(), "TMUX=")
	return c
}

// screen is the pane's text as it is now.
func (tm *tmuxTerm) screen() string {
	tm.t.Helper()
	tm.last = tm.run("capture-pane", "-p", "-t", tm.target)
	return tm.last
}

// waitScreen polls the pane until ok holds for its text.
func (tm *tmuxTerm) waitScreen(what string, within time.Duration, ok func(string) bool) string {
	tm.t.Helper()
	deadline := time.Now().Add(within)
	for {
		if s := tm.screen(); ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("the screen did not show %s within %s:\n%s", what, within, tm.last)
		}
		time.Sleep(100 * time.Millisecond) // polling a real terminal; the deadline bounds it
	}
}

// waitText waits until the screen holds every one of wants.
func (tm *tmuxTerm) waitText(within time.Duration, wants ...string) string {
	tm.t.Helper()
	return tm.waitScreen(fmt.Sprintf("%q", wants), within, func(s string) bool {
		for _, w := range wants {
			if !strings.Contains(s, w) {
				return false
			}
		}
		return true
	})
}

// keys presses keys by tmux's names ("j", "Enter", "Escape").
func (tm *tmuxTerm) keys(keys ...string) {
	tm.t.Helper()
	tm.run(append([]string{"send-keys", "-t", tm.target}, keys...)...)
}

// typ types text literally, a key per character.
func (tm *tmuxTerm) typ(text string) {
	tm.t.Helper()
	tm.run("send-keys", "-t", tm.target, "-l", text)
}

// shellQuote quotes s for the sh -c tmux runs a session's command with.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// selectedRow is the run row the dashboard's cursor is on, "" if none.
func selectedRow(screen string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.HasPrefix(l, "> ") {
			return l
		}
	}
	return ""
}

// isRunRow says whether l is the table row of run id, selected or not:
// a cursor column, then the ID padded by at least two spaces.
func isRunRow(l string, id action.ID) bool {
	if len(l) < 2 || (l[:2] != "> " && l[:2] != "  ") {
		return false
	}
	return strings.HasPrefix(l[2:], fmt.Sprintf("%d  ", id))
}

// The dashboard in a real terminal against a real daemon: pdsim plays the
// hot-region-split scenario, the daemon proposes the split, and an
// approver at `operator top` sees the ticket and the proposal, selects
// it, approves it with a reason, sees it approved (as does the API, with
// the reason and the approver's identity from the token), and quits with
// q, which ends the program cleanly and with it the tmux session.
func TestTopInARealTerminalApprovesAProposal(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		testenv.Missing(t, "no tmux on PATH: the pseudo-terminal test of `operator top` needs Debian's tmux package (scripts/test installs it)")
	}
	r := newActionsRig(t, 30)
	r.start("")
	p := r.proposal()

	// The token reaches top through the environment (a file it names),
	// never through a flag that would show in ps. The exit status and
	// stderr are kept, as the pane closes with the program.
	dir := t.TempDir()
	exitFile, errFile := filepath.Join(dir, "exit"), filepath.Join(dir, "stderr")
	command := fmt.Sprintf("%s top --server %s --interval 300ms 2>%s; echo $? >%s",
		shellQuote(os.Args[0]), shellQuote(r.server), shellQuote(errFile), shellQuote(exitFile))
	tm := newTmuxTerm(t, []string{"OPERATOR_E2E_MAIN=1", "OPERATOR_TOKEN_FILE=" + r.tf}, command)
	t.Cleanup(func() {
		if b, err := os.ReadFile(errFile); err == nil && t.Failed() && len(b) > 0 {
			t.Logf("top's stderr:\n%s", b)
		}
	})

	tm.waitScreen("the hot-region ticket and the proposed split", 30*time.Second, func(s string) bool {
		for _, l := range strings.Split(s, "\n") {
			if isRunRow(l, p.ID) && strings.Contains(l, "split_region") && strings.Contains(l, "region_id=49") && strings.Contains(l, "proposed") {
				// The cluster pane is there, with the stores once the
				// daemon serves an overview, else saying it has none yet.
				return strings.Contains(s, "hot-write-region/region=49") &&
					strings.Contains(s, "actions mode: execute: approved runs are carried out") &&
					(strings.Contains(s, "CLUSTER: 5 stores") || strings.Contains(s, "CLUSTER: no overview yet"))
			}
		}
		return false
	})

	if strings.Contains(tm.last, "refresh failed") {
		t.Errorf("a part of the screen failed to load:\n%s", tm.last)
	}

	// Move the cursor onto the proposal. Live runs are listed oldest
	// first; j moves down, and each press is seen on screen before the
	// next, so none is lost to a redraw.
	for i := 0; ; i++ {
		sel := selectedRow(tm.screen())
		if isRunRow(sel, p.ID) {
			break
		}
		if i == 10 {
			t.Fatalf("could not select run %d; the cursor is on %q", p.ID, sel)
		}
		tm.keys("j")
		tm.waitScreen("the cursor moving", 10*time.Second, func(s string) bool {
			return selectedRow(s) != sel
		})
	}

	tm.keys("a")
	tm.waitText(10*time.Second, fmt.Sprintf("approve run %d, reason (optional): _", p.ID))
	const reason = "tmux says the split is fine"
	tm.typ(reason)
	tm.waitText(10*time.Second, fmt.Sprintf("approve run %d, reason (optional): %s_", p.ID, reason))
	tm.keys("Enter")
	tm.waitText(30*time.Second, fmt.Sprintf("status: run %d (split_region) approved (1 of 1)", p.ID))

	// The daemon agrees: alice (the token's identity) approved it, with
	// the reason typed, and it is past proposed.
	tok, err := os.ReadFile(r.tf)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	v, err := api.NewClient(r.server, string(tok)).Run(ctx, p.ID)
	if err != nil {
		t.Fatalf("read run %d: %v", p.ID, err)
	}
	if len(v.Approvals) != 1 || v.Approvals[0].Actor != "alice" || v.Approvals[0].Reason != reason {
		t.Errorf("run %d's approvals: %+v, want one by alice with reason %q", p.ID, v.Approvals, reason)
	}
	if v.State == action.Proposed || v.State == action.Rejected {
		t.Errorf("run %d is %s after the approval", p.ID, v.State)
	}

	// q quits: the program exits 0 and the session, its only pane gone,
	// ends.
	tm.keys("q")
	deadline := time.Now().Add(20 * time.Second)
	for {
		b, err := os.ReadFile(exitFile)
		if err == nil && strings.TrimSpace(string(b)) != "" {
			if code := strings.TrimSpace(string(b)); code != "0" {
				t.Fatalf("top exited %s after q", code)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("top did not exit within 20s of q:\n%s", tm.screen())
		}
		time.Sleep(100 * time.Millisecond) // polling a real process; the deadline bounds it
	}
	for tm.cmd("has-session", "-t", tm.target).Run() == nil {
		if time.Now().After(deadline) {
			t.Fatal("the tmux session outlived top")
		}
		time.Sleep(50 * time.Millisecond) // polling a real process; the deadline bounds it
	}
	r.op.stop(t)
	r.sim.stop(t)
}
