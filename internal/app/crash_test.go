package app

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/auth"
	"github.com/operator-dev/operator/internal/config"
	"github.com/operator-dev/operator/internal/store/sqlite"
	"github.com/operator-dev/operator/internal/ticket"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

// TestMain lets the test binary run as the daemon in a child process, so a
// test can kill it with SIGKILL.
func TestMain(m *testing.M) {
	if os.Getenv("OPERATOR_APP_CHILD") == "1" {
		os.Exit(runChild())
	}
	os.Exit(m.Run())
}

func runChild() int {
	cfg := config.Default()
	cfg.PD.Endpoint = os.Getenv("CHILD_PD")
	cfg.DB.Path = os.Getenv("CHILD_DB")
	cfg.API.Listen = os.Getenv("CHILD_LISTEN")
	cfg.Monitor.Interval = config.Duration(time.Second)
	cfg.Monitor.ClearAfter = config.Duration(time.Hour)
	a, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(os.Stderr, nil)))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := a.Run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

type daemon struct {
	cmd   *exec.Cmd
	base  string
	token string
}

func startDaemon(t *testing.T, pdURL, db string) *daemon {
	t.Helper()
	token := userToken(t, db)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "OPERATOR_APP_CHILD=1", "CHILD_PD="+pdURL, "CHILD_DB="+db, "CHILD_LISTEN="+addr)
	logf, _ := os.Create(db + ".log")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return &daemon{cmd: cmd, base: "http://" + addr, token: token}
}

// userToken adds a viewer to the database (a new one each start: names
// are never reused) and returns its token.
func userToken(t *testing.T, db string) string {
	t.Helper()
	st, err := sqlite.Open(context.Background(), db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	token, hash, err := auth.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("viewer-%d", time.Now().UnixNano())
	if _, err := st.AddUser(context.Background(), auth.User{Name: name, Role: auth.Viewer, CreatedAt: time.Now(), CreatedBy: "test"}, hash); err != nil {
		t.Fatal(err)
	}
	return token
}

// get is an authenticated GET.
func get(url, token string) (*http.Response, error) {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	return http.DefaultClient.Do(req)
}

func (d *daemon) tickets() ([]ticket.Ticket, error) {
	resp, err := get(d.base+"/api/v1/tickets", d.token)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var ts []ticket.Ticket
	return ts, json.NewDecoder(resp.Body).Decode(&ts)
}

// waitTickets polls the daemon (a separate process on the wall clock) until
// cond holds, with a deadline.
func (d *daemon) waitTickets(t *testing.T, what string, cond func([]ticket.Ticket) bool) []ticket.Ticket {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ts, err := d.tickets()
		if err == nil && cond(ts) {
			return ts
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s: %v %v", what, ts, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestKill9MidCycleLosesNothing kills the daemon with SIGKILL while cycles
// are in flight (PD answers slowly), restarts it on the same database and
// checks that no ticket was lost or duplicated.
func TestKill9MidCycleLosesNothing(t *testing.T) {
	clock := pdsim.NewManualClock(time.Now())
	sim := pdsim.New(pdsim.Options{Stores: 5, Regions: 200, Clock: clock, MaxStoreDownTime: time.Minute})
	// inFlight reports the first PD request of an armed cycle: the daemon is
	// then mid-cycle, waiting on a slowed PD.
	inFlight := make(chan struct{})
	var armed atomic.Bool
	pdHandler := pdsim.NewServer(sim, "http://127.0.0.1:2379")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if armed.CompareAndSwap(true, false) {
			close(inFlight)
		}
		pdHandler.ServeHTTP(w, r)
	}))
	defer srv.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(sim.Inject(pdsim.Fault{Type: "kill-store", Store: 3}))
	must(sim.Inject(pdsim.Fault{Type: "fill-disk", Store: 2, AvailableRatio: 0.1}))
	clock.Advance(2 * time.Minute)
	db := filepath.Join(t.TempDir(), "op.db")

	d := startDaemon(t, srv.URL, db)
	isOpen := func(key string, ts []ticket.Ticket) bool {
		for _, tk := range ts {
			if tk.DedupKey == key && tk.State == ticket.Open && tk.Occurrences >= 2 {
				return true
			}
		}
		return false
	}
	before := d.waitTickets(t, "tickets for the dead store and the full disk", func(ts []ticket.Ticket) bool {
		return isOpen("store-down/store=3", ts) && isOpen("store-low-space/store=2", ts)
	})
	// Slow PD down and kill the daemon as soon as its next cycle asks PD.
	must(sim.Inject(pdsim.Fault{Type: "pd-slow", Latency: "400ms"}))
	armed.Store(true)
	select {
	case <-inFlight:
	case <-time.After(30 * time.Second):
		t.Fatal("the daemon never started another cycle")
	}
	must(d.cmd.Process.Signal(syscall.SIGKILL))
	d.cmd.Wait()
	must(sim.Inject(pdsim.Fault{Type: "clear-pd-faults"}))

	d2 := startDaemon(t, srv.URL, db)
	after := d2.waitTickets(t, "the restarted daemon to keep updating", func(ts []ticket.Ticket) bool {
		for _, tk := range ts {
			for _, old := range before {
				if tk.ID == old.ID && tk.Occurrences > old.Occurrences+1 {
					return true
				}
			}
		}
		return false
	})
	seen := map[string]ticket.ID{}
	for _, tk := range after {
		if tk.State == ticket.Resolved {
			continue
		}
		if prev, dup := seen[tk.DedupKey]; dup {
			t.Fatalf("two active tickets for %s: %d and %d", tk.DedupKey, prev, tk.ID)
		}
		seen[tk.DedupKey] = tk.ID
	}
	for _, old := range before {
		if id, ok := seen[old.DedupKey]; !ok || id != old.ID {
			t.Fatalf("ticket %d (%s) lost or replaced after kill -9: now %v", old.ID, old.DedupKey, seen)
		}
	}
}
