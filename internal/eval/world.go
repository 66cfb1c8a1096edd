package eval

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
	"sort"
	"strings"
	"time"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/operator-dev/operator/internal/diagnose"
	"github.com/operator-dev/operator/internal/monitor"
	"github.com/operator-dev/operator/internal/store/sqlite"
	"github.com/operator-dev/operator/internal/tikv/observe"
	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
	"github.com/operator-dev/operator/internal/tikv/rules"
)

// simStart is where every scenario's simulated clock starts, so two runs
// of a scenario see the same times.
var simStart = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// scrapeWait bounds the wait for Prometheus after one step.
const scrapeWait = 30 * time.Second

// world is one scenario's private pipeline: pdsim on a manual clock behind
// a real HTTP listener, the TiKV subject reading it through the read-only
// PD client, a monitor writing tickets to a fresh SQLite file, and a
// diagnosis runner with the rules provider and, when one is judged, the
// model.
type world struct {
	sc      *Scenario
	clock   *pdsim.ManualClock
	sim     *pdsim.Cluster
	front   *front
	srv     *http.Server
	url     string
	http    *http.Client
	pdc     *pd.Client
	store   *sqlite.Store
	mon     *monitor.Monitor
	runner  *diagnose.Runner
	judged  *recorder
	prom    *promServer
	dir     string
	elapsed time.Duration
	// round is the diagnosis pass after the last cycle.
	round diagnose.Round
}

// newWorld builds the pipeline. model is the provider under judgement
// (nil: the rules provider is judged); slot is the scenario's Prometheus
// when it needs one.
func newWorld(ctx context.Context, sc *Scenario, model diagnose.Provider, slot *promSlot, opts Options) (w *world, err error) {
	w = &world{sc: sc, clock: pdsim.NewManualClock(simStart), http: &http.Client{Timeout: 30 * time.Second}}
	defer func() {
		if err != nil {
			w.close()
		}
	}()
	w.dir, err = os.MkdirTemp(opts.TempDir, "operator-eval-")
	if err != nil {
		return w, fmt.Errorf("temporary directory: %w", err)
	}
	var ln net.Listener
	if sc.Prometheus {
		if slot == nil {
			return w, errors.New("the scenario needs Prometheus and none was started")
		}
		if ln, w.prom, err = slot.wait(ctx); err != nil {
			return w, err
		}
	} else if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		return w, fmt.Errorf("listen for the simulator: %w", err)
	}
	w.url = "http://" + ln.Addr().String()
	w.sim = pdsim.New(pdsim.Options{
		Stores: sc.Cluster.Stores, Regions: sc.Cluster.Regions, Seed: sc.Cluster.Seed, Clock: w.clock,
		MaxStoreDownTime: sc.Cluster.MaxStoreDownTime, StoreCapacity: sc.Cluster.StoreCapacity, NoSplit: sc.Cluster.NoSplit,
	})
	w.front = newFront(pdsim.NewServer(w.sim, w.url))
	w.srv = &http.Server{Handler: w.front, ReadHeaderTimeout: 10 * time.Second}
	go w.srv.Serve(ln)

	w.pdc, err = pd.New(pd.Config{Endpoint: w.url, ReadOnly: true, RetryBackoff: 5 * time.Millisecond, MaxRetryBackoff: 20 * time.Millisecond})
	if err != nil {
		return w, fmt.Errorf("PD client: %w", err)
	}
	var prom promv1.API
	if w.prom != nil {
		prom, err = w.prom.api(func() time.Duration { return time.Since(w.clock.Now()) })
		if err != nil {
			return w, err
		}
	}
	subj, err := observe.New(observe.DefaultConfig(), w.pdc, prom, w.clock.Now)
	if err != nil {
		return w, fmt.Errorf("TiKV subject: %w", err)
	}
	w.store, err = sqlite.Open(ctx, filepath.Join(w.dir, "eval.db"), sqlite.Options{Now: w.clock.Now})
	if err != nil {
		return w, err
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	w.mon, err = monitor.New(monitor.Config{Interval: Step}, subj, w.store, log, nil)
	if err != nil {
		return w, fmt.Errorf("monitor: %w", err)
	}
	var rulesP, modelP diagnose.Provider = rules.New(), nil
	if model == nil {
		w.judged = &recorder{Provider: rulesP, key: sc.Expect.Ticket}
		rulesP = w.judged
	} else {
		w.judged = &recorder{Provider: model, key: sc.Expect.Ticket, onlyJudged: true}
		modelP = w.judged
	}
	w.runner, err = diagnose.NewRunner(diagnose.Config{Timeout: opts.Timeout}, w.store, rulesP, modelP, log, nil, w.clock.Now)
	if err != nil {
		return w, fmt.Errorf("diagnosis runner: %w", err)
	}
	w.runner.AddSubject(subj.Name(), subj, subj.Actions())
	return w, nil
}

