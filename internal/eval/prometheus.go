package eval

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// A real Prometheus for the scenarios that need one (store-high-latency):
// it scrapes each simulated TiKV's metrics page, which pdsim integrates
// over simulated time.
//
// Prometheus stamps samples with the wall clock while the scenario runs on
// a manual one, so two things bridge them. Queries are moved from
// simulated to wall time (shiftedAPI): "now" in the simulation is now for
// Prometheus. And the harness waits, after each step, until every TiKV
// page has been scraped twice (world.waitScrapes), so the samples
// Prometheus holds describe the step just simulated. A latency quantile is
// a ratio of bucket rates, so how much wall time passed between two
// scrapes cancels out; only the simulated traffic between them counts.

// scrapeInterval is short so a step costs a fraction of a second of wall time.
const scrapeInterval = 100 * time.Millisecond

// promReadyWithin bounds Prometheus's start.
const promReadyWithin = 30 * time.Second

// prometheusBinary finds the prometheus binary: the given path, else PATH.
// "" means there is none.
func prometheusBinary(given string) string {
	if given != "" {
		return given
	}
	p, err := exec.LookPath("prometheus")
	if err != nil {
		return ""
	}
	return p
}

// promServer is a running Prometheus.
type promServer struct {
	url    string
	cmd    *exec.Cmd
	cancel context.CancelFunc
	log    string
	done   chan error
	once   sync.Once
}

// promSlot is a Prometheus started ahead of its scenario, scraping the
// listener that scenario's simulator will serve on. Prometheus hands its
// first targets to the scrapers only after a few seconds (its discovery
// batches updates), so it starts when the run does and the scenarios
// before its own hide the wait.
type promSlot struct {
	ln    net.Listener
	dir   string
	ready chan struct{} // closed once prom or err is set
	prom  *promServer
	err   error
}

func startPromSlot(ctx context.Context, bin, tempDir string, stores int) *promSlot {
	s := &promSlot{ready: make(chan struct{})}
	go func() {
		defer close(s.ready)
		s.dir, s.err = os.MkdirTemp(tempDir, "operator-eval-prometheus-")
		if s.err != nil {
			return
		}
		s.ln, s.err = net.Listen("tcp", "127.0.0.1:0")
		if s.err != nil {
			s.err = fmt.Errorf("listen for the simulator: %w", s.err)
			return
		}
		s.prom, s.err = startPrometheus(ctx, bin, s.dir, s.ln.Addr().String(), stores)
	}()
	return s
}

// wait returns the listener and the Prometheus once it is ready.
func (s *promSlot) wait(ctx context.Context) (net.Listener, *promServer, error) {
	select {
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	case <-s.ready:
		return s.ln, s.prom, s.err
	}
}

func (s *promSlot) close() {
	<-s.ready
	if s.prom != nil {
		s.prom.stop()
	}
	if s.ln != nil {
		s.ln.Close() // already closed if its scenario ran
	}
	if s.dir != "" {
		os.RemoveAll(s.dir)
	}
}

// startPrometheus runs bin scraping /pdsim/v1/tikv/{store}/metrics for
// stores 1..stores on the simulator at simHost (host:port), with its data
// in dir, and waits until it is ready.
func startPrometheus(ctx context.Context, bin, dir, simHost string, stores int) (*promServer, error) {
	var targets strings.Builder
	for id := 1; id <= stores; id++ {
		fmt.Fprintf(&targets, "      - targets: [%q]\n        labels: {store: \"%d\", __metrics_path__: \"/pdsim/v1/tikv/%d/metrics\"}\n", simHost, id, id)
	}
	cfg := fmt.Sprintf("global:\n  scrape_interval: %s\n  scrape_timeout: %s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: tikv\n    static_configs:\n%s",
		model.Duration(scrapeInterval), model.Duration(scrapeInterval), targets.String())
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		return nil, fmt.Errorf("write the prometheus config: %w", err)
	}
	port, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("find a port for prometheus: %w", err)
	}
	logPath := filepath.Join(dir, "prometheus.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("create the prometheus log: %w", err)
	}
	pctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(pctx, bin, "--config.file="+cfgPath, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		fmt.Sprintf("--web.listen-address=127.0.0.1:%d", port))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		cancel()
		logf.Close()
		return nil, fmt.Errorf("start prometheus %s: %w", bin, err)
	}
	p := &promServer{url: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, cancel: cancel, log: logPath, done: make(chan error, 1)}
	go func() {
		p.done <- cmd.Wait()
		logf.Close()
	}()
	if err := p.waitReady(ctx); err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

// waitReady polls /-/ready until Prometheus answers 200.
func (p *promServer) waitReady(ctx context.Context) error {
	deadline := time.NewTimer(promReadyWithin)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	client := &http.Client{Timeout: time.Second}
	for {
		resp, err := client.Get(p.url + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-p.done:
			return fmt.Errorf("prometheus exited before it was ready (%v): %s", err, p.tail())
		case <-deadline.C:
			return fmt.Errorf("prometheus not ready within %s: %s", promReadyWithin, p.tail())
		case <-tick.C:
		}
	}
}

// tail is the end of Prometheus's log, for an error message.
func (p *promServer) tail() string {
	b, _ := os.ReadFile(p.log)
	s := strings.TrimSpace(string(b))
	if len(s) > 600 {
		s = "…" + s[len(s)-600:]
	}
	return s
}

func (p *promServer) stop() {
	p.once.Do(func() {
		p.cancel()
		<-p.done
	})
}

func (p *promServer) api(offset func() time.Duration) (promv1.API, error) {
	c, err := api.NewClient(api.Config{Address: p.url})
	if err != nil {
		return nil, fmt.Errorf("prometheus client: %w", err)
	}
	return shiftedAPI{API: promv1.NewAPI(c), offset: offset}, nil
}

// shiftedAPI moves query times from the simulated clock to the wall
// clock by offset (wall now minus simulated now).
type shiftedAPI struct {
	promv1.API
	offset func() time.Duration
}

func (a shiftedAPI) Query(ctx context.Context, q string, ts time.Time, opts ...promv1.Option) (model.Value, promv1.Warnings, promv1.Infos, error) {
	return a.API.Query(ctx, q, ts.Add(a.offset()), opts...)
}

func (a shiftedAPI) QueryRange(ctx context.Context, q string, r promv1.Range, opts ...promv1.Option) (model.Value, promv1.Warnings, promv1.Infos, error) {
	d := a.offset()
	r.Start, r.End = r.Start.Add(d), r.End.Add(d)
	return a.API.QueryRange(ctx, q, r, opts...)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	addr, ok := ln.Addr().(*net.TCPAddr)
	if !ok {
		return 0, errors.New("not a TCP address")
	}
	return addr.Port, nil
}
