package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/api"
	"github.com/operator-dev/operator/internal/runview"
	"github.com/operator-dev/operator/internal/ticket"
)

func parseRunID(s string) (action.ID, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n <= 0 {
		return 0, &exitError{code: 2, err: fmt.Errorf("action run id %q: want a positive number (see `operator actions list`)", s)}
	}
	return action.ID(n), nil
}

func newActionsCmd(stdout io.Writer, env lookupEnv) *cobra.Command {
	cmd := &cobra.Command{Use: "actions", Short: "List, show, approve, reject and cancel action runs (a client of `operator run`)"}
	clientFlags(cmd.PersistentFlags())

	list := &cobra.Command{
		Use: "list", Short: "List action runs, oldest first", Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			o, err := output(c)
			if err != nil {
				return err
			}
			var states []action.State
			raw, _ := c.Flags().GetStringSlice("state")
			for _, s := range raw {
				st, err := action.ParseState(s)
				if err != nil {
					return &exitError{code: 2, err: fmt.Errorf("--state %q: %w", s, err)}
				}
				states = append(states, st)
			}
			var tk ticket.ID
			if s, _ := c.Flags().GetString("ticket"); s != "" {
				if tk, err = ticket.ParseID(s); err != nil {
					return &exitError{code: 2, err: fmt.Errorf("--ticket %q: %w", s, err)}
				}
			}
			cl, err := apiClient(c, env)
			if err != nil {
				return err
			}
			rs, err := cl.Runs(c.Context(), states, tk)
			if err != nil {
				return err
			}
			if o == "json" {
				return writeJSONOut(stdout, rs)
			}
			progress, err := liveProgress(c.Context(), cl, rs)
			if err != nil {
				return err
			}
			return runview.TableProgress(stdout, rs, progress, time.Now())
		},
	}
	list.Flags().StringSlice("state", nil, "only these states (proposed, approved, queued, executing, verifying, completed, failed, ...); repeatable")
	list.Flags().String("ticket", "", "only runs of this ticket")
	list.Flags().StringP("output", "o", "table", "table or json")

	show := &cobra.Command{
		Use: "show ID", Short: "Show a run: proposal, dry-run result, risk, blast radius, reversibility, timeline", Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o, err := output(c)
			if err != nil {
				return err
			}
			id, err := parseRunID(args[0])
			if err != nil {
				return err
			}
			cl, err := apiClient(c, env)
			if err != nil {
				return err
			}
			v, err := cl.Run(c.Context(), id)
			if err != nil {
				return err
			}
			if o == "json" {
				return writeJSONOut(stdout, v)
			}
			return runview.Detail(stdout, v)
		},
	}
	show.Flags().StringP("output", "o", "table", "table or json")

	approve := &cobra.Command{
		Use: "approve ID [--dry-run]", Short: "Approve a proposed run (it then runs when its turn comes); --dry-run only checks it now", Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseRunID(args[0])
			if err != nil {
				return err
			}
			cl, err := apiClient(c, env)
			if err != nil {
				return err
			}
			if dry, _ := c.Flags().GetBool("dry-run"); dry {
				v, err := cl.DryRun(c.Context(), id)
				if err != nil {
					return err
				}
				fmt.Fprintf(stdout, "action run %d (%s), %s; nothing was changed\n", v.Run.ID, v.Run.Action, v.Run.State)
				return runview.DryRun(stdout, v.Result)
			}
			reason, _ := c.Flags().GetString("reason")
			res, err := cl.Approve(c.Context(), id, reason)
			if err != nil {
				return err
			}
			r := res.Run
			if r.State == action.Proposed {
				_, err = fmt.Fprintf(stdout, "action run %d (%s): your approval is recorded, %d of %d; it needs another person's\n", r.ID, r.Action, res.Approvals, res.Needed)
				return err
			}
			_, err = fmt.Fprintf(stdout, "action run %d (%s) %s; it runs when its turn comes (operator actions show %d)\n", r.ID, r.Action, r.State, r.ID)
			return err
		},
	}
	approve.Flags().Bool("dry-run", false, "run the preflight now and show the result; approve nothing")
	approve.Flags().String("reason", "", "why (recorded)")

	reject := &cobra.Command{
		Use: "reject ID --reason TEXT", Short: "Reject a proposed run", Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseRunID(args[0])
			if err != nil {
				return err
			}
			reason, _ := c.Flags().GetString("reason")
			if strings.TrimSpace(reason) == "" {
				return &exitError{code: 2, err: fmt.Errorf("--reason is required: say why it is rejected")}
			}
			cl, err := apiClient(c, env)
			if err != nil {
				return err
			}
			r, err := cl.Reject(c.Context(), id, reason)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(stdout, "action run %d (%s) rejected\n", r.ID, r.Action)
			return err
		},
	}
	reject.Flags().String("reason", "", "why (required)")

	cancel := &cobra.Command{
		Use: "cancel ID", Short: "Cancel a run that has not finished (an executing one: its PD operator is cancelled first)", Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseRunID(args[0])
			if err != nil {
				return err
			}
			reason, _ := c.Flags().GetString("reason")
			cl, err := apiClient(c, env)
			if err != nil {
				return err
			}
			r, err := cl.Cancel(c.Context(), id, reason)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(stdout, "action run %d (%s) %s: %s\n", r.ID, r.Action, r.State, r.Outcome)
			return err
		},
	}
	cancel.Flags().String("reason", "", "why (recorded)")
	plan := &cobra.Command{
		Use:   "plan --step 'ACTION k=v ...' --step ... [--ticket ID] [--reason TEXT]",
		Short: "Propose an ordered list of actions, approved together; a failed step undoes the completed ones",
		Long: `Propose a multi-step plan. Steps run in order, each checked right before it runs;
if one fails, the steps after it never run and every completed step that can
be undone exactly is undone, latest first. Example: throttle a drain and put
the limit back afterwards:

  operator actions plan --ticket 7 \
    --step 'set_replica_schedule_limit value=16' \
    --step 'drain_store store_id=3' \
    --step 'set_replica_schedule_limit value=64'`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			raw, _ := c.Flags().GetStringArray("step")
			steps := make([]action.Step, 0, len(raw))
			for i, s := range raw {
				st, err := parseStep(s)
				if err != nil {
					return &exitError{code: 2, err: fmt.Errorf("--step %d %q: %w", i+1, s, err)}
				}
				steps = append(steps, st)
			}
			if len(steps) < 2 {
				return &exitError{code: 2, err: fmt.Errorf("a plan needs at least two --step; a single action is a diagnosis proposal")}
			}
			var tk ticket.ID
			if s, _ := c.Flags().GetString("ticket"); s != "" {
				var err error
				if tk, err = ticket.ParseID(s); err != nil {
					return &exitError{code: 2, err: fmt.Errorf("--ticket %q: %w", s, err)}
				}
			}
			reason, _ := c.Flags().GetString("reason")
			cl, err := apiClient(c, env)
			if err != nil {
				return err
			}
			rs, err := cl.CreatePlan(c.Context(), api.PlanRequest{TicketID: tk, Steps: steps, Reason: reason})
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "plan %d proposed, %d steps:\n", rs[0].PlanID, len(rs))
			if err := runview.Table(stdout, rs, time.Now()); err != nil {
				return err
			}
			_, err = fmt.Fprintf(stdout, "approve it with: operator actions approve %d\n", rs[0].ID)
			return err
		},
	}
	plan.Flags().StringArray("step", nil, "one step: ACTION then k=v parameters (repeat, in order)")
	plan.Flags().String("ticket", "", "the ticket the plan remedies")
	plan.Flags().String("reason", "", "why (recorded)")
	cmd.AddCommand(list, show, approve, reject, cancel, plan)
	return cmd
}

