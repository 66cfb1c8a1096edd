package runview

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/api"
	"github.com/operator-dev/operator/internal/store"
)

// Detail writes a run as an approver reads it: what it does, how risky and
// how reversible, what the dry run found and predicted, and its timeline.
func Detail(w io.Writer, v api.RunView) error {
	b := &strings.Builder{}
	fmt.Fprintf(b, "Action run %d: %s\n", v.ID, store.RunSubject(v.Action, v.Params))
	fmt.Fprintf(b, "State:    %s (version %d)\n", v.State, v.Version)
	if v.Outcome != "" {
		fmt.Fprintf(b, "Outcome:  %s\n", v.Outcome)
	}
	switch {
	case v.Progress != nil:
		fmt.Fprintf(b, "Progress: %s\n", v.Progress)
	case v.ProgressError != "":
		fmt.Fprintf(b, "Progress: unknown: %s\n", v.ProgressError)
	}
	if v.TicketID != 0 {
		fmt.Fprintf(b, "Ticket:   %d\n", v.TicketID)
	}
	switch {
	case v.Compensates != 0:
		fmt.Fprintf(b, "Plan:     %d, undoing run %d after a later step failed\n", v.PlanID, v.Compensates)
	case v.PlanID != 0:
		fmt.Fprintf(b, "Plan:     %d, step %d (approved together; each step runs after the one before completes)\n", v.PlanID, v.PlanStep)
	}
	fmt.Fprintf(b, "Created:  %s by %s", v.CreatedAt.UTC().Format(time.RFC3339), v.CreatedBy)
	if v.Origin != "" {
		fmt.Fprintf(b, " (%s)", v.Origin)
	}
	b.WriteString("\n")
	if s := v.Spec; s != nil {
		fmt.Fprintf(b, "\nWhat it does: %s\n", s.Description)
		fmt.Fprintf(b, "Risk:          %s\n", s.Risk)
		rev := s.Reversibility
		if s.Compensation != "" {
			rev += ", undone by " + s.Compensation
		}
		fmt.Fprintf(b, "Reversibility: %s\n", rev)
		fmt.Fprintf(b, "Blast radius:  %s\n", s.BlastRadius)
		fmt.Fprintf(b, "Executes:      %s\n", s.Executes)
		fmt.Fprintf(b, "Completion:    %s\n", s.Completion)
		fmt.Fprintf(b, "Verification:  %s\n", s.Verification)
		fmt.Fprintf(b, "Timeout:       %s\n", s.Timeout)
		if len(s.Pauses) > 0 {
			fmt.Fprintf(b, "Pauses:        PD checkers %s while it runs (they would undo it)\n", strings.Join(s.Pauses, ", "))
		}
		if len(s.Holds) > 0 {
			fmt.Fprintf(b, "Holds:         PD schedulers %s paused while it runs (unless already paused)\n", strings.Join(s.Holds, ", "))
		}
	}
	if d := v.DryRun; d != nil {
		b.WriteString("\n")
		writeDryRun(b, *d)
	}
	if len(v.Approvals) > 0 {
		b.WriteString("\nApprovals\n")
		for _, a := range v.Approvals {
			fmt.Fprintf(b, "  %s  %s (%s)", a.At.UTC().Format(time.RFC3339), a.Actor, a.Role)
			if a.Reason != "" {
				fmt.Fprintf(b, ": %s", a.Reason)
			}
			b.WriteString("\n")
		}
	}
	if len(v.Timeline) > 0 {
		b.WriteString("\nTimeline\n")
		for _, tr := range v.Timeline {
			fmt.Fprintf(b, "  %s  %-9s -> %-9s by %s", tr.At.UTC().Format(time.RFC3339), tr.From, tr.To, tr.Actor)
			if tr.Reason != "" {
				fmt.Fprintf(b, ": %s", tr.Reason)
			}
			b.WriteString("\n")
			for _, k := range []string{"verification", "observation", "before", "after"} {
				if x, ok := tr.Data[k]; ok {
					fmt.Fprintf(b, "      %s: %s\n", k, compact(x))
				}
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// DryRun writes a preflight's result.
func DryRun(w io.Writer, d action.DryRunResult) error {
	b := &strings.Builder{}
	writeDryRun(b, d)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeDryRun(b *strings.Builder, d action.DryRunResult) {
	verdict := "VALID"
	if !d.Valid {
		verdict = "REFUSED"
	}
	fmt.Fprintf(b, "Dry run: %s: %s\n", verdict, d.Message)
	for _, c := range d.Checked {
		fmt.Fprintf(b, "  %s\n", c)
	}
	for _, wn := range d.Warnings {
		fmt.Fprintf(b, "  WARNING: %s\n", wn)
	}
	if bl := d.Blast; bl != nil {
		fmt.Fprintf(b, "Blast radius (this run): %d store(s), %d region(s), %s copied\n", bl.Stores, bl.Regions, bytesText(bl.Bytes))
	}
	if len(d.Predicted) > 0 {
		b.WriteString("Predicted:\n")
		for _, k := range slices.Sorted(maps.Keys(d.Predicted)) {
			fmt.Fprintf(b, "  %s: %s\n", k, compact(d.Predicted[k]))
		}
	}
	if r := d.Rehearsal; r != nil {
		ok := "ran to completion"
		if !r.OK {
			ok = "did NOT complete"
		}
		fmt.Fprintf(b, "Rehearsal on a simulator loaded with the cluster: %s in %.0fs (simulated): %s\n", ok, r.Seconds, r.Message)
		for _, s := range r.Steps {
			fmt.Fprintf(b, "  step: %s\n", s)
		}
		fmt.Fprintf(b, "  regions moved: %d, bytes moved: %s\n", r.RegionsMoved, bytesText(r.BytesMoved))
		if len(r.InvariantsAfter) == 0 {
			b.WriteString("  problems left after it: none\n")
		} else {
			fmt.Fprintf(b, "  problems left after it: %s\n", strings.Join(r.InvariantsAfter, ", "))
		}
	}
}

func bytesText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d B", n)
}

func compact(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
