package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

// footprint is the daemon's cost at one cluster size.
type footprint struct {
	Regions        int
	RSSKiB, HWMKiB int64
	// CPUPerCycle is the whole process's utime+stime over the measured
	// cycles divided by their number (idle time between cycles included).
	CPUPerCycle time.Duration
	// CycleWall is the mean of the monitor's own cycle histogram over the
	// same cycles.
	CycleWall   time.Duration
	Cycles      int
	OpenTickets int
	// KilledStore says whether a store was crashed; DownPeerRegions is
	// PD's count of regions with a down peer at the end.
	KilledStore     bool
	DownPeerRegions int
}

// measureFootprint runs the daemon at a 1s interval against pdsim with n
// regions and the same unhealthy part at every size (a crashed store, a
// filling disk, 20 regions missing a peer, a 40-region write hotspot), so
// any growth would come from the cluster's size. Without killStore no store
// is crashed, so no region has a down peer: the control for how much a
// large down-peer count (3% of all regions) costs.
func measureFootprint(ctx context.Context, o options, bin, dir string, n int, killStore bool, logf func(string, ...any)) (footprint, error) {
	fp := footprint{Regions: n, KilledStore: killStore}
	logf("footprint: pdsim with %d stores, %d regions, killed store: %v", o.SizeStores, n, killStore)
	// Disks large enough that a million 96 MiB regions do not fill them.
	sim, err := serveSim(pdsim.Options{Stores: o.SizeStores, Regions: n, Clock: pdsim.NewScaledClock(1), StoreCapacity: 16 << 40})
	if err != nil {
		return fp, err
	}
	defer func() {
		sim.close()
		sim = nil
		runtime.GC()
		debug.FreeOSMemory()
	}()
	if err := sim.client.PauseChecker(ctx, "rule", time.Hour); err != nil {
		return fp, fmt.Errorf("pause PD's rule checker: %w", err)
	}
	regions, err := sim.firstRegions(ctx, 100)
	if err != nil {
		return fp, err
	}
	hot := regions[50:90]
	injects := []pdsim.Fault{
		{Type: "fill-disk", Store: filledStore, AvailableRatio: 0.1},
		{Type: "hotspot", StartKey: hot[0].StartKey, EndKey: hot[len(hot)-1].EndKey, BytesPerSecond: 16 << 20},
	}
	if killStore {
		injects = append(injects, pdsim.Fault{Type: "kill-store", Store: killedStore})
	}
	for _, f := range injects {
		if err := sim.cluster.Inject(f); err != nil {
			return fp, fmt.Errorf("inject %s: %w", f.Type, err)
		}
	}
	for _, r := range regions[:20] {
		if err := sim.cluster.Inject(pdsim.Fault{Type: "lose-peers", Region: uint64(r.ID), Count: 1}); err != nil {
			return fp, fmt.Errorf("inject lose-peers: %w", err)
		}
	}

	if killStore {
		// Measure the steady state: start once PD shows the crash (the
		// store Disconnected, its peers down), ~10-20s after it.
		if err := waitDownPeers(ctx, sim); err != nil {
			return fp, err
		}
	}

	d, err := startDaemon(ctx, bin, dir, fmt.Sprintf("footprint-%d-%v", n, killStore), sim.url, "--monitor-interval", "1s")
	if err != nil {
		return fp, err
	}
	defer d.stop()
	pid := d.cmd.Process.Pid
	// Start after the first cycle, so start-up (migrations, first
	// connections) is not counted.
	c0, err := waitCycles(ctx, d, 1)
	if err != nil {
		return fp, err
	}
	p0, err := readProc(pid)
	if err != nil {
		return fp, err
	}
	c1, err := waitCycles(ctx, d, c0.Count+float64(o.Cycles))
	if err != nil {
		return fp, err
	}
	p1, err := readProc(pid)
	if err != nil {
		return fp, err
	}
	ts, err := d.tickets(ctx)
	if err != nil {
		return fp, err
	}
	for _, t := range ts {
		// Active: the rules diagnose a ticket within seconds, which
		// moves it from open to diagnosed.
		if t.State == "open" || t.State == "diagnosed" {
			fp.OpenTickets++
		}
	}
	down, err := sim.client.GetRegionsCheck(ctx, pd.CheckDownPeer, pd.Page{Page: 1, Limit: 1})
	if err != nil {
		return fp, fmt.Errorf("count down-peer regions: %w", err)
	}
	fp.DownPeerRegions = down.Count
	cycles := c1.Count - c0.Count
	fp.Cycles = int(cycles)
	fp.RSSKiB, fp.HWMKiB = p1.RSSKiB, p1.HWMKiB
	fp.CPUPerCycle = time.Duration(float64(p1.CPUTicks-p0.CPUTicks) * float64(time.Second) / userHZ / cycles)
	fp.CycleWall = time.Duration((c1.Sum - c0.Sum) / cycles * float64(time.Second))
	logf("footprint: %d regions: RSS %d MiB, HWM %d MiB, CPU %s/cycle, cycle %s, %d open tickets, %d down-peer regions",
		n, fp.RSSKiB>>10, fp.HWMKiB>>10, fp.CPUPerCycle.Round(10*time.Microsecond), fp.CycleWall.Round(10*time.Microsecond), fp.OpenTickets, fp.DownPeerRegions)
	return fp, nil
}

// waitCycles waits until the daemon has finished at least want cycles. It
// sleeps through most of the wait so its own scrapes of /metrics add
// little to the CPU being measured.
func waitCycles(ctx context.Context, d *daemon, want float64) (cycleStats, error) {
	deadline := time.Now().Add(time.Duration(want)*2*time.Second + time.Minute)
	for {
		st, err := d.cycles(ctx)
		if err == nil && st.Count >= want {
			return st, nil
		}
		if d.exited() {
			return st, d.failed("exited", d.err)
		}
		if time.Now().After(deadline) {
			return st, d.failed(fmt.Sprintf("only %v of %v cycles finished", st.Count, want), err)
		}
		wait := 200 * time.Millisecond
		if err == nil && want-st.Count > 2 {
			wait = time.Duration(want-st.Count-1) * time.Second
		}
		if err := sleep(ctx, wait); err != nil {
			return st, err
		}
	}
}

// waitDownPeers waits until PD calls the killed store Disconnected and
// lists regions with a down peer.
func waitDownPeers(ctx context.Context, sim *simServer) error {
	deadline := time.Now().Add(time.Minute)
	for {
		st, err := sim.client.GetStore(ctx, killedStore)
		if err == nil && st.Store.StateName == pd.StateNameDisconnected {
			down, err := sim.client.GetRegionsCheck(ctx, pd.CheckDownPeer, pd.Page{Page: 1, Limit: 1})
			if err == nil && down.Count > 0 {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("PD did not show store %d Disconnected with down peers within a minute", killedStore)
		}
		if err := sleep(ctx, 250*time.Millisecond); err != nil {
			return err
		}
	}
}
