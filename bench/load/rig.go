package load

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/operator-dev/operator/internal/app"
	"github.com/operator-dev/operator/internal/auth"
	"github.com/operator-dev/operator/internal/config"
	"github.com/operator-dev/operator/internal/store/sqlite"
	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

// Config sizes one load run.
type Config struct {
	// Duration of each kind of measured phase (loaded, idle, bare), split
	// into Rounds rounds that take turns: loaded, idle, bare, loaded...
	Duration time.Duration
	Rounds   int
	// Readers are concurrent reading clients; they share Viewers tokens
	// round-robin. Approvers each have their own approver token.
	Readers, Viewers, Approvers int
	// Stores and Regions size pdsim; Speed is its simulated seconds per
	// real second (PD's hot statistics take three region heartbeats).
	Stores, Regions int
	Speed           float64
	// MonitorInterval, DiagnosisInterval and ActionsInterval are the
	// daemon's during the loaded phase.
	MonitorInterval, DiagnosisInterval, ActionsInterval time.Duration
	// HotEvery is how often a new write hotspot (one region, 12 MiB/s) is
	// injected, from the start until the last loaded phase ends, so
	// proposals keep appearing while the approvers work; at most MaxHot.
	// (Every hot region splits on its own every few simulated seconds, so
	// more hot regions at a higher speed is more work for pdsim than for
	// the daemon: at 300x, 90 of them made pdsim fall behind its clock.)
	HotEvery time.Duration
	MaxHot   int
	// WarmUpProposals: the loaded phase starts once the daemon has proposed
	// this many runs (so there is something to read and approve).
	WarmUpProposals int
	// Dir holds the database; Log receives the daemon's log.
	Dir string
	Log *slog.Logger
}

// DefaultConfig is the short run `go test ./bench/load` makes.
func DefaultConfig(dir string) Config {
	return Config{
		Duration: time.Second, Rounds: 1, Readers: 16, Viewers: 8, Approvers: 3,
		Stores: 10, Regions: 2000, Speed: 300,
		MonitorInterval: time.Second, DiagnosisInterval: time.Second, ActionsInterval: 200 * time.Millisecond,
		HotEvery: 250 * time.Millisecond, MaxHot: 20, WarmUpProposals: 2,
		Dir: dir, Log: slog.New(slog.DiscardHandler),
	}
}

// cluster is pdsim over loopback HTTP with the faults the run injects.
type cluster struct {
	sim *pdsim.Cluster
	srv *httptest.Server
	// cold are the regions still to be made hot, in key order, 10 apart
	// so a split of one never touches the next.
	mu   sync.Mutex
	cold []pd.RegionID
	hot  int
}

func startCluster(cfg Config) (*cluster, error) {
	// Disks large enough that the hot regions' writes do not fill them
	// within a long run (a low-space store would turn the run into a
	// different incident).
	sim := pdsim.New(pdsim.Options{Stores: cfg.Stores, Regions: cfg.Regions, Clock: pdsim.NewScaledClock(cfg.Speed),
		StoreCapacity: 16 << 40})
	// A killed store: a store-down ticket now, down peers and PD's repairs
	// (replica operators) once PD calls it Down.
	if err := sim.Inject(pdsim.Fault{Type: "kill-store", Store: 3}); err != nil {
		return nil, fmt.Errorf("kill store 3: %w", err)
	}
	c := &cluster{sim: sim, srv: httptest.NewServer(pdsim.NewServer(sim, "http://127.0.0.1:2379"))}
	client, err := pd.New(pd.Config{Endpoint: c.srv.URL, ReadOnly: true})
	if err != nil {
		c.close()
		return nil, err
	}
	list, err := client.GetRegionsByKey(context.Background(), "", cfg.Regions)
	client.Close()
	if err != nil {
		c.close()
		return nil, fmt.Errorf("list pdsim's regions: %w", err)
	}
	for i := 20; i < len(list.Regions) && len(c.cold) < cfg.MaxHot; i += 10 {
		c.cold = append(c.cold, list.Regions[i].ID)
	}
	return c, nil
}

// heatOne makes the next region hot: a hot-write-region ticket, a split
// proposal.
func (c *cluster) heatOne() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.cold) == 0 {
		return nil
	}
	id := c.cold[0]
	c.cold = c.cold[1:]
	if err := c.sim.Inject(pdsim.Fault{Type: "hotspot", Region: uint64(id), BytesPerSecond: 12 << 20}); err != nil {
		return fmt.Errorf("make region %d hot: %w", id, err)
	}
	c.hot++
	return nil
}

