package tui

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/operator-dev/operator/internal/store"
)

// Styles degrade to plain text when the output is not a color terminal
// (tests, pipes), so the words on screen are the same either way.
var (
	titleStyle = lipgloss.NewStyle().Bold(true)
	alertStyle = lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("9"))
)

const help = "keys: ↑/↓ j/k select · a approve · r reject · enter/d details · q quit"

// View draws the screen.
func (m Model) View() string {
	var b strings.Builder
	m.viewHeader(&b)
	if m.loaded {
		switch {
		case !m.ksKnown:
			b.WriteString("kill switch: unknown\n")
		case m.ks.On:
			b.WriteString(alertStyle.Render("KILL SWITCH ON: "+m.ks.String()) + "\n")
		default:
			b.WriteString("kill switch: " + m.ks.String() + "\n")
		}
		b.WriteString("\n")
		m.viewCluster(&b)
		b.WriteString("\n")
		m.viewTickets(&b)
		b.WriteString("\n")
		m.viewRuns(&b)
		if m.detail {
			if i := m.row(); i >= 0 {
				b.WriteString("\n")
				viewDetail(&b, m.runs[i])
			}
		}
	}
	b.WriteString("\n")
	switch m.mode {
	case approving:
		fmt.Fprintf(&b, "approve run %d, reason (optional): %s_   enter: send · esc: cancel\n", m.target, string(m.input))
	case rejecting:
		fmt.Fprintf(&b, "reject run %d, reason (required): %s_   enter: send · esc: cancel\n", m.target, string(m.input))
	default:
		b.WriteString(help + "\n")
	}
	if m.refreshErr != "" {
		b.WriteString(alertStyle.Render("refresh failed: "+m.refreshErr) + "\n")
	}
	if m.status != "" {
		b.WriteString("status: " + m.status + "\n")
	}
	return m.clip(b.String())
}

func (m Model) viewTickets(b *strings.Builder) {
	now := m.now()
	if !m.ticketsKnown {
		b.WriteString(titleStyle.Render("TICKETS (unknown)") + "\n")
		return
	}
	fmt.Fprintf(b, "%s\n", titleStyle.Render(fmt.Sprintf("TICKETS (%d active)", len(m.tickets))))
	if len(m.tickets) == 0 {
		b.WriteString("  none\n")
		return
	}
	tw := tabwriter.NewWriter(b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  SEVERITY\tKEY\tAGE\tSUMMARY")
	for _, t := range m.tickets {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", t.Severity, t.DedupKey, age(now.Sub(t.FirstSeen)), oneLine(t.Summary))
	}
	tw.Flush()
}

func (m Model) viewRuns(b *strings.Builder) {
	now := m.now()
	if !m.runsKnown {
		b.WriteString(titleStyle.Render("ACTION RUNS (unknown)") + "\n")
		return
	}
	fmt.Fprintf(b, "%s\n", titleStyle.Render(fmt.Sprintf("ACTION RUNS (%d live)", len(m.runs))))
	if len(m.runs) == 0 {
		b.WriteString("  none\n")
		return
	}
	tw := tabwriter.NewWriter(b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  ID\tSTATE\tRISK\tAPPROVALS\tAGE\tACTION")
	for _, r := range m.runs {
		cursor := " "
		if r.ID == m.selected {
			cursor = ">"
		}
		fmt.Fprintf(tw, "%s %d\t%s\t%s\t%d\t%s\t%s\n", cursor, r.ID, r.State, r.Risk, r.Approvals,
			age(now.Sub(r.CreatedAt)), store.RunSubject(r.Action, r.Params))
	}
	tw.Flush()
}

// viewDetail is what an approver reads before saying yes: what the dry run
// found, how much the action can touch, and how it ended if it did.
func viewDetail(b *strings.Builder, r Run) {
	fmt.Fprintf(b, "%s\n", titleStyle.Render(fmt.Sprintf("RUN %d: %s", r.ID, store.RunSubject(r.Action, r.Params))))
	fmt.Fprintf(b, "  created by %s", r.CreatedBy)
	if r.Origin != "" {
		fmt.Fprintf(b, " from %s", r.Origin)
	}
	b.WriteString("\n")
	d := r.DryRun
	switch {
	case d == nil:
		b.WriteString("  dry run: none recorded\n")
	default:
		verdict := "preconditions hold"
		if !d.Valid {
			verdict = "REFUSED"
		}
		fmt.Fprintf(b, "  dry run: %s: %s\n", verdict, oneLine(d.Message))
		for _, w := range d.Warnings {
			fmt.Fprintf(b, "  warning: %s\n", oneLine(w))
		}
		if d.Blast != nil {
			fmt.Fprintf(b, "  blast radius: %d stores, %d regions, %d bytes\n", d.Blast.Stores, d.Blast.Regions, d.Blast.Bytes)
		} else {
			b.WriteString("  blast radius: not computed\n")
		}
	}
	if r.Progress != nil {
		fmt.Fprintf(b, "  progress: %s\n", oneLine(r.Progress.String()))
	}
	outcome := r.Outcome
	if outcome == "" {
		outcome = "not finished"
	}
	fmt.Fprintf(b, "  outcome: %s\n", oneLine(outcome))
}

// clip cuts lines to the terminal's width so a long summary cannot wrap
// and push the status line off screen.
func (m Model) clip(s string) string {
	if m.width <= 0 {
		return s
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, m.width, "")
	}
	return strings.Join(lines, "\n")
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
