package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/operator-dev/operator/internal/api"
	"github.com/operator-dev/operator/internal/ticket"
)

func newTicketsCmd(stdout io.Writer, env lookupEnv) *cobra.Command {
	cmd := &cobra.Command{Use: "tickets", Short: "List, show and resolve tickets (a client of `operator run`)"}
	cmd.PersistentFlags().String("server", "", "the daemon's API URL (default: http:// + api.listen)")
	client := func(c *cobra.Command) (*api.Client, error) {
		if s, _ := c.Flags().GetString("server"); s != "" {
			return api.NewClient(s), nil
		}
		cfg, err := loadConfig(c, env)
		if err != nil {
			return nil, err
		}
		return api.NewClient("http://" + cfg.API.Listen), nil
	}
	output := func(c *cobra.Command) (string, error) {
		o, _ := c.Flags().GetString("output")
		if o != "table" && o != "json" {
			return "", &exitError{code: 2, err: fmt.Errorf("--output %q: want table or json", o)}
		}
		return o, nil
	}

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
			return writeTicketTable(stdout, ts, time.Now())
		},
	}
	list.Flags().StringSlice("state", nil, "only these states (open, diagnosed, resolved); repeatable")
	list.Flags().Int("limit", 0, "at most this many (0: all)")
	list.Flags().StringP("output", "o", "table", "table or json")

	show := &cobra.Command{
		Use: "show ID", Short: "Show a ticket, its evidence and its timeline", Args: cobra.ExactArgs(1),
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
			return writeTicketDetail(stdout, v)
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

func writeJSONOut(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func ago(now, t time.Time) string {
	d := now.Sub(t).Round(time.Second)
	if d < 0 {
		d = 0
	}
	return d.String() + " ago"
}

func writeTicketTable(w io.Writer, ts []ticket.Ticket, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tSEVERITY\tKEY\tSEEN\tLAST SEEN\tSUMMARY")
	for _, t := range ts {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\n", t.ID, t.State, t.Severity, t.DedupKey, t.Occurrences, ago(now, t.LastSeen), t.Summary)
	}
	if len(ts) == 0 {
		fmt.Fprintln(tw, "(no tickets)")
	}
	return tw.Flush()
}

func writeTicketDetail(w io.Writer, v api.TicketView) error {
	t := v.Ticket
	fmt.Fprintf(w, "Ticket %d  %s  %s\n", t.ID, strings.ToUpper(string(t.State)), t.Severity)
	fmt.Fprintf(w, "Key:         %s\nSummary:     %s\nSubject:     %s\nSeen:        %d times, first %s, last %s\n",
		t.DedupKey, t.Summary, t.Subject, t.Occurrences, t.FirstSeen.Format(time.RFC3339), t.LastSeen.Format(time.RFC3339))
	if t.ResolvedAt != nil {
		fmt.Fprintf(w, "Resolved:    %s\n", t.ResolvedAt.Format(time.RFC3339))
	}
	if len(t.Evidence) > 0 {
		fmt.Fprintln(w, "Evidence:")
		b, _ := json.MarshalIndent(t.Evidence, "  ", "  ")
		fmt.Fprintf(w, "  %s\n", b)
	}
	fmt.Fprintln(w, "Timeline:")
	for _, e := range v.Events {
		fmt.Fprintf(w, "  %s  %-13s %s\n", e.At.Format(time.RFC3339), e.Kind, e.Message)
	}
	return nil
}
