package sqlite_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/store/sqlite"
	"github.com/operator-dev/operator/internal/ticket"
)

const crashChildEnv = "OPERATOR_SQLITE_CRASH_CHILD_DB"

func crashViolation(storeID string) ticket.Ticket {
	labels := map[string]string{"store": storeID}
	return ticket.Ticket{DedupKey: ticket.Key("store-down", labels), Invariant: "store-down", Subject: "tikv",
		Severity: ticket.Critical, Labels: labels, Summary: "store " + storeID + " is down"}
}

// TestKilledProcessLosesNothing runs a child process that commits tickets,
// reports their IDs and is then killed with SIGKILL (no Close, no
// checkpoint). A new Store on the same file must find every one of them.
func TestKilledProcessLosesNothing(t *testing.T) {
	if path := os.Getenv(crashChildEnv); path != "" {
		crashChild(path)
		return
	}
	path := dbPath(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledProcessLosesNothing$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Skip anything the test framework prints before the child's report.
	var line string
	for r := bufio.NewReader(stdout); !strings.HasPrefix(line, "committed "); {
		if line, err = r.ReadString('\n'); err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("child exited without reporting its commits: %v", err)
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait() // reports "signal: killed"

	fields := strings.Fields(line)
	if len(fields) != 3 || fields[0] != "committed" {
		t.Fatalf("child said %q", line)
	}
	if _, err := os.Stat(path + "-wal"); err != nil {
		t.Fatalf("no WAL left by the killed child (%v): the test would not exercise recovery", err)
	}

	s := open(t, path, sqlite.Options{})
	for _, f := range fields[1:] {
		id, _ := strconv.ParseInt(f, 10, 64)
		got, err := s.Get(t.Context(), ticket.ID(id))
		if err != nil {
			t.Fatalf("ticket %d committed before the kill is gone: %v", id, err)
		}
		if got.State != ticket.Open || got.Occurrences != 2 {
			t.Fatalf("ticket %d after the kill = %+v", id, got)
		}
	}
	// The recovered database is writable and still deduplicates.
	_, outcome, err := s.OpenOrTouch(t.Context(), crashViolation("1"), time.Hour, time.Date(2026, 1, 1, 0, 1, 0, 0, time.UTC))
	if err != nil || outcome != store.OutcomeUpdated {
		t.Fatalf("touch after recovery = %v, %v", outcome, err)
	}
}

// crashChild commits two tickets, says so, and waits to be killed.
func crashChild(path string) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var ids []string
	for _, id := range []string{"1", "2"} {
		var tk ticket.Ticket
		for range 2 {
			if tk, _, err = s.OpenOrTouch(ctx, crashViolation(id), time.Hour, now); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
		}
		ids = append(ids, tk.ID.String())
	}
	fmt.Printf("committed %s\n", strings.Join(ids, " "))
	io.Copy(io.Discard, os.Stdin) // blocks until the parent kills us
	os.Exit(3)                    // the parent closed stdin without killing: never Close
}

// TestTwoStoresOnOneFile stands in for two processes (a daemon restarted
// while the old one is still exiting): each sees the other's commits, and
// the one-active-ticket rule holds across them.
func TestTwoStoresOnOneFile(t *testing.T) {
	path := dbPath(t)
	a := open(t, path, sqlite.Options{})
	b := open(t, path, sqlite.Options{})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	first, _, err := a.OpenOrTouch(t.Context(), crashViolation("7"), time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := b.Get(t.Context(), first.ID); err != nil || got.DedupKey != first.DedupKey {
		t.Fatalf("second store does not see the first's commit: %+v, %v", got, err)
	}

	const perStore, calls = 8, 8
	var wg sync.WaitGroup
	errs := make(chan error, 2*perStore*calls)
	for _, s := range []*sqlite.Store{a, b} {
		for range perStore {
			wg.Go(func() {
				for range calls {
					_, _, err := s.OpenOrTouch(t.Context(), crashViolation("9"), time.Hour, now)
					errs <- err
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("OpenOrTouch across two stores: %v", err)
		}
	}
	all, err := a.List(t.Context(), store.Filter{DedupKey: crashViolation("9").DedupKey})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || all[0].Occurrences != 2*perStore*calls {
		t.Fatalf("two stores made %d tickets (%+v), want one with %d occurrences", len(all), all, 2*perStore*calls)
	}
}
