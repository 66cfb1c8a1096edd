package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/operator-dev/operator/internal/app"
)

func newRunCmd(stderr io.Writer, env lookupEnv) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Watch a TiKV cluster (PD at --pd-endpoint) and turn broken invariants into tickets",
		Long: `run starts the daemon: every --monitor-interval it observes the cluster through
PD (and Prometheus if --prometheus-endpoint is set), evaluates the invariants,
and opens, updates and resolves tickets in the state store (--db, a SQLite
file or a postgres:// URL; the same as --db-path). Several replicas can share
one PostgreSQL: all serve the API, one leads (--ha-replica-id, --ha-lease-ttl).
It serves the tickets API, the web console, Alertmanager's webhook and /metrics
on --api-listen. Nothing is written to the cluster unless --actions-mode is
execute. SIGTERM finishes the cycle in progress first.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// --db is what users and audit call the store; here it is
			// db.path's flag under the same name.
			if cmd.Flags().Changed("db") {
				db, _ := cmd.Flags().GetString("db")
				if err := cmd.Flags().Set("db-path", db); err != nil {
					return err
				}
			}
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
	cmd.Flags().String("db", "", "the state store: a SQLite file or a postgres:// URL (same as --db-path)")
	return cmd
}
