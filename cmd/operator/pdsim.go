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
	"time"

	"github.com/spf13/cobra"

	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

func newPDSimCmd(stderr io.Writer, env lookupEnv) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pdsim",
		Short: "Serve a simulated PD (HTTP API, /metrics, fault injection) for demos and tests",
		Long: `pdsim serves PD's HTTP API over a simulated TiKV cluster, behaving like a real
PD for every endpoint the operator uses. Inject faults at runtime with
POST /pdsim/v1/faults or from a scenario file (see scenarios/README.md).`,
		Args: cobra.NoArgs,
	}
	f := cmd.Flags()
	f.String("listen", "", "address to serve on (default from pdsim.listen: 127.0.0.1:2379)")
	f.Int("stores", 0, "number of TiKV stores (default from pdsim.stores)")
	f.Int("regions", 0, "number of regions (default from pdsim.regions)")
	f.Int64("seed", 0, "random seed (default from pdsim.seed)")
	f.String("scenario", "", "YAML scenario: faults at simulated times")
	f.Float64("speed", 0, "simulated seconds per real second (default from pdsim.speed)")
	f.Duration("store-heartbeat", 10*time.Second, "how often live stores heartbeat (TiKV's default 10s)")
	f.Duration("region-heartbeat", 60*time.Second, "how often region leaders heartbeat (TiKV's default 60s)")
	f.Duration("disconnect-after", 20*time.Second, "heartbeat age at which PD reports a store Disconnected (PD: 20s)")
	f.Duration("max-store-down-time", 30*time.Minute, "PD's max-store-down-time: heartbeat age at which a store is Down")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		cfg, err := loadConfig(cmd, env)
		if err != nil {
			return err
		}
		p := cfg.PDSim
		if f.Changed("listen") {
			p.Listen, _ = f.GetString("listen")
		}
		if f.Changed("stores") {
			p.Stores, _ = f.GetInt("stores")
		}
		if f.Changed("regions") {
			p.Regions, _ = f.GetInt("regions")
		}
		if f.Changed("seed") {
			p.Seed, _ = f.GetInt64("seed")
		}
		if f.Changed("scenario") {
			p.Scenario, _ = f.GetString("scenario")
		}
		if f.Changed("speed") {
			p.Speed, _ = f.GetFloat64("speed")
		}
		cfg.PDSim = p
		if err := cfg.Validate(); err != nil {
			return &exitError{code: 2, err: err}
		}
		var sc *pdsim.Scenario
		if p.Scenario != "" {
			fh, err := os.Open(p.Scenario)
			if err != nil {
				return &exitError{code: 2, err: fmt.Errorf("pdsim: open scenario: %w", err)}
			}
			sc, err = pdsim.ParseScenario(fh)
			fh.Close()
			if err != nil {
				return &exitError{code: 2, err: fmt.Errorf("pdsim: %s: %w", p.Scenario, err)}
			}
			// The scenario sizes the cluster unless flags said otherwise.
			if sc.Cluster.Stores > 0 && !f.Changed("stores") {
				p.Stores = sc.Cluster.Stores
			}
			if sc.Cluster.Regions > 0 && !f.Changed("regions") {
				p.Regions = sc.Cluster.Regions
			}
		}
		opts := pdsim.Options{Stores: p.Stores, Regions: p.Regions, Seed: p.Seed, Clock: pdsim.NewScaledClock(p.Speed)}
		opts.StoreHeartbeat, _ = f.GetDuration("store-heartbeat")
		opts.RegionHeartbeat, _ = f.GetDuration("region-heartbeat")
		opts.DisconnectAfter, _ = f.GetDuration("disconnect-after")
		opts.MaxStoreDownTime, _ = f.GetDuration("max-store-down-time")
		for _, name := range []string{"store-heartbeat", "region-heartbeat", "disconnect-after", "max-store-down-time"} {
			if d, _ := f.GetDuration(name); d <= 0 {
				return &exitError{code: 2, err: fmt.Errorf("pdsim: --%s must be a positive duration, got %s", name, d)}
			}
		}
		log := newLogger(stderr, cfg)
		return runPDSim(cmd.Context(), log, p.Listen, opts, sc)
	}
	return cmd
}

// runPDSim serves until ctx is done.
func runPDSim(ctx context.Context, log *slog.Logger, listen string, opts pdsim.Options, sc *pdsim.Scenario) error {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("pdsim: listen on %s: %w", listen, err)
	}
	return servePDSim(ctx, log, ln, opts, sc)
}

// servePDSim serves on ln until ctx is done, then shuts down gracefully.
func servePDSim(ctx context.Context, log *slog.Logger, ln net.Listener, opts pdsim.Options, sc *pdsim.Scenario) error {
	url := "http://" + ln.Addr().String()
	cluster := pdsim.New(opts)
	if sc != nil {
		cluster.Load(sc, func(ev pdsim.ScenarioEvent, err error) {
			log.Warn("scenario event failed", "at", ev.At, "fault", ev.Fault.Type, "err", err)
		})
		log.Info("scenario loaded", "name", sc.Name, "events", len(sc.Events))
	}
	srv := &http.Server{Handler: pdsim.NewServer(cluster, url), ReadHeaderTimeout: 10 * time.Second}
	log.Info("pdsim serving PD's HTTP API", "url", url, "stores", opts.Stores, "regions", opts.Regions,
		"try", "curl "+url+"/pd/api/v1/stores")

	// Keep the model moving between requests so /metrics scrapes see time pass.
	go func() {
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				cluster.Sync()
			}
		}
	}()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("pdsim: serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("pdsim shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("pdsim: shutdown: %w", err)
	}
	return nil
}
