// Package app wires Operator's parts from a Config: the PD and Prometheus
// clients, the TiKV subject, the state store, the monitor and the HTTP API.
// It holds no logic of its own.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	promapi "github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/operator-dev/operator/internal/api"
	"github.com/operator-dev/operator/internal/config"
	"github.com/operator-dev/operator/internal/console"
	"github.com/operator-dev/operator/internal/diagnose"
	"github.com/operator-dev/operator/internal/execute"
	"github.com/operator-dev/operator/internal/leader"
	"github.com/operator-dev/operator/internal/monitor"
	"github.com/operator-dev/operator/internal/notify"
	"github.com/operator-dev/operator/internal/overview"
	"github.com/operator-dev/operator/internal/policy"
	"github.com/operator-dev/operator/internal/store/backend"
	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/tikv/observe"
	"github.com/operator-dev/operator/internal/tikv/pd"
)

// App is a wired daemon.
type App struct {
	cfg      *config.Config
	log      *slog.Logger
	store    backend.Store
	monitor  *monitor.Monitor
	runner   *diagnose.Runner
	exec     *execute.Executor
	policy   *policy.Watcher  // nil: the built-in policy
	notifier *notify.Notifier // nil: no channel configured
	write    *pd.Client       // nil in observe mode
	elector  *leader.Elector
	handler  http.Handler
	ln       net.Listener
}

// Option sets what the daemon is told by the binary that starts it, not
// by its configuration.
type Option func(*options)

type options struct{ banner string }

// WithBanner puts a banner on every screen served from the daemon's API
// (the demo binary's "DEMO"). It is no config key, so no config file can
// make a production daemon look like a demo or the other way round.
func WithBanner(b string) Option { return func(o *options) { o.banner = b } }

// New wires the daemon and opens its store and listener; nothing runs yet.
// A model provider's API key is read from the process environment.
func New(ctx context.Context, cfg *config.Config, log *slog.Logger, opts ...Option) (*App, error) {
	return NewWithEnv(ctx, cfg, log, os.LookupEnv, opts...)
}

