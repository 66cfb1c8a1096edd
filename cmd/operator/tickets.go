package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/operator-dev/operator/internal/api"
	"github.com/operator-dev/operator/internal/ticket"
	"github.com/operator-dev/operator/internal/ticketview"
)

func newTicketsCmd(stdout io.Writer, env lookupEnv) *cobra.Command {
	cmd := &cobra.Command{Use: "tickets", Short: "List, show and resolve tickets (a client of `operator run`)"}
	clientFlags(cmd.PersistentFlags())
	client := func(c *cobra.Command) (*api.Client, error) { return apiClient(c, env) }

	list := &cobra.Command{
		Use: "list", Short: "List tickets, most recently seen first", Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			o, err := output(c)
			if err != nil {
				return err
			}
			var states []ticket.State
			raw, _ := c.Flags().GetStringSlice("state")
			for _, s := range raw {
				st, err := ticket.ParseState(s)
				if err != nil {
					return &exitError{code: 2, err: fmt.Errorf("--state %q: %w", s, err)}
				}
				states = append(states, st)
			}
			limit, _ := c.Flags().GetInt("limit")
			cl, err := client(c)
			if err != nil {
				return err
			}
			ts, err := cl.List(c.Context(), api.ListOptions{States: states, Limit: limit})
			if err != nil {
				return err
			}
			if o == "json" {
				return writeJSONOut(stdout, ts)
			}
			return ticketview.Table(stdout, ts, time.Now())
		},
	}
	list.Flags().StringSlice("state", nil, "only these states (open, diagnosed, resolved); repeatable")
	list.Flags().Int("limit", 0, "at most this many (0: all)")
	list.Flags().StringP("output", "o", "table", "table or json")

	show := &cobra.Command{
		Use: "show ID", Short: "Show a ticket, its evidence, its timeline and its latest diagnosis", Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o, err := output(c)
			if err != nil {
				return err
			}
			id, err := ticket.ParseID(args[0])
			if err != nil {
				return &exitError{code: 2, err: fmt.Errorf("ticket id %q: %w", args[0], err)}
			}
			cl, err := client(c)
			if err != nil {
				return err
			}
			v, err := cl.Get(c.Context(), id)
			if err != nil {
				return err
			}
			if o == "json" {
				return writeJSONOut(stdout, v)
			}
			if err := ticketview.Detail(stdout, v.Ticket, v.Events); err != nil {
				return err
			}
			if _, err := io.WriteString(stdout, "\n"); err != nil {
				return err
			}
			return ticketview.Diagnoses(stdout, v.Diagnoses)
		},
	}
	show.Flags().StringP("output", "o", "table", "table or json")

	resolve := &cobra.Command{
		Use: "resolve ID --reason TEXT", Short: "Resolve a ticket by hand", Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := ticket.ParseID(args[0])
			if err != nil {
				return &exitError{code: 2, err: fmt.Errorf("ticket id %q: %w", args[0], err)}
			}
			reason, _ := c.Flags().GetString("reason")
			if strings.TrimSpace(reason) == "" {
				return &exitError{code: 2, err: fmt.Errorf("--reason is required: say why the ticket is resolved")}
			}
			cl, err := client(c)
			if err != nil {
				return err
			}
			t, err := cl.Resolve(c.Context(), id, reason)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(stdout, "ticket %d resolved: %s\n", t.ID, t.DedupKey)
			return err
		},
	}
	resolve.Flags().String("reason", "", "why it is resolved (required)")
	cmd.AddCommand(list, show, resolve)
	return cmd
}

// clientFlags are the flags of every command that talks to the daemon.
// The token is never a flag: a flag shows in ps and in shell history.
func clientFlags(fs *pflag.FlagSet) {
	fs.String("server", "", "the daemon's API URL (default: http:// + api.listen)")
	fs.String("token-file", "", "file holding your API token (default: $OPERATOR_TOKEN, else $OPERATOR_TOKEN_FILE)")
}

// apiClient is the daemon's API client of a client command: --server, or
// the configured api.listen, with the caller's token.
func apiClient(c *cobra.Command, env lookupEnv) (*api.Client, error) {
	token, err := readToken(c, env)
	if err != nil {
		return nil, err
	}
	if s, _ := c.Flags().GetString("server"); s != "" {
		return api.NewClient(s, token), nil
	}
	cfg, err := loadConfig(c, env)
	if err != nil {
		return nil, err
	}
	return api.NewClient("http://"+cfg.API.Listen, token), nil
}

// readToken finds the caller's API token: --token-file, $OPERATOR_TOKEN,
// or the file $OPERATOR_TOKEN_FILE names. None is not an error here: the
// daemon answers 401 and says how to get one.
func readToken(c *cobra.Command, env lookupEnv) (string, error) {
	file, _ := c.Flags().GetString("token-file")
	if file == "" {
		if v, ok := env("OPERATOR_TOKEN"); ok && strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v), nil
		}
		file, _ = env("OPERATOR_TOKEN_FILE")
	}
	if file == "" {
		return "", nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", &exitError{code: 2, err: fmt.Errorf("read the API token: %w", err)}
	}
	return strings.TrimSpace(string(b)), nil
}

// output reads --output: table or json.
func output(c *cobra.Command) (string, error) {
	o, _ := c.Flags().GetString("output")
	if o != "table" && o != "json" {
		return "", &exitError{code: 2, err: fmt.Errorf("--output %q: want table or json", o)}
	}
	return o, nil
}

func writeJSONOut(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