// close ends what the world started; its Prometheus is the run's to stop.
func (w *world) close() {
	if w.store != nil {
		w.store.Close()
	}
	if w.pdc != nil {
		w.pdc.Close()
	}
	if w.srv != nil {
		w.srv.Close()
	}
	if w.dir != "" {
		os.RemoveAll(w.dir)
	}
}

// play runs the timeline: each event at its simulated time, a monitor
// cycle every Step until the end of the run, then one diagnosis pass.
func (w *world) play(ctx context.Context) error {
	events := append([]Event(nil), w.sc.Events...)
	sort.SliceStable(events, func(i, j int) bool { return events[i].At < events[j].At })
	next := 0
	for step := Step; step <= w.sc.Run; step += Step {
		for next < len(events) && events[next].At <= step {
			ev := events[next]
			w.advanceTo(ev.At)
			if err := w.apply(ctx, ev); err != nil {
				return fmt.Errorf("event at %s (line %d): %w", ev.At, ev.Line, err)
			}
			next++
		}
		w.advanceTo(step)
		if w.prom != nil {
			if err := w.front.waitScrapes(ctx, w.front.scrapeCounts(), w.sc.Cluster.Stores, 2, scrapeWait); err != nil {
				return fmt.Errorf("at %s: %w", step, err)
			}
		}
		if _, err := w.mon.Eval(ctx, w.clock.Now()); err != nil {
			return fmt.Errorf("monitor cycle at %s: %w", step, err)
		}
	}
	var err error
	if w.round, err = w.runner.Once(ctx); err != nil {
		return fmt.Errorf("diagnosis pass: %w", err)
	}
	return nil
}

func (w *world) advanceTo(d time.Duration) {
	if d > w.elapsed {
		w.clock.Advance(d - w.elapsed)
		w.elapsed = d
	}
}

// apply makes one event happen now.
func (w *world) apply(ctx context.Context, ev Event) error {
	switch {
	case ev.Fault != nil:
		if err := w.sim.Inject(*ev.Fault); err != nil {
			return fmt.Errorf("fault %s: %w", ev.Fault.Type, err)
		}
	case ev.PD != nil:
		return w.call(ctx, *ev.PD)
	case ev.Override != nil:
		w.front.override(*ev.Override)
	}
	return nil
}

// call sends a PD API request; anything but 2xx stops the scenario, since
// the state it was to set up did not happen.
func (w *world) call(ctx context.Context, c PDCall) error {
	var body io.Reader
	if c.Body != "" {
		body = strings.NewReader(c.Body)
	}
	req, err := http.NewRequestWithContext(ctx, c.Method, w.url+c.Path, body)
	if err != nil {
		return fmt.Errorf("pd %s %s: %w", c.Method, c.Path, err)
	}
	if c.Body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := w.http.Do(req)
	if err != nil {
		return fmt.Errorf("pd %s %s: %w", c.Method, c.Path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("pd %s %s: PD answered %s: %s", c.Method, c.Path, resp.Status, strings.TrimSpace(string(b)))
	}
	return nil
}
