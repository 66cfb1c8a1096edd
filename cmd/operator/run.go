package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/operator-dev/operator/internal/app"
)

func newRunCmd(stderr io.Writer, env lookupEnv) *cobra.Command {
	return &cobra.Command{
		Use:   "run",
		Short: "Watch a TiKV cluster (PD at --pd-endpoint) and turn broken invariants into tickets",
		Long: `run starts the daemon: every --monitor-interval it observes the cluster through
PD (and Prometheus if --prometheus-endpoint is set), evaluates the invariants,
and opens, updates and resolves tickets in the state store (--db-path). It
serves the tickets API, Alertmanager's webhook and /metrics on --api-listen.
It only reads from the cluster. SIGTERM finishes the cycle in progress first.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := loadConfig(cmd, env)
			if err != nil {
				return err
			}
			log := newLogger(stderr, cfg)
			a, err := app.New(cmd.Context(), cfg, log)
			if err != nil {
				return err
			}
			return a.Run(cmd.Context())
		},
	}
}
