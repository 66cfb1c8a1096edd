package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// describeMachine is one line: CPU, cores, memory, Go.
func describeMachine(ctx context.Context) string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		cpu = cpuModel(b)
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if kib, err := parseStatusKiB(b, "MemTotal"); err == nil {
			mem = fmt.Sprintf(", %.0f GiB", float64(kib)/(1<<20))
		}
	}
	return fmt.Sprintf("%s, %d cores%s, %s %s/%s", cpu, runtime.NumCPU(), mem, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

func cpuModel(cpuinfo []byte) string {
	for line := range strings.SplitSeq(string(cpuinfo), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

// seconds renders the time from an injection to t.
func seconds(from, t time.Time) string {
	if t.IsZero() {
		return "not seen"
	}
	return fmt.Sprintf("%.1f s", t.Sub(from).Seconds())
}

func detectionTable(res []detection, s setupInfo) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Detection latency, seconds after the fault was injected in pdsim (one run, both pipelines on the same pdsim at the same time):\n\n")
	b.WriteString("| fault: Operator ticket vs PD alert | PD's API says so | Operator: ticket `first_seen` | Operator: ticket readable in the API | Prometheus: alert pending | Prometheus: alert firing (`for: 1m`) | Alertmanager: webhook received | Operator ahead by |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	for _, r := range res {
		ahead := "n/a"
		if !r.TicketVisible.IsZero() && !r.Webhook.IsZero() {
			ahead = fmt.Sprintf("%.1f s", r.Webhook.Sub(r.TicketVisible).Seconds())
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", r.Fault.Row,
			seconds(r.Injected, r.PDShown), seconds(r.Injected, r.TicketFirstSeen), seconds(r.Injected, r.TicketVisible),
			seconds(r.Injected, r.PromActive), seconds(r.Injected, r.PromFiring), seconds(r.Injected, r.Webhook), ahead)
	}
	fmt.Fprintf(&b, "\npdsim: %d stores, %s regions, real-time clock (speed 1), max-store-down-time 30m; %d regions lose a peer. "+
		"Operator: `operator run` with its defaults (monitor interval %s, no hold-down), its API polled every 100 ms. "+
		"%s and %s: scrape and evaluation every %s, PD's rules with `for: 1m`, TiUP's Alertmanager route (group_wait %s). "+
		"Faults %s apart.\n", s.Stores, count(s.Regions), s.MissPeerRegions, s.Interval, s.Prometheus, s.Alertmanager,
		scrapeInterval, groupWait, s.Stagger)
	return b.String()
}

func footprintTable(rows []footprint, o options) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Daemon cost by cluster size (`operator run --monitor-interval 1s` as a child process, %d stores):\n\n", o.SizeStores)
	b.WriteString("| regions | store killed | regions with a down peer (PD's count) | VmRSS | VmHWM (peak) | CPU per cycle (utime+stime / cycles) | cycle wall time (monitor histogram sum/count) | cycles | open tickets |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		killed := "no"
		if r.KilledStore {
			killed = "yes"
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %.1f MiB | %.1f MiB | %.1f ms | %.1f ms | %d | %d |\n", count(r.Regions), killed, r.DownPeerRegions,
			float64(r.RSSKiB)/1024, float64(r.HWMKiB)/1024, ms(r.CPUPerCycle), ms(r.CycleWall), r.Cycles, r.OpenTickets)
	}
	return b.String()
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// count renders 10000 as 10k and 1000000 as 1M.
func count(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1_000 && n%1_000 == 0:
		return fmt.Sprintf("%dk", n/1_000)
	}
	return fmt.Sprint(n)
}
