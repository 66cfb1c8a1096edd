package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/pgtest"
	"github.com/operator-dev/operator/internal/ticket"
)

// TestMain lets the test binary be the operator binary in a child process
// (OPERATOR_E2E_MAIN=1), so the end-to-end test runs the real command line
// as separate processes, like an SRE would.
func TestMain(m *testing.M) {
	if os.Getenv("OPERATOR_E2E_MAIN") == "1" {
		if step := os.Getenv("OPERATOR_E2E_CRASH_AT"); step != "" {
			crashAt(step)
		}
		main()
		os.Exit(0)
	}
	// pgtest.Main stops the PostgreSQL server the HA and chaos tests share.
	os.Exit(pgtest.Main(m))
}

// child is the operator binary running one command.
type child struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	logs []map[string]any
	raw  strings.Builder
	seen chan map[string]any // every JSON log line, for waitLog
	done chan error
}

func startChild(t testing.TB, args ...string) *child {
	t.Helper()
	return startChildEnv(t, nil, args...)
}

// startChildEnv is startChild with extra environment (KEY=VALUE).
func startChildEnv(t testing.TB, env []string, args ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], append(args, "--log-format", "json")...)
	cmd.Env = append(append(os.Environ(), "OPERATOR_E2E_MAIN=1"), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, seen: make(chan map[string]any, 1024), done: make(chan error, 1)}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %v: %v", args, err)
	}
	go c.read(stderr)
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-c.done
		}
		if t.Failed() {
			t.Logf("%s logs:\n%s", args[0], c.output())
		}
	})
	return c
}

func (c *child) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		c.mu.Lock()
		c.raw.WriteString(line + "\n")
		c.mu.Unlock()
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil {
			select {
			case c.seen <- rec:
			default: // nobody is waiting for log lines any more
			}
		}
	}
	c.done <- c.cmd.Wait()
}

func (c *child) output() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.raw.String()
}

// waitLog returns the field of the first log record with the message.
func (c *child) waitLog(t testing.TB, msg, field string) string {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case rec := <-c.seen:
			if rec["msg"] == msg {
				return fmt.Sprint(rec[field])
			}
		case err := <-c.done:
			c.done <- err
			t.Fatalf("exited before logging %q: %v", msg, err)
		case <-deadline:
			t.Fatalf("no %q log within 30s", msg)
		}
	}
}

// stop sends SIGTERM and waits for a clean exit.
func (c *child) stop(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-c.done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("still running 30s after SIGTERM")
	}
}

// TestBinariesThreeProblemsScenario is the observe issue's acceptance run:
// `operator pdsim` plays scenarios/three-problems.yaml (store 3 crashes,
// region 49 runs hot, store 2 fills up; all heal), `operator run` watches
// it, and `operator tickets list` shows exactly one ticket per problem,
// each with evidence, each resolved after the scenario heals it.
func TestBinariesThreeProblemsScenario(t *testing.T) {
	// 30 simulated seconds per real second: the 12-minute scenario takes 24s.
	sim := startChild(t, "pdsim", "--scenario", filepath.Join("..", "..", "scenarios", "three-problems.yaml"),
		"--speed", "30", "--listen", "127.0.0.1:0")
	pdURL := sim.waitLog(t, "pdsim serving PD's HTTP API", "url")

	// One cycle is 30 simulated seconds; a problem must be gone for 90 of
	// them before its ticket resolves.
	db := filepath.Join(t.TempDir(), "op.db")
	tf := addUserCLI(t, db, "sre", "viewer")
	op := startChild(t, "run", "--pd-endpoint", pdURL, "--db-path", db, "--api-listen", "127.0.0.1:0",
		"--monitor-interval", "1s", "--monitor-clear-after", "3s")
	server := op.waitLog(t, "operator running", "api")

	want := []string{"hot-write-region/region=49", "store-down/store=3", "store-low-space/store=2"}
	var (
		tickets  []ticket.Ticket
		everOpen = map[string]bool{}
	)
	deadline := time.Now().Add(90 * time.Second)
	for {
		out, _, err := run(t, nil, "tickets", "list", "--server", server, "--token-file", tf, "-o", "json")
		if err != nil {
			t.Fatalf("tickets list: %v", err)
		}
		tickets = nil
		if err := json.Unmarshal([]byte(out), &tickets); err != nil {
			t.Fatalf("tickets list -o json: %v\n%s", err, out)
		}
		resolved := 0
		for _, tk := range tickets {
			if tk.State == ticket.Resolved {
				resolved++
			} else {
				everOpen[tk.DedupKey] = true
			}
		}
		if len(tickets) >= len(want) && resolved == len(tickets) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 90s: %d tickets, %d resolved: %+v", len(tickets), resolved, keysOf(tickets))
		}
		time.Sleep(250 * time.Millisecond) // polling a real process's API; the deadline bounds it
	}
	if got := keysOf(tickets); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("tickets over the run:\n got %q\nwant %q", got, want)
	}
	for _, tk := range tickets {
		if !everOpen[tk.DedupKey] {
			t.Errorf("%s was never seen open", tk.DedupKey)
		}
		if len(tk.Evidence) == 0 || tk.ResolvedAt == nil || !tk.ResolvedAt.After(tk.FirstSeen) {
			t.Errorf("%s: evidence %v, first seen %s, resolved %v", tk.DedupKey, tk.Evidence, tk.FirstSeen, tk.ResolvedAt)
		}
		if tk.DedupKey == "store-down/store=3" && tk.Severity != ticket.Critical {
			t.Errorf("store 3 was Down for 6 simulated minutes, its ticket is %s", tk.Severity)
		}
	}
	// The table an SRE reads.
	table, _, err := run(t, nil, "tickets", "list", "--server", server, "--token-file", tf, "--state", "resolved")
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range want {
		if !strings.Contains(table, key) {
			t.Errorf("table lacks %s:\n%s", key, table)
		}
	}
	op.stop(t)
	sim.stop(t)
}

func keysOf(ts []ticket.Ticket) []string {
	out := make([]string, 0, len(ts))
	for _, tk := range ts {
		out = append(out, tk.DedupKey)
	}
	sort.Strings(out)
	return out
}

// addUserCLI adds an API user to the database with `operator users add`,
// as an SRE does on the daemon's host, and keeps the printed token in a
// file only its owner reads.
func addUserCLI(t testing.TB, db, name, role string) string {
	t.Helper()
	out, _, err := run(t, map[string]string{"USER": "root"}, "users", "add", name, "--role", role, "--db", db)
	if err != nil {
		t.Fatalf("users add %s: %v\n%s", name, err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	token := lines[len(lines)-1]
	if !strings.HasPrefix(token, "optk_") {
		t.Fatalf("users add printed no token:\n%s", out)
	}
	path := filepath.Join(t.TempDir(), name+".token")
	if err := os.WriteFile(path, []byte(token), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
