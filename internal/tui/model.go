package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/api"
	"github.com/operator-dev/operator/internal/overview"
	"github.com/operator-dev/operator/internal/ticket"
)

// callTimeout bounds one call to the source, so a hung daemon shows as an
// error in the status line instead of a frozen screen.
const callTimeout = 15 * time.Second

// Options configure a Model.
type Options struct {
	// Interval is how often the screen is refreshed; 2s when zero.
	Interval time.Duration
	// Now is the clock ages are measured against; time.Now when nil.
	Now func() time.Time
}

// mode is what keystrokes currently mean.
type mode int

const (
	browsing  mode = iota
	approving      // typing the reason of an approval
	rejecting      // typing the reason of a rejection
)

// Model is the dashboard's state. It is a value, as bubbletea wants: Update
// returns the next one.
type Model struct {
	ctx      context.Context
	src      Source
	interval time.Duration
	now      func() time.Time

	// loaded: some part has been read at least once. Each part says on
	// its own whether it ever was, so "none" is never shown for "unknown".
	loaded       bool
	refreshed    time.Time
	ks           action.KillSwitch
	ksKnown      bool
	tickets      []ticket.Ticket
	ticketsKnown bool
	runs         []Run
	runsKnown    bool
	info         api.Info
	infoKnown    bool
	cluster      overview.Overview
	clusterKnown bool

	// selected is the ID of the selected run, not its row, so a refresh
	// that adds or drops runs keeps the cursor on the same run.
	selected action.ID
	detail   bool

	mode   mode
	target action.ID // the run being approved or rejected
	input  []rune

	// status is the answer to the last keystroke or action; refreshErr
	// why the last refresh failed (cleared by the next good one). Kept
	// apart so one never hides the other.
	status     string
	refreshErr string
	width      int
}

// New returns a dashboard reading src; ctx bounds every call it makes.
func New(ctx context.Context, src Source, o Options) Model {
	if o.Interval <= 0 {
		o.Interval = 2 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return Model{ctx: ctx, src: src, interval: o.Interval, now: o.Now}
}

// Messages the model sends itself.
type (
	tickMsg struct{}
	// snapshotMsg is one refresh; a part that could not be read is
	// nil/false and err says why.
	snapshotMsg struct {
		at         time.Time
		ks         *action.KillSwitch
		tickets    []ticket.Ticket
		gotTickets bool
		runs       []Run
		gotRuns    bool
		// info is nil when it could not be read; that is not an error
		// on screen (a daemon older than /api/v1/info has none), the
		// header just says the mode is unknown.
		info *api.Info
		// cluster is nil when it could not be read, quietly too: until
		// the monitor's first cycle the daemon has none (HTTP 503), and
		// the pane says how old the overview it shows is.
		cluster *overview.Overview
		err     error
	}
	// doneMsg is the answer to an approve or reject: what to say, and
	// whether it failed.
	doneMsg struct {
		text string
		err  error
	}
)

// Init loads the first snapshot and starts the refresh clock.
func (m Model) Init() tea.Cmd { return tea.Batch(m.fetch(), m.tick()) }

func (m Model) tick() tea.Cmd {
	return tea.Tick(m.interval, func(time.Time) tea.Msg { return tickMsg{} })
}

// fetch reads everything on screen. Each part is read on its own, so a
// daemon that cannot answer one (no executor: no runs, no kill switch)
// still shows the others; what failed is said in the status line and the
// last good data of that part stays on screen.
func (m Model) fetch() tea.Cmd {
	ctx, src, now := m.ctx, m.src, m.now
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		s := snapshotMsg{at: now()}
		var errs []error
		if ks, err := src.KillSwitch(ctx); err != nil {
			errs = append(errs, err)
		} else {
			s.ks = &ks
		}
		if ts, err := src.Tickets(ctx); err != nil {
			errs = append(errs, err)
		} else {
			s.tickets, s.gotTickets = ts, true
		}
		if rs, err := src.Runs(ctx); err != nil {
			errs = append(errs, err)
		} else {
			s.runs, s.gotRuns = rs, true
		}
		if info, err := src.Info(ctx); err == nil {
			s.info = &info
		}
		if o, err := src.Overview(ctx); err == nil {
			s.cluster = &o
		}
		s.err = errors.Join(errs...)
		return s
	}
}

