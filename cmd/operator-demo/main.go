// Command operator-demo shows Operator end to end with nothing real: it
// starts the PD simulator in-process, runs the daemon against it on a
// SQLite file in a temporary directory in execute mode, and plays four
// scripted incidents (a write hotspot, a disk filling, leaders piling onto
// one store, a store that dies), each detected, diagnosed, proposed,
// approved by the demo's people, executed and verified. Every screen and
// every log line says DEMO. Demo-only conveniences live here, never in
// the production binary.
package main

import (
	"context"
	"flag"
	"fmt"
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
	fs.Float64Var(&opts.Speed, "speed", 20, "simulated seconds per real second")
	fs.StringVar(&opts.Dir, "dir", "", "keep the database and log here instead of a temporary directory")
	fs.StringVar(&opts.Listen, "listen", "127.0.0.1:0", "the daemon's API and web console address")
	fs.BoolVar(&opts.Linger, "linger", true, "keep the daemon and console up after the story, until Ctrl-C")
	fs.BoolVar(&opts.Open, "open", true, "open the web console in a browser when there is a display")
	fs.DurationVar(&opts.Within, "within", 3*time.Minute, "give up on an incident step that takes longer than this")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if err := runDemo(ctx, os.Stdout, opts); err != nil {
		fmt.Fprintln(os.Stderr, "operator-demo:", err)
		os.Exit(1)
	}
}