// heat injects a hotspot every interval until ctx ends or the regions run
// out.
func (c *cluster) heat(ctx context.Context, every time.Duration) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		c.mu.Lock()
		done := len(c.cold) == 0
		c.mu.Unlock()
		if done {
			return nil
		}
		if err := c.heatOne(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (c *cluster) close() { c.srv.Close() }

// daemon is the real daemon (app.New + Run) on a SQLite file.
type daemon struct {
	app    *app.App
	base   string
	cancel context.CancelFunc
	done   chan error
}

// daemonConfig is the daemon's configuration; idle keeps its loops from
// doing anything after the first monitor cycle.
func daemonConfig(cfg Config, pdURL, db string, idle bool) *config.Config {
	c := config.Default()
	c.PD.Endpoint = pdURL
	c.DB.Path = db
	c.API.Listen = "127.0.0.1:0"
	c.Monitor.Interval = config.Duration(cfg.MonitorInterval)
	c.Monitor.ClearAfter = config.Duration(3 * time.Second)
	c.Diagnosis.Interval = config.Duration(cfg.DiagnosisInterval)
	c.Actions.Mode = config.ModeExecute
	c.Actions.Interval = config.Duration(cfg.ActionsInterval)
	c.Actions.RecoveryWindow = config.Duration(2 * time.Minute)
	// The executor's own hourly budget would stop it after 10 splits;
	// the point is to keep it working.
	c.Actions.MaxPerHour = 100_000
	if idle {
		c.Monitor.Interval = config.Duration(time.Hour)
		c.Diagnosis.Interval = config.Duration(time.Hour)
		c.Actions.Interval = config.Duration(time.Hour)
	}
	return c
}

func startDaemon(ctx context.Context, c *config.Config, log *slog.Logger) (*daemon, error) {
	ctx, cancel := context.WithCancel(ctx)
	a, err := app.New(ctx, c, log)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("start the daemon: %w", err)
	}
	d := &daemon{app: a, base: "http://" + a.Addr(), cancel: cancel, done: make(chan error, 1)}
	go func() { d.done <- a.Run(ctx) }()
	return d, nil
}

// stop ends the daemon and waits for it (its store closed).
func (d *daemon) stop() error {
	d.cancel()
	select {
	case err := <-d.done:
		return err
	case <-time.After(30 * time.Second):
		return errors.New("the daemon did not stop within 30s")
	}
}

// waitFor polls path with token until it answers 200 and ok accepts the
// body.
func waitFor(ctx context.Context, hc *http.Client, base, path, token string, within time.Duration, ok func([]byte) bool) error {
	deadline := time.Now().Add(within)
	for {
		status, body, err := get(ctx, hc, base+path, token)
		if err == nil && status == 200 && ok(body) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("GET %s: not ready within %s (last: %d %v %.200s)", path, within, status, err, body)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond): // polling a server; the deadline bounds it
		}
	}
}

// user is a name and its bearer token.
type user struct {
	name, token string
	role        auth.Role
}

// addUsers creates the run's identities in the database file, as
// `operator users add` does, before the daemon opens it.
func addUsers(ctx context.Context, db string, viewers, approvers int) (vs, as []user, err error) {
	if err := os.MkdirAll(filepath.Dir(db), 0o750); err != nil {
		return nil, nil, fmt.Errorf("create the directory of %s: %w", db, err)
	}
	st, err := sqlite.Open(ctx, db, sqlite.Options{})
	if err != nil {
		return nil, nil, fmt.Errorf("open %s to add users: %w", db, err)
	}
	defer st.Close()
	add := func(name string, role auth.Role) (user, error) {
		tok, hash, err := auth.NewToken()
		if err != nil {
			return user{}, err
		}
		if _, err := st.AddUser(ctx, auth.User{Name: name, Role: role, CreatedAt: time.Now(), CreatedBy: "bench-load"}, hash); err != nil {
			return user{}, fmt.Errorf("add user %s: %w", name, err)
		}
		return user{name: name, token: tok, role: role}, nil
	}
	for i := range viewers {
		u, err := add(fmt.Sprintf("viewer-%d", i+1), auth.Viewer)
		if err != nil {
			return nil, nil, err
		}
		vs = append(vs, u)
	}
	for i := range approvers {
		u, err := add(fmt.Sprintf("approver-%d", i+1), auth.Approver)
		if err != nil {
			return nil, nil, err
		}
		as = append(as, u)
	}
	return vs, as, nil
}

func dbPath(cfg Config) string { return filepath.Join(cfg.Dir, "state", "operator.db") }
