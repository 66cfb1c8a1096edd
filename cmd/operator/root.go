package main

import (
	"errors"
	"io"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/operator-dev/operator/internal/config"
)

// lookupEnv is os.LookupEnv, passed in so tests control the environment.
type lookupEnv func(string) (string, bool)

// exitError carries a process exit code (2 for problems in the user's input).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

func newRootCmd(stdout, stderr io.Writer, env lookupEnv) *cobra.Command {
	root := &cobra.Command{
		Use:           "operator",
		Short:         "An AI-assisted operator for TiKV clusters that an SRE can trust with writes",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().String("config", "", "YAML config file (flags override env OPERATOR_*, which overrides the file)")
	config.RegisterFlags(root.PersistentFlags())
	root.AddCommand(newVersionCmd(stdout), newConfigCmd(stdout), newPDSimCmd(stderr, env),
		newRunCmd(stderr, env), newTicketsCmd(stdout, env), newActionsCmd(stdout, env), newKillSwitchCmd(stdout, env), newUsersCmd(stdout, env),
		newEvalCmd(stdout, stderr, env))
	root.AddCommand(newAuditCmd(stdout, stderr), newTopCmd(stdout, env))
	return root
}

// loadConfig merges defaults, the --config file, OPERATOR_* env and flags.
func loadConfig(cmd *cobra.Command, env lookupEnv) (*config.Config, error) {
	path, _ := cmd.Flags().GetString("config")
	cfg, err := config.Load(path, env, cmd.Flags())
	if err != nil {
		return nil, &exitError{code: 2, err: err}
	}
	return cfg, nil
}

func newLogger(w io.Writer, cfg *config.Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.Log.SlogLevel()}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
