package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/audit"
	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/store/sqlite"
)

// TestMain lets the signal test run this test binary as the demo itself.
func TestMain(m *testing.M) {
	if os.Getenv("OPERATOR_DEMO_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The whole story: each of the four incidents is detected, proposed,
// approved by the demo's people, executed against the simulator and
// verified; the audit chain holds every step.
func TestDemoEveryIncidentReachesAVerifiedOutcome(t *testing.T) {
	dir := t.TempDir()
	var out lockedBuffer
	err := runDemo(context.Background(), &out, demoOptions{Speed: 20, Dir: dir, Within: 3 * time.Minute})
	s := out.String()
	if err != nil {
		t.Fatalf("demo: %v\noutput:\n%s", err, s)
	}
	want := map[string]string{
		"A write hotspot":                 "split_region",
		"A disk filling up":               "set_store_weight",
		"Leaders piling onto one store":   "resume_scheduler",
		"A store that does not come back": "drain_store",
	}
	for title, act := range want {
		re := regexp.MustCompile(`\d\. ` + regexp.QuoteMeta(title) + ` +verified.*run #\d+ ` + act + `: verified`)
		if !re.MatchString(s) {
			t.Errorf("the summary does not show %q verified with %s", title, act)
		}
	}
	for _, w := range []string{"All 4 incidents reached a verified outcome", "alice approves", "bob approves",
		"2 of 2 approvals the policy needs for high risk", "drain of store 3: ", "regions (", "demo stopped"} {
		if !strings.Contains(s, w) {
			t.Errorf("demo output lacks %q", w)
		}
	}
	// Every narrated line says DEMO; so does every log line.
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		l := sc.Text()
		if strings.Contains(l, "sim ") && !strings.HasPrefix(l, "DEMO ") {
			t.Errorf("a narrated line without DEMO: %q", l)
		}
	}
	logs, err := os.ReadFile(filepath.Join(dir, "operator.log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(strings.TrimSpace(string(logs)), "\n") {
		if !strings.Contains(l, "DEMO") {
			t.Errorf("a log line without DEMO: %q", l)
		}
	}
	// The record: four completed runs and an intact chain.
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "operator.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	runs, err := st.ListRuns(context.Background(), store.RunFilter{States: []action.State{action.Completed}})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 4 {
		t.Errorf("%d completed runs, want 4: %+v", len(runs), runs)
	}
	rep, err := audit.Verify(context.Background(), st.Audit(), nil)
	if err != nil || !rep.OK {
		t.Errorf("audit chain: %+v, %v", rep, err)
	}
	if t.Failed() {
		t.Logf("output:\n%s", s)
	}
}

// Ctrl-C in the middle of the story: the demo stops the daemon and the
// simulator, removes its temporary directory and exits 0.
func TestDemoExitsCleanlyOnCtrlC(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	cmd := exec.Command(exe, "--open=false")
	cmd.Env = append(os.Environ(), "OPERATOR_DEMO_MAIN=1", "TMPDIR="+tmp)
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for !strings.Contains(out.String(), "Incident 1 of 4") {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the demo did not start its story:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond) // polling a child process's output; the deadline bounds it
	}
	// The console says DEMO on every page, the login page included, and
	// the API tells `operator top` the same.
	m := regexp.MustCompile(`web console: +(http://\S+)/ui/`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no console URL in the output:\n%s", out.String())
	}
	resp, err := http.Get(m[1] + "/ui/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "=== DEMO ===") {
		t.Errorf("the console's login page has no DEMO banner:\n%s", page)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("exit %d after Ctrl-C:\n%s", ee.ExitCode(), out.String())
		} else if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		t.Fatalf("still running a minute after Ctrl-C:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "demo stopped") {
		t.Errorf("no goodbye after Ctrl-C:\n%s", out.String())
	}
	left, _ := filepath.Glob(filepath.Join(tmp, "operator-demo-*"))
	if len(left) != 0 {
		t.Errorf("the demo left %v behind", left)
	}
}

func TestDemoRejectsBadSpeed(t *testing.T) {
	if err := runDemo(context.Background(), &bytes.Buffer{}, demoOptions{Speed: -1}); err == nil {
		t.Fatal("negative speed accepted")
	}
}