// NewWithEnv is New with the environment the API key is read from.
func NewWithEnv(ctx context.Context, cfg *config.Config, log *slog.Logger, env func(string) (string, bool), opts ...Option) (*App, error) {
	var o options
	for _, f := range opts {
		f(&o)
	}
	pdc, err := pd.New(pd.Config{
		Endpoint: cfg.PD.Endpoint, Timeout: time.Duration(cfg.PD.Timeout), ReadOnly: true,
		TLS: pd.TLSConfig{CAFile: cfg.PD.ReadTLS.CAFile, CertFile: cfg.PD.ReadTLS.CertFile, KeyFile: cfg.PD.ReadTLS.KeyFile},
	})
	if err != nil {
		return nil, fmt.Errorf("set up the PD client for %s: %w", cfg.PD.Endpoint, err)
	}
	var prom promv1.API
	if cfg.Prometheus.Endpoint != "" {
		c, err := promapi.NewClient(promapi.Config{Address: cfg.Prometheus.Endpoint})
		if err != nil {
			return nil, fmt.Errorf("set up the Prometheus client for %s: %w", cfg.Prometheus.Endpoint, err)
		}
		prom = promv1.NewAPI(c)
	}
	subj, err := observe.New(observeConfig(cfg), pdc, prom, time.Now)
	if err != nil {
		return nil, fmt.Errorf("set up the TiKV subject: %w", err)
	}
	// The cluster overview the console and the API show: each monitor
	// cycle's, and a bounded window of them for the console's charts.
	hist := overview.NewHistory(overview.DefaultSamples, overview.DefaultNodes)
	subj.RecordOverview(hist)
	if dir := filepath.Dir(cfg.DB.Path); dir != "" && !cfg.DB.Postgres() {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create the directory of the state store %s: %w", cfg.DB.Path, err)
		}
	}
	st, err := backend.Open(ctx, cfg.DB.Path, log)
	if err != nil {
		return nil, fmt.Errorf("open the state store: %w", err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mon, err := monitor.New(monitor.Config{
		Interval: time.Duration(cfg.Monitor.Interval), HoldDown: time.Duration(cfg.Monitor.HoldDown),
		ClearAfter: time.Duration(cfg.Monitor.ClearAfter), ReopenWithin: time.Duration(cfg.Monitor.ReopenWithin),
	}, subj, st, log, monitor.NewMetrics(reg, st))
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("set up the monitor: %w", err)
	}
	ln, err := net.Listen("tcp", cfg.API.Listen)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("listen for the API on %s: %w", cfg.API.Listen, err)
	}
	pol, err := newPolicy(cfg, subj.Actions(), st.Audit(), log)
	if err != nil {
		st.Close()
		ln.Close()
		return nil, err
	}
	n, err := newNotifier(cfg, env, st.Audit(), log)
	if err != nil {
		st.Close()
		ln.Close()
		return nil, err
	}
	ex, write, err := newExecutor(cfg, st, subj, pdc, log, pol, n)
	if err != nil {
		st.Close()
		ln.Close()
		return nil, err
	}
	// The election: the App's lead runs while this replica holds the lease.
	a := &App{}
	elector, err := leader.New(leader.Config{Holder: replicaID(cfg), TTL: time.Duration(cfg.HA.LeaseTTL), Log: log},
		st, func(ctx context.Context) { a.lead(ctx) })
	if err != nil {
		st.Close()
		ln.Close()
		return nil, err
	}
	registry := map[string][]subject.ActionSpec{subj.Name(): subj.Actions()}
	apiHandler := api.New(st, api.Options{Log: log, ReopenWithin: time.Duration(cfg.Monitor.ReopenWithin),
		Metrics: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), AlertMapper: subj.MapAlert,
		Runs: st, Actions: ex, Registry: registry, Banner: o.banner, ActionsMode: cfg.Actions.Mode, Election: elector.Status,
		Overview: hist.Latest})
	// The web console (/ui/) beside the API, on the same port and the
	// same identities.
	mux := http.NewServeMux()
	mux.Handle("/ui/", console.New(console.Options{Store: st, Runs: st, Actions: ex, Registry: registry, Now: time.Now, Log: log,
		Overview: hist, Banner: o.banner}))
	mux.Handle("/", apiHandler)
	h := http.Handler(mux)
	runner, err := newRunner(cfg, st, subj, env, log, reg)
	if err != nil {
		st.Close()
		ln.Close()
		return nil, err
	}
	*a = App{cfg: cfg, log: log, store: st, monitor: mon, runner: runner, exec: ex, policy: pol, notifier: n, write: write,
		elector: elector, handler: h, ln: ln}
	return a, nil
}

// observeConfig maps the configuration onto the TiKV adapter's thresholds,
// every field of observe.Config set from its key (thresholds_test.go fails
// if one is left out, or if the two sets of defaults drift apart).
func observeConfig(cfg *config.Config) observe.Config {
	inv := cfg.Invariants
	return observe.Config{
		PDTimeout:         time.Duration(cfg.PD.Timeout),
		PrometheusTimeout: time.Duration(cfg.Prometheus.Timeout),

		DisconnectAfter:    time.Duration(inv.DisconnectAfter),
		StoreRecoveryGrace: time.Duration(inv.StoreRecoveryGrace),
		OfflineStuckAfter:  time.Duration(inv.OfflineStuckAfter),
		LowSpaceMargin:     zeroAllowed(inv.LowSpaceMargin),

		RegionCheckLimit:      inv.RegionCheckLimit,
		MissPeerMinRegions:    inv.MissPeerMinRegions,
		DownPeerMinRegions:    inv.DownPeerMinRegions,
		PendingPeerMinRegions: inv.PendingPeerMinRegions,
		PendingPeerHoldDown:   time.Duration(inv.PendingPeerHoldDown),
		ExtraPeerHoldDown:     time.Duration(inv.ExtraPeerHoldDown),
		ExtraPeerMinRegions:   inv.ExtraPeerMinRegions,
		OversizedMinRegions:   inv.OversizedMinRegions,

		LeaderImbalanceRatio:   inv.LeaderImbalanceRatio,
		LeaderImbalanceMinDiff: zeroAllowed(inv.LeaderImbalanceMinDiff),
		RegionImbalanceRatio:   inv.RegionImbalanceRatio,
		RegionImbalanceMinDiff: zeroAllowed(inv.RegionImbalanceMinDiff),

		HotWriteRegionBytes: float64(inv.HotWriteRegionRate),
		HotReadRegionBytes:  float64(inv.HotReadRegionRate),
		HotWriteStoreBytes:  float64(inv.HotWriteStoreRate),
		HotReadStoreBytes:   float64(inv.HotReadStoreRate),
		MaxHotRegions:       inv.MaxHotRegions,

		OperatorStuckFraction: inv.OperatorStuckFraction,
		OperatorStuckAfter:    time.Duration(inv.OperatorStuckAfter),
		MaxTrackedOperators:   inv.MaxTrackedOperators,
		MaxStuckOperators:     inv.MaxStuckOperators,

		LatencyMetric:    inv.LatencyMetric,
		LatencyQuantile:  inv.LatencyQuantile,
		LatencyWindow:    time.Duration(inv.LatencyWindow),
		LatencyThreshold: time.Duration(inv.LatencyThreshold),
	}
}

