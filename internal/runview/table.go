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
	return TableProgress(w, rs, nil, now)
}

// TableProgress is Table with a PROGRESS column for the runs whose
// progress is given; without any, the column is left out.
func TableProgress(w io.Writer, rs []action.Run, progress map[action.ID]action.Progress, now time.Time) error {
	if len(rs) == 0 {
		_, err := fmt.Fprintln(w, "no action runs")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if len(progress) > 0 {
		fmt.Fprintln(tw, "ID\tSTATE\tRISK\tTICKET\tAGE\tACTION\tPROGRESS\tOUTCOME")
	} else {
		fmt.Fprintln(tw, "ID\tSTATE\tRISK\tTICKET\tAGE\tACTION\tOUTCOME")
	}
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
		if len(progress) > 0 {
			cell := "-"
			if p, ok := progress[r.ID]; ok {
				cell = short(p)
			}
			what += "\t" + cell
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.State, r.Risk, tk, age(now.Sub(r.CreatedAt)),
			what, clip(outcome, 90))
	}
	return tw.Flush()
}

// short is progress in a table cell: "600/1000 regions (60%), ETA 40s".
func short(p action.Progress) string {
	s := fmt.Sprintf("%d/%d %s (%d%%)", p.Done, p.Total, p.Unit, p.Percent())
	switch {
	case p.Finished && p.Done >= p.Total:
		return s + ", finished"
	case p.Finished:
		return s + ", ended"
	case p.ETA > 0:
		return s + ", ETA " + action.ETAText(p.ETA)
	}
	return s
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
