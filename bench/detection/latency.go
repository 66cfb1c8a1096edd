package main

import (
	"context"
	_ "embed"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/operator-dev/operator/internal/config"
	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

//go:embed pd.rules.yml
var pdRules []byte

// setupInfo describes the detection run for the table.
type setupInfo struct {
	Stores, Regions, MissPeerRegions int
	Interval                         time.Duration // the daemon's monitor interval
	Stagger                          time.Duration
	Prometheus, Alertmanager         string
}

// detection is one fault's timeline; a zero time was not seen.
type detection struct {
	Fault    faultSpec
	Injected time.Time
	// PDShown: PD's own API says so.
	PDShown time.Time
	// TicketFirstSeen is the ticket's first_seen (the start of the cycle
	// that saw it); TicketVisible is when the harness read it from the API.
	TicketFirstSeen, TicketVisible time.Time
	// PromActive is the alert's activeAt (expression true: pending);
	// PromFiring its startsAt as sent to Alertmanager (for: elapsed);
	// Webhook when Alertmanager delivered it here.
	PromActive, PromFiring, Webhook time.Time
}

func (d *detection) complete() bool { return !d.TicketVisible.IsZero() && !d.Webhook.IsZero() }

// matches reports whether t is the Operator's ticket for the fault.
func (f faultSpec) matches(t apiTicket) bool {
	if t.Invariant != f.Invariant {
		return false
	}
	for k, v := range f.Labels {
		if t.Labels[k] != v {
			return false
		}
	}
	return true
}

// runDetection starts pdsim, the alerting stack and the daemon, injects the
// faults and times both sides.
func runDetection(ctx context.Context, o options, bin, dir string, logf func(string, ...any)) ([]detection, setupInfo, error) {
	info := setupInfo{Stores: o.Stores, Regions: o.Regions, MissPeerRegions: o.MissPeerRegions,
		Interval: time.Duration(config.Default().Monitor.Interval), Stagger: o.Stagger}
	promBin, err := findBinary("prometheus")
	if err != nil {
		return nil, info, err
	}
	amBin, err := findBinary("alertmanager", "prometheus-alertmanager")
	if err != nil {
		return nil, info, err
	}
	info.Prometheus, info.Alertmanager = versionLine(ctx, promBin), versionLine(ctx, amBin)

	logf("detection: pdsim with %d stores, %d regions, real-time clock", o.Stores, o.Regions)
	sim, err := serveSim(pdsim.Options{Stores: o.Stores, Regions: o.Regions, Clock: pdsim.NewScaledClock(1), MaxStoreDownTime: 30 * time.Minute})
	if err != nil {
		return nil, info, err
	}
	defer sim.close()
	// Paused, so PD does not re-add the lost peers before anyone looks.
	if err := sim.client.PauseChecker(ctx, "rule", time.Hour); err != nil {
		return nil, info, fmt.Errorf("pause PD's rule checker: %w", err)
	}
	sched, err := sim.client.GetScheduleConfig(ctx)
	if err != nil {
		return nil, info, fmt.Errorf("read PD's schedule config: %w", err)
	}
	probes := probeState{lowSpaceRatio: sched.LowSpaceRatio, missPeerMin: 100}
	list, err := sim.firstRegions(ctx, o.MissPeerRegions)
	if err != nil {
		return nil, info, err
	}
	regions := make([]pd.RegionID, len(list))
	for i, r := range list {
		regions[i] = r.ID
	}

	hook := newWebhookLog(time.Now)
	hookLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, info, fmt.Errorf("listen for the webhook: %w", err)
	}
	hookSrv := &http.Server{Handler: hook, ReadHeaderTimeout: 10 * time.Second}
	go hookSrv.Serve(hookLn)
	defer hookSrv.Close()

	amAddr, err := freeAddr()
	if err != nil {
		return nil, info, err
	}
	amCfg := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(amCfg, []byte(alertmanagerConfig("http://"+hookLn.Addr().String()+"/alerts")), 0o600); err != nil {
		return nil, info, err
	}
	am, err := startProcess("alertmanager", filepath.Join(dir, "alertmanager.log"), amBin,
		"--config.file="+amCfg, "--storage.path="+filepath.Join(dir, "alertmanager-data"),
		"--web.listen-address="+amAddr, "--cluster.listen-address=")
	if err != nil {
		return nil, info, err
	}
	defer am.stop()
	if err := waitReady(ctx, am, "http://"+amAddr+"/-/ready", 30*time.Second); err != nil {
		return nil, info, err
	}

	rulesPath := filepath.Join(dir, "pd.rules.yml")
	if err := os.WriteFile(rulesPath, pdRules, 0o600); err != nil {
		return nil, info, err
	}
	promAddr, err := freeAddr()
	if err != nil {
		return nil, info, err
	}
	promCfg := filepath.Join(dir, "prometheus.yml")
	pdTarget := sim.url[len("http://"):]
	if err := os.WriteFile(promCfg, []byte(prometheusConfig(rulesPath, pdTarget, amAddr)), 0o600); err != nil {
		return nil, info, err
	}
	prom, err := startProcess("prometheus", filepath.Join(dir, "prometheus.log"), promBin,
		"--config.file="+promCfg, "--storage.tsdb.path="+filepath.Join(dir, "prometheus-data"),
		"--web.listen-address="+promAddr)
	if err != nil {
		return nil, info, err
	}
	defer prom.stop()
	promURL := "http://" + promAddr
	if err := waitReady(ctx, prom, promURL+"/-/ready", 30*time.Second); err != nil {
		return nil, info, err
	}

	// The daemon with its defaults: only where PD is and where to keep state.
	d, err := startDaemon(ctx, bin, dir, "detection", sim.url)
	if err != nil {
		return nil, info, err
	}
	defer d.stop()

	logf("detection: waiting for Prometheus's first scrape and rule evaluation and the daemon's first cycle")
	baseline := map[int64]bool{}
	warm := time.Now().Add(90 * time.Second)
	for {
		st, err := d.cycles(ctx)
		if err == nil && st.Count >= 1 && promReady(ctx, promURL) {
			ts, err := d.tickets(ctx)
			if err != nil {
				return nil, info, err
			}
			for _, t := range ts {
				baseline[t.ID] = true
			}
			break
		}
		if time.Now().After(warm) {
			return nil, info, fmt.Errorf("the stack did not warm up in 90s (daemon metrics: %v)", err)
		}
		if err := sleep(ctx, 250*time.Millisecond); err != nil {
			return nil, info, err
		}
	}
	active, err := promAlerts(ctx, promURL)
	if err != nil {
		return nil, info, err
	}
	if len(active) > 0 || len(baseline) > 0 {
		logf("detection: before any fault: %d alerts active, %d tickets (ignored)", len(active), len(baseline))
	}

	res := make([]detection, len(o.Faults))
	for i, name := range o.Faults {
		res[i].Fault, _ = faultByName(name)
	}
	next, nextAt := 0, time.Now()
	var deadline time.Time
	var lastPromPoll time.Time
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if next < len(res) && !time.Now().Before(nextAt) {
			r := &res[next]
			if err := r.Fault.inject(sim.cluster, regions); err != nil {
				return nil, info, fmt.Errorf("inject %s: %w", r.Fault.Name, err)
			}
			r.Injected = time.Now()
			logf("detection: injected %s", r.Fault.Name)
			next++
			nextAt = r.Injected.Add(o.Stagger)
			deadline = r.Injected.Add(o.Timeout)
		}
		injected := res[:next]
		for i := range injected {
			r := &injected[i]
			if r.PDShown.IsZero() {
				if ok, err := r.Fault.shown(ctx, sim.client, probes); err == nil && ok {
					r.PDShown = time.Now()
					logf("detection: %s: PD says so after %s", r.Fault.Name, since(r.Injected, r.PDShown))
				}
			}
		}
		if ts, err := d.tickets(ctx); err != nil {
			logf("detection: read tickets: %v", err)
		} else {
			now := time.Now()
			for _, t := range ts {
				for i := range injected {
					r := &injected[i]
					if !baseline[t.ID] && r.TicketVisible.IsZero() && r.Fault.matches(t) {
						r.TicketVisible, r.TicketFirstSeen = now, t.FirstSeen
						logf("detection: %s: Operator ticket %d after %s", r.Fault.Name, t.ID, since(r.Injected, now))
					}
				}
			}
		}
		if time.Since(lastPromPoll) >= 500*time.Millisecond {
			lastPromPoll = time.Now()
			if alerts, err := promAlerts(ctx, promURL); err == nil {
				for i := range injected {
					r := &injected[i]
					if at, ok := alerts[r.Fault.Alert]; ok && r.PromActive.IsZero() && !active[r.Fault.Alert].Equal(at) {
						r.PromActive = at
						logf("detection: %s: %s pending after %s", r.Fault.Name, r.Fault.Alert, since(r.Injected, at))
					}
				}
			}
		}
		for i := range injected {
			r := &injected[i]
			if a, ok := hook.get(r.Fault.Alert); ok && r.Webhook.IsZero() {
				r.Webhook, r.PromFiring = a.At, a.StartsAt
				logf("detection: %s: %s reached the webhook after %s", r.Fault.Name, r.Fault.Alert, since(r.Injected, a.At))
			}
		}
		all := next == len(res)
		for i := range injected {
			all = all && injected[i].complete()
		}
		if all {
			break
		}
		if next == len(res) && time.Now().After(deadline) {
			logf("detection: gave up waiting after %s", o.Timeout)
			break
		}
		select {
		case <-ctx.Done():
			return nil, info, ctx.Err()
		case <-tick.C:
		}
	}
	return res, info, nil
}

func since(from, to time.Time) string { return to.Sub(from).Round(100 * time.Millisecond).String() }

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
