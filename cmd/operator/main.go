// Command operator is the one production binary: it watches a TiKV cluster
// through PD and Prometheus and, later, acts on it. Today it has `version`,
// `config check` and `pdsim` (a PD simulator to run it against).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCmd(os.Stdout, os.Stderr, os.LookupEnv).ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "operator:", err)
		os.Exit(exitCode(err))
	}
}
