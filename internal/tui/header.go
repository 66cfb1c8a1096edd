package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/operator-dev/operator/internal/config"
)

// bannerStyle stands out on a color terminal; the words carry the meaning
// either way.
var bannerStyle = lipgloss.NewStyle().Bold(true).Reverse(true)

// viewHeader draws the daemon's banner first, so a demo is never mistaken
// for production, then the title, then whether approving here can change
// anything: in observe mode the daemon refuses every approval, and an
// approver should know before typing a reason.
func (m Model) viewHeader(b *strings.Builder) {
	if m.infoKnown && m.info.Banner != "" {
		b.WriteString(bannerStyle.Render(oneLine(m.info.Banner)) + "\n")
	}
	head := "operator top"
	if m.loaded {
		head += fmt.Sprintf(" · refreshed %s · every %s", m.refreshed.Format("15:04:05"), m.interval)
	} else {
		head += " · loading..."
	}
	b.WriteString(titleStyle.Render(head) + "\n")
	switch {
	case m.infoKnown:
		b.WriteString("actions mode: " + modeLine(m.info.ActionsMode) + "\n")
		if r := m.info.Replica; r != nil {
			b.WriteString(replicaLine(r.Holder, r.Leader, r.Lease.Holder) + "\n")
		}
	case m.loaded:
		b.WriteString("actions mode: unknown\n")
	}
}

// modeLine says what a mode means to someone about to approve.
func modeLine(mode string) string {
	switch mode {
	case config.ModeExecute:
		return "execute: approved runs are carried out"
	case config.ModeObserve:
		return "observe-only: approvals are refused"
	}
	return oneLine(mode)
}

// replicaLine says which replica this dashboard talks to and who leads:
// approvals work on any replica, but only the leader acts.
func replicaLine(me string, leader bool, holder string) string {
	switch {
	case leader:
		return "replica " + oneLine(me) + " (leader)"
	case holder != "":
		return "replica " + oneLine(me) + " (standby; " + oneLine(holder) + " leads)"
	}
	return "replica " + oneLine(me) + " (standby; no leader yet)"
}
