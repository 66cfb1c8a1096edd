package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/operator-dev/operator/internal/config"
)

func newConfigCmd(stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Work with configuration files"}
	cmd.AddCommand(&cobra.Command{
		Use:   "check FILE",
		Short: "Report every problem in a config file, each with its line",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[0])
			if err != nil {
				return &exitError{code: 2, err: fmt.Errorf("config check: %w", err)}
			}
			problems := config.Check(data, args[0])
			for _, p := range problems {
				fmt.Fprintln(stdout, p.String())
			}
			if len(problems) > 0 {
				return &exitError{code: 2, err: fmt.Errorf("config check: %d problem(s) in %s", len(problems), args[0])}
			}
			fmt.Fprintf(stdout, "%s: ok\n", args[0])
			return nil
		},
	})
	return cmd
}
