package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/auth"
	"github.com/operator-dev/operator/internal/config"
	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/ticket"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

// TestBrowserApprovesHotspotSplit drives the web console in headless
// Chromium through the daemon's whole loop: the approver logs in with her
// token, sees the hotspot ticket on the overview, opens it, follows it to
// the split the rules proposed, approves it with a reason, reloads until
// the run has completed (PD split the region, the hotspot is gone) and
// finds her approval on the audit page with the chain intact. A viewer
// sees the same proposal with no way to approve it. No page logs an error
// (a CSP violation is one), and each main page is kept as a screenshot
// among the test's artifacts (go test -artifacts).
func TestBrowserApprovesHotspotSplit(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 6*time.Minute)
	defer cancel()
	browser := startChromium(ctx, t)
	t.Logf("screenshots and logs: %s", t.ArtifactDir())

	// scenarios/hot-region-split.yaml: region 49 written at 12 MiB/s, hot
	// on its own (8 MiB/s is the line), its halves not; 30 simulated
	// seconds per real second, so PD's three-heartbeat hot statistics
	// take seconds.
	sim := pdsim.New(pdsim.Options{Stores: 5, Regions: 100, Clock: pdsim.NewScaledClock(30)})
	if err := sim.Inject(pdsim.Fault{Type: "hotspot", Region: 49, BytesPerSecond: 12 << 20}); err != nil {
		t.Fatal(err)
	}
	pdSrv := httptest.NewServer(pdsim.NewServer(sim, "http://127.0.0.1:2379"))
	t.Cleanup(pdSrv.Close)

	cfg := testConfig(t, pdSrv.URL)
	cfg.Monitor.ClearAfter = config.Duration(3 * time.Second)
	cfg.Diagnosis.Interval = config.Duration(time.Second)
	cfg.Actions.Mode = config.ModeExecute
	cfg.Actions.Interval = config.Duration(200 * time.Millisecond)
	cfg.Actions.RecoveryWindow = config.Duration(2 * time.Minute)
	a := startBrowserDaemon(ctx, t, cfg)
	base := "http://" + a.Addr()
	// Under the default policy one approver suffices for split_region
	// (low risk; the proposer is the rules, not a person).
	aliceToken := addUser(t, a, "alice", auth.Approver)
	victorToken := addUser(t, a, "victor", auth.Viewer)

	alice := newTab(t, browser, "alice", base)
	alice.open("/ui/login")
	alice.expect("login page", `(?i)log in`, `API token`)
	alice.shot("01-login")
	alice.submit("/ui/login", map[string]string{"token": aliceToken})
	alice.expect("after logging in", `Overview`, `alice \(approver\)`)

	// The monitor opens the ticket once PD counts region 49 hot.
	const key = "hot-write-region/region=49"
	alice.waitFor("the hotspot ticket on the overview", "/ui/", 2*time.Minute, func(text string) (bool, string) {
		return strings.Contains(text, key), ""
	})
	tk, err := a.store.GetByKey(ctx, key)
	if err != nil {
		t.Fatalf("the overview shows %s but the store has no active ticket for it: %v", key, err)
	}
	ticketLink := fmt.Sprintf(`a[href="/ui/tickets/%d"]`, tk.ID)
	if alice.count(ticketLink) == 0 {
		alice.fatalf("the overview lists %s without a link to /ui/tickets/%d", key, tk.ID)
	}
	alice.shot("02-overview")
	alice.click("open the ticket from the overview", ticketLink)
	alice.expect("the ticket page", fmt.Sprintf(`Ticket %d`, tk.ID), regexp.QuoteMeta(key))

	// The rules diagnose it and propose splitting the region; the ticket's
	// page links to the proposal.
	ticketPath := fmt.Sprintf("/ui/tickets/%d", tk.ID)
	var run action.Run
	alice.waitFor("the split proposal linked from the ticket", ticketPath, 2*time.Minute, func(text string) (bool, string) {
		var ok bool
		if run, ok = proposedSplit(ctx, t, a, tk.ID); !ok {
			return false, ""
		}
		return strings.Contains(text, "split_region") && alice.count(fmt.Sprintf(`a[href="/ui/actions/%d"]`, run.ID)) > 0, ""
	})
	alice.shot("03-ticket")
	actionPath := fmt.Sprintf("/ui/actions/%d", run.ID)
	alice.click("follow the ticket to its proposal", `a[href="`+actionPath+`"]`)
	alice.expect("the proposal", fmt.Sprintf(`Action run %d`, run.ID), `split_region`, `State\s+proposed`,
		`Verdict\s+valid`, `Reversibility`, `Blast radius`)
	approvePath := actionPath + "/approve"
	approveForm := fmt.Sprintf(`form[action=%q]`, approvePath)
	if alice.count(approveForm+` [type="submit"]`) != 1 || !slices.Contains(alice.buttons(), "Approve") {
		alice.fatalf("an approver's proposal page has no Approve button in %s (buttons: %q)", approveForm, alice.buttons())
	}
	alice.shot("04-action-proposed")

	// A viewer reads the same proposal and has nothing to press.
	victor := newTab(t, browser, "victor", base)
	victor.open("/ui/login")
	victor.submit("/ui/login", map[string]string{"token": victorToken})
	victor.expect("the viewer after logging in", `victor \(viewer\)`)
	victor.open(actionPath)
	victor.expect("the proposal as a viewer", `split_region`, `State\s+proposed`)
	if n := victor.count(`form[action$="/approve"], form[action$="/reject"]`); n != 0 {
		victor.fatalf("a viewer is shown %d approve or reject forms", n)
	}
	if bs := victor.buttons(); slices.Contains(bs, "Approve") || slices.Contains(bs, "Reject") {
		victor.fatalf("a viewer is shown the buttons %q", bs)
	}
	victor.shot("04b-action-as-viewer")

	reason := "hot region 49 at 12 MiB/s; splitting halves it (browser test)"
	alice.submit(approvePath, map[string]string{"reason": reason})
	alice.expect("after approving", fmt.Sprintf(`Run %d approved\.`, run.ID), regexp.QuoteMeta(reason))
	alice.shot("05-action-approved")

	// The executor queues it, PD splits the region, the hotspot cools and
	// the run is verified.
	terminal := regexp.MustCompile(`State\s+(` + terminalStates() + `)\b`)
	text := alice.waitFor("the run completed", actionPath, 3*time.Minute, func(text string) (bool, string) {
		m := terminal.FindStringSubmatch(text)
		switch {
		case m == nil:
			return false, ""
		case m[1] != string(action.Completed):
			return false, "the run ended " + m[1]
		}
		return true, ""
	})
	if !regexp.MustCompile(`Outcome\s+verified`).MatchString(text) {
		alice.fatalf("the completed run does not show its verified outcome")
	}
	if alice.count(approveForm) != 0 {
		alice.fatalf("a completed run still offers the Approve form")
	}
	alice.shot("06-action-completed")
	alice.waitFor("the ticket resolved", ticketPath, time.Minute, func(text string) (bool, string) {
		return regexp.MustCompile(`State\s+resolved`).MatchString(text), ""
	})
	alice.shot("07-ticket-resolved")

	// The audit page: alice's approval, the run's outcome, the chain intact.
	alice.click("open the audit page from the navigation", `a[href="/ui/audit"]`)
	alice.expect("the audit page", `Audit`, `chain intact`)
	if strings.Contains(alice.text(), "TAMPERED") {
		alice.fatalf("the audit page says the log was tampered with")
	}
	var approval, outcome bool
	for _, r := range alice.rows() {
		cells := strings.Split(r, "\t")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		approval = approval || (slices.Contains(cells, "alice") && slices.Contains(cells, "approval"))
		outcome = outcome || slices.Contains(cells, "outcome")
	}
	if !approval || !outcome {
		alice.fatalf("the audit page lists alice's approval: %v; the run's outcome: %v", approval, outcome)
	}
	alice.shot("08-audit")

	// The CSP held: no page tried (and failed) to run a script, load
	// something from elsewhere or apply an inline style, and none logged
	// an error.
	for _, b := range []*tab{alice, victor} {
		if msgs := b.consoleProblems(); len(msgs) > 0 {
			t.Errorf("%s's pages logged %d console errors or warnings:\n%s", b.who, len(msgs), strings.Join(msgs, "\n"))
		}
	}
	// And the watcher would have seen a violation: an inline style, which
	// the CSP forbids, set on the page now is refused and reported.
	seen := len(alice.consoleProblems())
	alice.run("set an inline style", chromedp.Evaluate[chromedp.Void](`document.body.setAttribute("style", "color: red")`))
	deadline := time.Now().Add(30 * time.Second)
	for backoff := 10 * time.Millisecond; ; backoff = min(2*backoff, 500*time.Millisecond) {
		if msgs := alice.consoleProblems(); len(msgs) > seen && strings.Contains(msgs[len(msgs)-1], "Content Security Policy") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("an inline style on a console page was not reported as a CSP violation within 30s (so the check above proves nothing): %q", alice.consoleProblems()[seen:])
		}
		time.Sleep(backoff) // the poll's backoff; the deadline bounds it
	}
}

