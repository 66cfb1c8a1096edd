package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/operator-dev/operator/internal/api"
	"github.com/operator-dev/operator/internal/app"
	"github.com/operator-dev/operator/internal/auth"
	"github.com/operator-dev/operator/internal/config"
	"github.com/operator-dev/operator/internal/store/sqlite"
	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

const banner = "=== DEMO === simulated TiKV cluster (pdsim, in-process) · nothing real is watched or touched ==="

type demoOptions struct {
	// Speed is simulated seconds per wall second.
	Speed float64
	Dir   string
	// Listen is the daemon's API and console address.
	Listen string
	// Linger keeps the daemon and the console up after the story until
	// the context ends (Ctrl-C); false: return when the story is over.
	Linger bool
	// Open tries to open the console in a browser.
	Open bool
	// Within bounds each wait of an act, in wall time (default 3m).
	Within time.Duration
}

// demoUsers are the demo's people. alice and bob approve (two of them,
// since a high-risk action needs two different people); you log in to
// the console as admin, so the kill switch is yours to try.
var demoUsers = []struct {
	name string
	role auth.Role
}{{"alice", auth.Approver}, {"bob", auth.Approver}, {"you", auth.Admin}, {"narrator", auth.Viewer}}

func runDemo(ctx context.Context, out io.Writer, o demoOptions) error {
	if o.Speed <= 0 {
		return fmt.Errorf("--speed must be positive, got %v", o.Speed)
	}
	if o.Listen == "" {
		o.Listen = "127.0.0.1:0"
	}
	if o.Within <= 0 {
		o.Within = 3 * time.Minute
	}
	dir := o.Dir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "operator-demo-")
		if err != nil {
			return fmt.Errorf("make a temporary directory: %w", err)
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	logFile, err := os.Create(filepath.Join(dir, "operator.log"))
	if err != nil {
		return fmt.Errorf("create the demo's log file: %w", err)
	}
	defer logFile.Close()
	// Every log line says DEMO, so no line of it can pass for production.
	log := slog.New(slog.NewTextHandler(logFile, nil)).With("demo", "DEMO: simulated cluster")

	// The simulator, on a real loopback port, exactly as `operator pdsim` serves it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen for the simulator: %w", err)
	}
	simURL := "http://" + ln.Addr().String()
	// 96 GiB disks: the regions (about 56 GiB a store) are most of what
	// fills one, so moving regions off a full disk frees it. Zones z1..z3.
	cluster := pdsim.New(pdsim.Options{Stores: 5, Regions: 1000, Seed: 1, Clock: pdsim.NewScaledClock(o.Speed),
		StoreCapacity: 96 << 30, MaxStoreDownTime: 2 * time.Minute,
		Labels: func(id pdsim.StoreID) []pdsim.Label {
			return []pdsim.Label{{Key: "zone", Value: fmt.Sprintf("z%d", (int(id)-1)%3+1)}}
		}})
	sim := &http.Server{Handler: pdsim.NewServer(cluster, simURL), ReadHeaderTimeout: 10 * time.Second}
	go sim.Serve(ln)
	defer sim.Close()

	// The daemon, configured as `operator run --actions-mode execute`
	// would be, on SQLite; intervals short because demo time runs fast.
	cfg := config.Default()
	cfg.PD.Endpoint = simURL
	cfg.DB.Path = filepath.Join(dir, "operator.db")
	cfg.API.Listen = o.Listen
	cfg.Monitor.Interval = config.Duration(time.Second)
	cfg.Monitor.ClearAfter = config.Duration(3 * time.Second)
	cfg.Diagnosis.Interval = config.Duration(time.Second)
	cfg.Actions.Mode = config.ModeExecute
	cfg.Actions.Interval = config.Duration(250 * time.Millisecond)
	cfg.Actions.RecoveryWindow = config.Duration(20 * time.Second)
	if err := cfg.Validate(); err != nil {
		return err
	}
	tokens, err := demoIdentities(ctx, cfg.DB.Path)
	if err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	a, err := app.New(runCtx, cfg, log, app.WithBanner(banner))
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(runCtx) }()
	base := "http://" + a.Addr()
	pdc, err := pd.New(pd.Config{Endpoint: simURL, ReadOnly: true})
	if err != nil {
		return fmt.Errorf("demo: a PD client for the simulator: %w", err)
	}
	defer pdc.Close()

	say := &narrator{out: out, start: time.Now(), speed: o.Speed}
	s := &stage{cluster: cluster, simURL: simURL, speed: o.Speed, pd: pdc,
		viewer: api.NewClient(base, tokens["narrator"]), people: map[string]*api.Client{},
		say: say, poll: 250 * time.Millisecond, within: o.Within, settle: 30 * time.Second}
	for _, p := range []string{"alice", "bob"} {
		s.people[p] = api.NewClient(base, tokens[p])
	}
	intro(out, base, simURL, dir, tokens["you"])
	if o.Open {
		openBrowser(base + "/ui/")
	}

	results, storyErr := playStory(runCtx, s)
	summary(out, results, storyErr)
	if storyErr == nil && o.Linger {
		fmt.Fprintf(out, "\n%s\nThe daemon and the console stay up: %s/ui/ · Ctrl-C to stop.\n", banner, base)
		<-runCtx.Done()
	}
	cancel()
	runErr := <-done
	fmt.Fprintf(out, "%s\ndemo stopped; its database and log (%s) are removed with it unless --dir was given\n", banner, dir)
	switch {
	case storyErr != nil && !errors.Is(storyErr, context.Canceled):
		return storyErr
	case runErr != nil && !errors.Is(runErr, context.Canceled):
		return fmt.Errorf("the daemon: %w", runErr)
	}
	return nil
}