// zeroAllowed passes on a threshold for which config accepts 0 (a low-space
// margin of 0: no early warning; an imbalance min-diff of 0: the ratio
// alone). observe.Config reads a zero field as "use the default", so 0 is
// sent as the smallest positive float, which is 0 in every comparison the
// thresholds take part in (0.8 - 5e-324 == 0.8).
func zeroAllowed(v float64) float64 {
	if v == 0 {
		return math.SmallestNonzeroFloat64
	}
	return v
}

// lead is the leader's work for one term: the monitor, diagnosis and the
// executor, under a context carrying the lease's fencing token, until the
// term ends. Diagnosis runs beside the monitor, never in its cycle, so a
// slow model cannot delay detection; proposals and execution run beside
// both, so a slow PD write delays neither.
func (a *App) lead(ctx context.Context) {
	a.exec.BeginTerm()
	var wg sync.WaitGroup
	wg.Go(func() { a.monitor.Run(ctx, time.Now) })
	wg.Go(func() { a.runner.Run(ctx) })
	wg.Go(func() { a.runActions(ctx) })
	wg.Wait()
}

// replicaID is ha.replica-id, or the host name: stable across restarts,
// so a restarted single replica takes its own lease back at once.
func replicaID(cfg *config.Config) string {
	if cfg.HA.ReplicaID != "" {
		return cfg.HA.ReplicaID
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return "operator"
}

// Addr is where the API listens.
func (a *App) Addr() string { return a.ln.Addr().String() }

// Run serves the API and runs the monitor until ctx ends, then finishes the
// cycle in progress, stops the API and closes the store.
func (a *App) Run(ctx context.Context) error {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	srv := &http.Server{Handler: a.handler, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(a.ln) }()
	a.log.Info("operator running", "api", "http://"+a.Addr(), "pd", a.cfg.PD.Endpoint,
		"prometheus", a.cfg.Prometheus.Endpoint, "db", backend.Describe(a.cfg.DB.Path), "replica", a.elector.Status().Holder, "interval", time.Duration(a.cfg.Monitor.Interval).String())
	// Every replica serves the API; the one holding the lease also
	// monitors, diagnoses and executes (see lead).
	electDone := make(chan error, 1)
	go func() { electDone <- a.elector.Run(ctx, time.Now) }()
	policyDone := make(chan struct{})
	go func() {
		defer close(policyDone)
		a.watchPolicy(ctx)
	}()
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
		stop()
	}
	if err := <-electDone; err != nil {
		a.log.Warn("leaving the election", "err", err)
	}
	<-policyDone
	if a.write != nil {
		a.write.Close()
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		a.log.Warn("API shutdown", "err", err)
	}
	if err := a.store.Close(); err != nil {
		return fmt.Errorf("close the state store: %w", err)
	}
	a.log.Info("operator stopped")
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return fmt.Errorf("serve the API: %w", serveErr)
	}
	return nil
}