// startBrowserDaemon wires and runs the daemon for the rest of the test; its
// log goes to daemon.log among the test's artifacts, and its tail into the
// test's output if the test fails.
func startBrowserDaemon(ctx context.Context, t *testing.T, cfg *config.Config) *App {
	t.Helper()
	logPath := filepath.Join(t.ArtifactDir(), "daemon.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(ctx, cfg, slog.New(slog.NewTextHandler(logf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		logf.Close()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		// t.Context() (and so ctx) is done before cleanups run.
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("the daemon's Run: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("the daemon did not stop within 30s of its context ending")
		}
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			t.Logf("the daemon's log, last %d lines:\n%s", min(len(lines), 60), strings.Join(lines[max(0, len(lines)-60):], "\n"))
		}
	})
	return a
}

// addUser adds a user to the daemon's store and returns the token.
func addUser(t *testing.T, a *App, name string, role auth.Role) string {
	t.Helper()
	token, hash, err := auth.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.AddUser(t.Context(), auth.User{Name: name, Role: role, CreatedAt: time.Now(), CreatedBy: "browser-test"}, hash); err != nil {
		t.Fatalf("add user %s: %v", name, err)
	}
	return token
}

// proposedSplit finds the split of region 49 proposed for the ticket, if
// there is one yet.
func proposedSplit(ctx context.Context, t *testing.T, a *App, id ticket.ID) (action.Run, bool) {
	t.Helper()
	runs, err := a.store.ListRuns(ctx, store.RunFilter{TicketID: id, States: []action.State{action.Proposed}})
	if err != nil {
		t.Fatalf("runs of ticket %d: %v", id, err)
	}
	for _, r := range runs {
		if r.Action == "split_region" && fmt.Sprint(r.Params["region_id"]) == "49" {
			return r, true
		}
	}
	return action.Run{}, false
}

// terminalStates is the run states that end a run, as a regexp alternation.
func terminalStates() string {
	var s []string
	for _, st := range action.States() {
		if st.Terminal() {
			s = append(s, regexp.QuoteMeta(string(st)))
		}
	}
	return strings.Join(s, "|")
}
