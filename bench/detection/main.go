// Command detection measures, in one run, how soon a fault injected in pdsim
// becomes an Operator ticket against how soon the same fault reaches an
// Alertmanager webhook through a real Prometheus evaluating PD's own alert
// rules (same expressions, same `for:`, TiUP's 15s intervals and route). It
// then measures the daemon's RSS and per-cycle CPU time at several cluster
// sizes. Both tables are printed as Markdown for BENCHMARKS.md.
//
//	go run ./bench/detection [--regions N] [--faults kill-store,fill-disk,lose-peers] [--sizes 10000,100000,1000000]
//
// It needs prometheus and alertmanager (Debian: prometheus,
// prometheus-alertmanager) on PATH and builds ./cmd/operator itself.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// options is the harness's command line.
type options struct {
	// Detection run.
	Stores          int
	Regions         int
	Faults          []string
	MissPeerRegions int
	Stagger         time.Duration
	Timeout         time.Duration
	// Footprint run.
	Sizes       []int
	SizeStores  int
	Cycles      int
	Control     bool
	OperatorBin string
	KeepDir     bool
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	o := options{}
	fs := flag.NewFlagSet("detection", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.Stores, "stores", 10, "detection run: stores in pdsim")
	fs.IntVar(&o.Regions, "regions", 10_000, "detection run: regions in pdsim")
	faults := fs.String("faults", strings.Join(faultNames(), ","), "detection run: faults to inject, comma-separated, in this order (empty: skip the run)")
	fs.IntVar(&o.MissPeerRegions, "miss-peer-regions", 150, "lose-peers: regions that lose a peer (PD's alert needs more than 100)")
	fs.DurationVar(&o.Stagger, "stagger", 5*time.Second, "detection run: time between two injections")
	fs.DurationVar(&o.Timeout, "timeout", 4*time.Minute, "detection run: how long to wait for each fault to be seen by both sides")
	sizes := fs.String("sizes", "10000,100000,1000000", "footprint run: region counts, comma-separated (empty: skip the run)")
	fs.IntVar(&o.SizeStores, "size-stores", 100, "footprint run: stores in pdsim")
	fs.IntVar(&o.Cycles, "cycles", 20, "footprint run: monitor cycles (1s apart) to measure per size")
	fs.BoolVar(&o.Control, "control", true, "footprint run: also measure the largest size without the killed store (no down peers)")
	fs.StringVar(&o.OperatorBin, "operator-bin", "", "operator binary to run (default: go build ./cmd/operator into a temporary directory)")
	fs.BoolVar(&o.KeepDir, "keep", false, "keep the working directory (configs, logs, databases)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	var err error
	if o.Faults, err = parseFaults(*faults); err != nil {
		return o, err
	}
	if o.Sizes, err = parseSizes(*sizes); err != nil {
		return o, err
	}
	switch {
	case o.Stores < 3:
		return o, fmt.Errorf("--stores %d: need at least 3 (the faults use stores 2 and 3)", o.Stores)
	case o.Regions < o.MissPeerRegions:
		return o, fmt.Errorf("--regions %d is fewer than --miss-peer-regions %d", o.Regions, o.MissPeerRegions)
	case o.MissPeerRegions < 1 || o.MissPeerRegions > 1000:
		return o, fmt.Errorf("--miss-peer-regions %d: want 1..1000", o.MissPeerRegions)
	case o.SizeStores < 3:
		return o, fmt.Errorf("--size-stores %d: need at least 3", o.SizeStores)
	case o.Cycles < 1:
		return o, fmt.Errorf("--cycles %d: need at least 1", o.Cycles)
	case o.Stagger < 0 || o.Timeout <= 0:
		return o, fmt.Errorf("--stagger and --timeout must be positive")
	}
	return o, nil
}

type footprintRun struct {
	regions   int
	killStore bool
}

// footprintRuns is every size with all faults, then (with --control) the
// largest size again without the killed store.
func footprintRuns(o options) []footprintRun {
	var out []footprintRun
	largest := 0
	for _, n := range o.Sizes {
		out = append(out, footprintRun{n, true})
		largest = max(largest, n)
	}
	if o.Control && largest > 0 {
		out = append(out, footprintRun{largest, false})
	}
	return out
}

// parseFaults reads "kill-store,fill-disk": known names, no repeats.
func parseFaults(s string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if _, ok := faultByName(f); !ok {
			return nil, fmt.Errorf("--faults: unknown fault %q (want some of %s)", f, strings.Join(faultNames(), ", "))
		}
		if seen[f] {
			return nil, fmt.Errorf("--faults: %q given twice", f)
		}
		seen[f] = true
		out = append(out, f)
	}
	return out, nil
}

// parseSizes reads "10000,100k,1M" into region counts.
func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		mult := 1
		switch {
		case strings.HasSuffix(f, "k"), strings.HasSuffix(f, "K"):
			mult, f = 1_000, f[:len(f)-1]
		case strings.HasSuffix(f, "M"):
			mult, f = 1_000_000, f[:len(f)-1]
		}
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 || n > 10_000_000/mult {
			return nil, fmt.Errorf("--sizes: %q is not a region count between 1 and 10M", f)
		}
		out = append(out, n*mult)
	}
	return out, nil
}

func main() {
	o, err := parseOptions(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "detection:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err = run(ctx, o, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "detection:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, stdout, stderr io.Writer) error {
	start := time.Now()
	dir, err := os.MkdirTemp("", "operator-bench-")
	if err != nil {
		return fmt.Errorf("create a working directory: %w", err)
	}
	if o.KeepDir {
		fmt.Fprintln(stderr, "working directory (kept):", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	logf := func(format string, args ...any) {
		fmt.Fprintf(stderr, "[%6.1fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}
	bin := o.OperatorBin
	if bin == "" {
		logf("building ./cmd/operator")
		if bin, err = buildOperator(ctx, dir); err != nil {
			return err
		}
	}
	machine := describeMachine(ctx)
	fmt.Fprintf(stdout, "Machine: %s\n\n", machine)

	if len(o.Faults) > 0 {
		res, setup, err := runDetection(ctx, o, bin, dir, logf)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, detectionTable(res, setup))
	}
	if len(o.Sizes) > 0 {
		var rows []footprint
		for _, run := range footprintRuns(o) {
			fp, err := measureFootprint(ctx, o, bin, dir, run.regions, run.killStore, logf)
			if err != nil {
				return err
			}
			rows = append(rows, fp)
		}
		fmt.Fprintln(stdout, footprintTable(rows, o))
	}
	logf("done")
	return nil
}
