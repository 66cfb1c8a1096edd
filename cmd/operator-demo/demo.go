package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/api"
	"github.com/operator-dev/operator/internal/app"
	"github.com/operator-dev/operator/internal/auth"
	"github.com/operator-dev/operator/internal/config"
	"github.com/operator-dev/operator/internal/runview"
	"github.com/operator-dev/operator/internal/store/sqlite"
	"github.com/operator-dev/operator/internal/ticket"
	"github.com/operator-dev/operator/internal/ticketview"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

const banner = "=== DEMO === simulated TiKV cluster (pdsim, in-process) · nothing real is watched or touched ==="

// scenario is the demo's story, in simulated time.
const scenario = `name: demo
description: a store crashes, a disk fills, both heal
cluster: {max-store-down-time: 2m}
events:
  - at: 30s
    fault: {type: kill-store, store: 3}
  - at: 90s
    fault: {type: fill-disk, store: 2, available_ratio: 0.1}
  - at: 6m
    fault: {type: restore-store, store: 3}
  - at: 7m
    fault: {type: fill-disk, store: 2, available_ratio: 0.8}
`

// scenarioLength is the simulated time by which the story has healed.
const scenarioLength = 8 * time.Minute

func runDemo(ctx context.Context, out, logw io.Writer, o demoOptions) error {
	if o.Speed <= 0 {
		return fmt.Errorf("--speed must be positive, got %v", o.Speed)
	}
	if o.Refresh <= 0 {
		o.Refresh = 2 * time.Second
	}
	if o.Duration <= 0 {
		o.Duration = time.Duration(float64(scenarioLength)/o.Speed) + 10*time.Second
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
	sc, err := pdsim.ParseScenario(strings.NewReader(scenario))
	if err != nil {
		return fmt.Errorf("demo scenario: %w", err)
	}
	log := slog.New(slog.NewTextHandler(logw, nil))

	// The simulator, on a real loopback port, exactly as `operator pdsim` serves it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen for the simulator: %w", err)
	}
	url := "http://" + ln.Addr().String()
	// 96 GiB disks: the regions (about 56 GiB a store) are most of what fills
	// one, so the advice for the full disk is to move regions off it.
	cluster := pdsim.New(pdsim.Options{Stores: 5, Regions: 1000, Seed: 1, Clock: pdsim.NewScaledClock(o.Speed), StoreCapacity: 96 << 30})
	cluster.Load(sc, func(ev pdsim.ScenarioEvent, err error) { log.Warn("scenario event failed", "err", err) })
	sim := &http.Server{Handler: pdsim.NewServer(cluster, url), ReadHeaderTimeout: 10 * time.Second}
	go sim.Serve(ln)
	defer sim.Close()

	// The daemon, configured as `operator run` would be, on SQLite.
	cfg := config.Default()
	cfg.PD.Endpoint = url
	cfg.DB.Path = filepath.Join(dir, "operator.db")
	cfg.API.Listen = "127.0.0.1:0"
	cfg.Monitor.Interval = config.Duration(time.Second)
	// Demo time runs fast: clear tickets a few wall seconds after healing.
	cfg.Monitor.ClearAfter = config.Duration(3 * time.Second)
	cfg.Diagnosis.Interval = config.Duration(time.Second)
	if err := cfg.Validate(); err != nil {
		return err
	}
	token, err := demoViewer(ctx, cfg.DB.Path)
	if err != nil {
		return err
	}
	runCtx, cancel := context.WithTimeout(ctx, o.Duration)
	defer cancel()
	a, err := app.New(runCtx, cfg, log)
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(runCtx) }()

	client := api.NewClient("http://"+a.Addr(), token)
	fmt.Fprintf(out, "%s\nPD simulator: %s · operator API: http://%s · database: %s\n", banner, url, a.Addr(), cfg.DB.Path)
	fmt.Fprintln(out, "Story: store 3 crashes at 0:30, store 2's disk fills at 1:30, both heal by 7:00 (simulated time).")
	fmt.Fprintln(out, "Advice comes from the offline rules provider (no model, no key); proposals are shown, never executed.")
	tick := time.NewTicker(o.Refresh)
	defer tick.Stop()
	start := time.Now()
	for {
		select {
		case err := <-done:
			fmt.Fprintf(out, "%s\ndemo finished; tickets were kept in %s while it ran\n", banner, cfg.DB.Path)
			return err
		case <-tick.C:
			ts, err := client.List(runCtx, api.ListOptions{})
			if err != nil {
				continue
			}
			sim := time.Duration(float64(time.Since(start)) * o.Speed).Round(time.Second)
			fmt.Fprintf(out, "\n%s\nsimulated time %s\n", banner, sim)
			ticketview.Table(out, ts, time.Now())
			advise(runCtx, out, client, ts)
			proposals(runCtx, out, client)
		}
	}
}

// demoViewer creates the demo's own read-only API identity in its fresh
// database (a real deployment creates its users with `operator users
// add`); the demo only reads.
func demoViewer(ctx context.Context, db string) (string, error) {
	st, err := sqlite.Open(ctx, db, sqlite.Options{})
	if err != nil {
		return "", fmt.Errorf("demo: open %s: %w", db, err)
	}
	defer st.Close()
	token, hash, err := auth.NewToken()
	if err != nil {
		return "", err
	}
	if _, err := st.AddUser(ctx, auth.User{Name: "demo", Role: auth.Viewer, CreatedAt: time.Now(), CreatedBy: "operator-demo"}, hash); err != nil {
		return "", fmt.Errorf("demo: add its viewer: %w", err)
	}
	return token, nil
}

// proposals prints the action runs proposed from those diagnoses, with
// their dry runs against the simulator. The demo runs in observe mode: they
// can be read (operator actions show), never approved.
func proposals(ctx context.Context, out io.Writer, client *api.Client) {
	rs, err := client.Runs(ctx, []action.State{action.Proposed}, 0)
	if err != nil || len(rs) == 0 {
		return
	}
	fmt.Fprintln(out, "proposed actions (observe-only: dry-run against the simulator, never executed):")
	runview.Table(out, rs, time.Now())
}

// advise prints, under the table, what the latest diagnosis of each active
// ticket advises.
func advise(ctx context.Context, out io.Writer, client *api.Client, ts []ticket.Ticket) {
	first := true
	for _, t := range ts {
		if !t.Active() {
			continue
		}
		v, err := client.Get(ctx, t.ID)
		if err != nil || len(v.Diagnoses) == 0 {
			continue
		}
		if first {
			fmt.Fprintln(out, "advice:")
			first = false
		}
		for _, r := range v.Diagnoses {
			fmt.Fprintf(out, "  #%d %s → %s\n", t.ID, t.DedupKey, ticketview.Advice(r))
		}
	}
}
