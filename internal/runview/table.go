package runview

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/store"
)

// Table writes one line per run, oldest first.
func Table(w io.Writer, rs []action.Run, now time.Time) error {
	if len(rs) == 0 {
		_, err := fmt.Fprintln(w, "no action runs")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tRISK\tTICKET\tAGE\tACTION\tOUTCOME")
	for _, r := range rs {
		tk := "-"
		if r.TicketID != 0 {
			tk = fmt.Sprint(r.TicketID)
		}
		outcome := r.Outcome
		if outcome == "" && r.DryRun != nil && !r.DryRun.Valid {
			outcome = "dry run refused: " + r.DryRun.Message
		}
		what := store.RunSubject(r.Action, r.Params)
		switch {
		case r.Compensates != 0:
			what += fmt.Sprintf(" [plan %d: undoes run %d]", r.PlanID, r.Compensates)
		case r.PlanID != 0:
			what += fmt.Sprintf(" [plan %d step %d]", r.PlanID, r.PlanStep)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.State, r.Risk, tk, age(now.Sub(r.CreatedAt)),
			what, clip(outcome, 90))
	}
	return tw.Flush()
}

func age(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