// playStory plays the acts in order and stops at the first that does not
// reach a verified outcome.
func playStory(ctx context.Context, s *stage) ([]result, error) {
	acts := story()
	var results []result
	for i, a := range acts {
		r, err := s.play(ctx, i+1, len(acts), a)
		results = append(results, r)
		if err != nil {
			return results, fmt.Errorf("incident %d (%s): %w", i+1, a.title, err)
		}
	}
	return results, nil
}

func intro(out io.Writer, base, simURL, dir, token string) {
	fmt.Fprintf(out, "%s\n", banner)
	fmt.Fprintf(out, "PD simulator:  %s (5 stores in zones z1-z3, 1000 regions)\n", simURL)
	fmt.Fprintf(out, "operator:      %s (actions mode: execute; diagnosis: the offline rules, no model, no key)\n", base)
	fmt.Fprintf(out, "web console:   %s/ui/  log in with the token below (user \"you\", admin)\n", base)
	fmt.Fprintf(out, "               %s\n", token)
	fmt.Fprintf(out, "terminal:      OPERATOR_TOKEN=%s go run ./cmd/operator top --server %s\n", token, base)
	fmt.Fprintf(out, "state and log: %s\n", dir)
	fmt.Fprintln(out, "Four incidents follow. The monitor detects each, the rules diagnose it and propose one registry action,")
	fmt.Fprintln(out, "the demo's approvers (alice, bob) approve it, and the executor runs, verifies and audits it.")
}

func summary(out io.Writer, results []result, err error) {
	fmt.Fprintf(out, "\n%s\nThe story so far:\n", banner)
	for i, r := range results {
		verdict := "did not finish"
		switch {
		case r.verified && r.resolved:
			verdict = "verified, ticket resolved"
		case r.verified:
			verdict = "verified"
		}
		what := "-"
		if r.run.ID != 0 {
			what = fmt.Sprintf("ticket #%d, run #%d %s: %s", r.ticketID, r.run.ID, r.run.Action, clipLine(r.run.Outcome, 110))
		}
		fmt.Fprintf(out, "  %d. %-32s %-26s %s\n", i+1, r.title, verdict, what)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(out, "stopped: %v\n", err)
	}
	if err == nil {
		fmt.Fprintf(out, "All %d incidents reached a verified outcome. `operator audit verify --db <dir>/operator.db` checks the record (run with --dir to keep it after the demo).\n", len(results))
	}
}

func clipLine(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// demoIdentities creates the demo's people in its fresh database (a real
// deployment creates its users with `operator users add`) and returns
// each one's token.
func demoIdentities(ctx context.Context, db string) (map[string]string, error) {
	st, err := sqlite.Open(ctx, db, sqlite.Options{})
	if err != nil {
		return nil, fmt.Errorf("demo: open %s: %w", db, err)
	}
	defer st.Close()
	tokens := map[string]string{}
	for _, u := range demoUsers {
		token, hash, err := auth.NewToken()
		if err != nil {
			return nil, err
		}
		if _, err := st.AddUser(ctx, auth.User{Name: u.name, Role: u.role, CreatedAt: time.Now(), CreatedBy: "operator-demo"}, hash); err != nil {
			return nil, fmt.Errorf("demo: add %s: %w", u.name, err)
		}
		tokens[u.name] = token
	}
	return tokens, nil
}