// Update handles one message.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width = msg.Width
	case tickMsg:
		return m, tea.Batch(m.fetch(), m.tick())
	case snapshotMsg:
		m.refreshErr = ""
		if msg.err != nil {
			// errors.Join puts one failure a line; the status line has one.
			m.refreshErr = oneLine(strings.ReplaceAll(msg.err.Error(), "\n", "; "))
		}
		if msg.ks != nil {
			m.ks, m.ksKnown = *msg.ks, true
		}
		if msg.gotTickets {
			m.tickets, m.ticketsKnown = msg.tickets, true
		}
		if msg.gotRuns {
			m.runs, m.runsKnown = msg.runs, true
		}
		if msg.info != nil {
			m.info, m.infoKnown = *msg.info, true
		}
		if msg.cluster != nil {
			m.cluster, m.clusterKnown = *msg.cluster, true
		}
		if msg.ks != nil || msg.gotTickets || msg.gotRuns {
			m.loaded, m.refreshed = true, msg.at
		}
		m.keepSelection()
	case doneMsg:
		if msg.err != nil {
			m.status = oneLine(msg.err.Error())
		} else {
			m.status = msg.text
		}
		// Show the run's new state now rather than at the next tick.
		return m, m.fetch()
	case tea.KeyMsg:
		if msg.Type == tea.KeyCtrlC {
			return m, tea.Quit
		}
		if m.mode != browsing {
			return m.typeReason(msg)
		}
		// Keys typed faster than the terminal is read arrive as one
		// message ("jja"); each is a command of its own.
		if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste {
			var cmds []tea.Cmd
			var next tea.Model = m
			for i, r := range msg.Runes {
				var cmd tea.Cmd
				next, cmd = next.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
				cmds = append(cmds, cmd)
				if nm := next.(Model); nm.mode != browsing {
					// The rest is the start of a reason.
					next, cmd = nm.typeReason(tea.KeyMsg{Type: tea.KeyRunes, Runes: msg.Runes[i+1:]})
					return next, tea.Batch(append(cmds, cmd)...)
				}
			}
			return next, tea.Batch(cmds...)
		}
		return m.browse(msg)
	}
	return m, nil
}

// keepSelection moves the cursor to the first run when the selected one is
// gone (finished, or never chosen).
func (m *Model) keepSelection() {
	if m.row() >= 0 {
		return
	}
	m.selected = 0
	if len(m.runs) > 0 {
		m.selected = m.runs[0].ID
	}
}

// row is the index of the selected run, -1 when none.
func (m Model) row() int {
	for i, r := range m.runs {
		if r.ID == m.selected {
			return i
		}
	}
	return -1
}

func (m Model) browse(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch k.String() {
	case "q":
		return m, tea.Quit
	case "up", "k":
		if i := m.row(); i > 0 {
			m.selected = m.runs[i-1].ID
		}
	case "down", "j":
		if i := m.row(); i >= 0 && i < len(m.runs)-1 {
			m.selected = m.runs[i+1].ID
		}
	case "enter", "d":
		if m.row() < 0 {
			m.status = "no action run selected"
			return m, nil
		}
		m.detail = !m.detail
	case "a", "r":
		i := m.row()
		if i < 0 {
			m.status = "no action run selected"
			return m, nil
		}
		r := m.runs[i]
		verb := map[string]string{"a": "approved", "r": "rejected"}[k.String()]
		if r.State != action.Proposed {
			m.status = fmt.Sprintf("run %d is %s; only a proposed run can be %s", r.ID, r.State, verb)
			return m, nil
		}
		m.mode, m.target, m.input = approving, r.ID, nil
		if k.String() == "r" {
			m.mode = rejecting
		}
		m.status = ""
	}
	return m, nil
}

// typeReason edits the one-line reason input; Enter sends, Esc cancels.
func (m Model) typeReason(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch k.Type {
	case tea.KeyEsc:
		m.mode, m.input = browsing, nil
		m.status = fmt.Sprintf("run %d: nothing sent", m.target)
	case tea.KeyBackspace:
		if len(m.input) > 0 {
			m.input = m.input[:len(m.input)-1]
		}
	case tea.KeySpace:
		m.input = append(m.input, ' ')
	case tea.KeyRunes:
		m.input = append(m.input, k.Runes...)
	case tea.KeyEnter:
		reason := strings.TrimSpace(string(m.input))
		if m.mode == rejecting && reason == "" {
			m.status = "a reason is required to reject: say why"
			return m, nil
		}
		cmd := m.send(m.mode, m.target, reason)
		m.mode, m.input = browsing, nil
		m.status = fmt.Sprintf("run %d: sending...", m.target)
		return m, cmd
	}
	return m, nil
}

func (m Model) send(md mode, id action.ID, reason string) tea.Cmd {
	ctx, src := m.ctx, m.src
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		if md == rejecting {
			r, err := src.Reject(ctx, id, reason)
			if err != nil {
				return doneMsg{err: fmt.Errorf("reject run %d: %w", id, err)}
			}
			return doneMsg{text: fmt.Sprintf("run %d (%s) rejected", r.ID, r.Action)}
		}
		res, err := src.Approve(ctx, id, reason)
		if err != nil {
			return doneMsg{err: fmt.Errorf("approve run %d: %w", id, err)}
		}
		if res.Run.State == action.Proposed {
			return doneMsg{text: fmt.Sprintf("run %d: approval recorded (%d of %d needed); still proposed",
				res.Run.ID, res.Approvals, res.Needed)}
		}
		return doneMsg{text: fmt.Sprintf("run %d (%s) approved (%d of %d), now %s",
			res.Run.ID, res.Run.Action, res.Approvals, res.Needed, res.Run.State)}
	}
}

// oneLine keeps a multi-line error from breaking the screen's layout.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