// parseStep reads "ACTION k=v k=v": whole numbers and decimals become
// numbers, anything else a string (the daemon checks each against the
// registry).
func parseStep(s string) (action.Step, error) {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return action.Step{}, fmt.Errorf("empty step")
	}
	st := action.Step{Action: fields[0], Params: map[string]any{}}
	for _, kv := range fields[1:] {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return st, fmt.Errorf("parameter %q is not k=v", kv)
		}
		if _, dup := st.Params[k]; dup {
			return st, fmt.Errorf("parameter %s given twice", k)
		}
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			st.Params[k] = n
		} else if f, err := strconv.ParseFloat(v, 64); err == nil {
			st.Params[k] = f
		} else {
			st.Params[k] = v
		}
	}
	return st, nil
}

func newKillSwitchCmd(stdout io.Writer, env lookupEnv) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "kill-switch on|off|status",
		Short: "Stop every action at once (on), allow them again (off), or show the switch; it survives restarts",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			cl, err := apiClient(c, env)
			if err != nil {
				return err
			}
			switch args[0] {
			case "status":
				ks, err := cl.KillSwitch(c.Context())
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(stdout, "kill switch %s\n", ks.KillSwitch)
				return err
			case "on", "off":
				reason, _ := c.Flags().GetString("reason")
				ks, err := cl.SetKillSwitch(c.Context(), args[0] == "on", reason)
				if err != nil {
					return err
				}
				fmt.Fprintf(stdout, "kill switch %s\n", ks.KillSwitch)
				if len(ks.Cancelled) > 0 {
					fmt.Fprintf(stdout, "cancelled action runs: %v\n", ks.Cancelled)
				}
				return nil
			}
			return &exitError{code: 2, err: fmt.Errorf("kill-switch %q: want on, off or status", args[0])}
		},
	}
	clientFlags(cmd.Flags())
	cmd.Flags().String("reason", "", "why (recorded)")
	return cmd
}

// liveProgress reads the progress of the runs under way (executing or
// verifying: the executor runs one at a time, so they are few), one
// request each. Finished runs are not asked about: a list may hold
// hundreds, and `actions show` measures any one of them, such as a
// completed drain whose store is still emptying.
func liveProgress(ctx context.Context, cl *api.Client, rs []action.Run) (map[action.ID]action.Progress, error) {
	out := map[action.ID]action.Progress{}
	for _, r := range rs {
		if r.State != action.Executing && r.State != action.Verifying {
			continue
		}
		v, err := cl.Run(ctx, r.ID)
		if err != nil {
			return nil, fmt.Errorf("read the progress of action run %d: %w", r.ID, err)
		}
		if v.Progress != nil {
			out[r.ID] = *v.Progress
		}
	}
	return out, nil
}
