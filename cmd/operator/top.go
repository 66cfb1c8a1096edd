package main

import (
	"fmt"
	"io"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spf13/cobra"

	"github.com/operator-dev/operator/internal/tui"
)

func newTopCmd(stdout io.Writer, env lookupEnv) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "top [--interval 2s]",
		Short: "A live terminal dashboard: kill switch, stores, active tickets, live action runs; approve or reject from it",
		Long: `A live terminal dashboard of the daemon (a client of ` + "`operator run`" + `).

Keys: up/down or j/k select a run, a approve it (asks for a reason),
r reject it (reason required), enter or d show its dry run, blast radius
and outcome, q or ctrl+c quit.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			interval, _ := c.Flags().GetDuration("interval")
			if interval <= 0 {
				return &exitError{code: 2, err: fmt.Errorf("--interval %s: want a positive duration", interval)}
			}
			cl, err := apiClient(c, env)
			if err != nil {
				return err
			}
			m := tui.New(c.Context(), tui.APISource{C: cl}, tui.Options{Interval: interval})
			// The alternate screen gives the terminal back as it was on quit.
			p := tea.NewProgram(m, tea.WithContext(c.Context()), tea.WithInput(c.InOrStdin()),
				tea.WithOutput(stdout), tea.WithAltScreen())
			if _, err := p.Run(); err != nil {
				return fmt.Errorf("run the dashboard: %w", err)
			}
			return nil
		},
	}
	clientFlags(cmd.Flags())
	cmd.Flags().Duration("interval", 2*time.Second, "how often to refresh")
	return cmd
}
