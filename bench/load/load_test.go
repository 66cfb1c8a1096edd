package load

import (
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var (
	duration  = flag.Duration("load.duration", 0, "length of each kind of measured phase, all rounds together (default 1s)")
	rounds    = flag.Int("load.rounds", 1, "rounds of loaded, idle and bare phases, taking turns")
	speed     = flag.Float64("load.speed", 0, "pdsim's simulated seconds per real second (default 300)")
	readers   = flag.Int("load.readers", 16, "concurrent reading clients")
	viewers   = flag.Int("load.viewers", 8, "viewer tokens the readers share")
	approvers = flag.Int("load.approvers", 3, "approvers, each with their own token")
	regions   = flag.Int("load.regions", 2000, "regions in pdsim")
	stores    = flag.Int("load.stores", 10, "stores in pdsim")
	hotEvery  = flag.Duration("load.hot-every", 0, "how often a new region is made hot (default 250ms)")
	maxHot    = flag.Int("load.max-hot", 0, "regions made hot at most (default 20)")
	logDaemon = flag.Bool("load.log", false, "keep the daemon's log (daemon.log in the test's temporary directory, printed on failure)")
)

// TestLoad runs the harness and asserts only correctness: no request
// failed (approver races end in 409s, counted apart), every approval and
// rejection the API accepted has its audit record with its reason, the
// audit chain verifies, and the run did work worth measuring. The figures
// are printed with -v.
func TestLoad(t *testing.T) {
	cfg := DefaultConfig(t.TempDir())
	if *duration > 0 {
		cfg.Duration = *duration
	}
	if *speed > 0 {
		cfg.Speed = *speed
	}
	if *hotEvery > 0 {
		cfg.HotEvery = *hotEvery
	}
	if *maxHot > 0 {
		cfg.MaxHot = *maxHot
	}
	cfg.Rounds, cfg.Readers, cfg.Viewers, cfg.Approvers = *rounds, *readers, *viewers, *approvers
	cfg.Regions, cfg.Stores = *regions, *stores
	var logPath string
	if *logDaemon {
		logPath = filepath.Join(cfg.Dir, "daemon.log")
		f, err := os.Create(logPath)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cfg.Log = slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	res, err := Run(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var md strings.Builder
	res.Markdown(&md)
	t.Logf("figures:\n\n%s\nsteps:\n%s", md.String(), strings.Join(res.Steps, "\n"))
	if err := res.Err(); err != nil {
		if logPath != "" {
			b, _ := os.ReadFile(logPath)
			t.Logf("daemon log:\n%s", b)
		}
		t.Fatalf("the load run found problems:\n%v", err)
	}
	// The run must have exercised what it claims to.
	if res.Loaded.Reads.Requests == 0 || res.Idle.Reads.Requests == 0 || res.Bare.Reads.Requests == 0 {
		t.Fatalf("a phase made no reads: loaded %d, idle %d, bare %d",
			res.Loaded.Reads.Requests, res.Idle.Reads.Requests, res.Bare.Reads.Requests)
	}
	for c := range readClasses {
		if res.Loaded.By[c].Requests == 0 {
			t.Errorf("the loaded phase never read %s", classNames[c])
		}
	}
	if len(res.Decisions) == 0 {
		t.Errorf("the approvers decided nothing (proposals: %d runs)", res.Runs)
	}
	// Each loaded phase starts right after a daemon's first cycle, so
	// one shorter than two intervals may see none.
	if perRound := cfg.Duration / time.Duration(max(cfg.Rounds, 1)); res.Cycles == 0 && perRound >= 2*cfg.MonitorInterval {
		t.Errorf("the monitor ran no cycle during the loaded phases (%s each)", perRound)
	}
}
