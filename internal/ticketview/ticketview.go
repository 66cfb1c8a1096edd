// Package ticketview renders tickets for terminals: the CLI's tables and
// the demo's live view.
package ticketview

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/operator-dev/operator/internal/ticket"
)

func ago(now, t time.Time) string {
	d := now.Sub(t).Round(time.Second)
	if d < 0 {
		d = 0
	}
	return d.String() + " ago"
}

// Table writes tickets as an aligned table, most useful columns first.
func Table(w io.Writer, ts []ticket.Ticket, now time.Time) error {
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

// Detail writes one ticket with its evidence and timeline.
func Detail(w io.Writer, t ticket.Ticket, events []ticket.Event) error {
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
	for _, e := range events {
		fmt.Fprintf(w, "  %s  %-13s %s\n", e.At.Format(time.RFC3339), e.Kind, e.Message)
	}
	return nil
}
