package load

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

func ms(d time.Duration) string {
	if d == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000)
}

func rate(s Stat) string {
	if s.Requests == 0 {
		return "–"
	}
	if s.PerSecond < 10 {
		return fmt.Sprintf("%.1f", s.PerSecond)
	}
	return fmt.Sprintf("%.0f", s.PerSecond)
}

// Markdown writes the run's figures as BENCHMARKS.md shows them.
func (r *Result) Markdown(w io.Writer) {
	c := r.Config
	fmt.Fprintf(w, "%d readers (%d viewer tokens), %d approvers, %s per kind of phase in %d rounds; pdsim %d stores, %d regions at %gx, store 3 killed, %d regions made hot; GOMAXPROCS %d\n\n",
		c.Readers, c.Viewers, c.Approvers, c.Duration, c.Rounds, c.Stores, c.Regions, c.Speed, r.HotRegions, runtime.GOMAXPROCS(0))
	fmt.Fprintf(w, "Load average (/proc/loadavg) before: %s; after: %s\n\n", r.LoadBefore, r.LoadAfter)
	fmt.Fprintln(w, "| request | loaded: req/s | p50 | p99 | idle daemon: req/s | p50 | p99 | bare net/http: req/s | p50 | p99 | body |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|")
	for cl := range numClasses {
		l, i, b := r.Loaded.By[cl], r.Idle.By[cl], r.Bare.By[cl]
		body := "–"
		if r.BodyBytes[cl] > 0 {
			body = fmt.Sprintf("%.1f kB", float64(r.BodyBytes[cl])/1000)
		}
		fmt.Fprintf(w, "| `%s` | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", classNames[cl],
			rate(l), ms(l.P50), ms(l.P99), rate(i), ms(i.P50), ms(i.P99), rate(b), ms(b.P50), ms(b.P99), body)
	}
	l, i, b := r.Loaded.Reads, r.Idle.Reads, r.Bare.Reads
	fmt.Fprintf(w, "| **all reads** | **%s** | %s | %s | **%s** | %s | %s | **%s** | %s | %s | |\n\n",
		rate(l), ms(l.P50), ms(l.P99), rate(i), ms(i.P50), ms(i.P99), rate(b), ms(b.P50), ms(b.P99))
	approvals, rejections := 0, 0
	for _, d := range r.Decisions {
		if d.Reject {
			rejections++
		} else {
			approvals++
		}
	}
	errs := 0
	for _, p := range []Phase{r.Loaded, r.Idle, r.Bare} {
		for cl := range numClasses {
			errs += p.By[cl].Errors
		}
	}
	states := make([]string, 0, len(r.RunsByState))
	for s, n := range r.RunsByState {
		states = append(states, fmt.Sprintf("%s %d", s, n))
	}
	slices.Sort(states)
	fmt.Fprintf(w, "Errors: %d. Approver races answered 409: %d approve, %d reject. Approvals refused by their preflight (422): %d. Accepted: %d approvals, %d rejections; missing from the audit log: %d; audit log: %s.\n",
		errs, r.Loaded.By[approveRun].Conflicts, r.Loaded.By[rejectRun].Conflicts, r.Loaded.By[approveRun].Refused,
		approvals, rejections, len(r.Unaudited), firstClause(r.AuditReport))
	fmt.Fprintf(w, "Monitor cycles: %d before the loaded phase (mean %s, no readers), %d during it (mean %s). At the end %d tickets and %d runs (%s).\n",
		r.WarmCycles, ms(r.WarmCycleMean), r.Cycles, ms(r.CycleMean), r.Tickets, r.Runs, strings.Join(states, ", "))
	for _, x := range r.Loaded.Refusals {
		fmt.Fprintf(w, "\n- refused: %s", x)
	}
}

// loadAvg is the machine's 1, 5 and 15 minute load averages, which say
// how much the figures share the CPUs with.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func firstClause(s string) string {
	if i := strings.Index(s, " (last seq"); i > 0 {
		return s[:i]
	}
	return s
}
