// Command operator-demo shows Operator end to end with nothing real: it
// starts the PD simulator in-process with a scripted scenario, runs the
// daemon against it on a SQLite file in a temporary directory, and prints
// the tickets as faults come and go. Every screen carries a DEMO banner.
// Demo-only conveniences live here, never in the production binary.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fs := flag.NewFlagSet("operator-demo", flag.ContinueOnError)
	opts := demoOptions{}
	fs.Float64Var(&opts.Speed, "speed", 30, "simulated seconds per real second")
	fs.DurationVar(&opts.Duration, "duration", 0, "stop after this long (default: when the scenario is over)")
	fs.StringVar(&opts.Dir, "dir", "", "keep the database here instead of a temporary directory")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if err := runDemo(ctx, os.Stdout, io.Discard, opts); err != nil {
		fmt.Fprintln(os.Stderr, "operator-demo:", err)
		os.Exit(1)
	}
}

type demoOptions struct {
	Speed    float64
	Duration time.Duration
	Dir      string
	// Refresh is how often the screen is redrawn (default 2s).
	Refresh time.Duration
}
