package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// driver plays bubbletea's part in a test: it hands messages to Update and
// runs the commands Update returns, feeding their messages back, one at a
// time, so every test is deterministic. Refresh ticks are counted, not fed
// back, or the clock would run forever; a test feeds one when it wants a
// refresh.
type driver struct {
	t     *testing.T
	m     tea.Model
	ticks []tea.Msg
	quit  bool
}

// start builds a model on src and runs its Init. The interval is tiny so
// that running the real tea.Tick command costs a millisecond.
func start(t *testing.T, src Source) *driver {
	t.Helper()
	m := New(context.Background(), src, Options{Interval: time.Millisecond, Now: func() time.Time { return now }})
	d := &driver{t: t, m: m}
	d.run(m.Init())
	return d
}

func (d *driver) send(msg tea.Msg) {
	m, cmd := d.m.Update(msg)
	d.m = m
	d.run(cmd)
}

func (d *driver) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			d.run(c)
		}
	case tickMsg:
		d.ticks = append(d.ticks, msg)
	case tea.QuitMsg:
		d.quit = true
	default:
		d.send(msg)
	}
}

// tick delivers the oldest pending refresh tick.
func (d *driver) tick() {
	d.t.Helper()
	if len(d.ticks) == 0 {
		d.t.Fatal("no refresh tick pending: the model did not arm its clock")
	}
	msg := d.ticks[0]
	d.ticks = d.ticks[1:]
	d.send(msg)
}

// key presses one key by its bubbletea name ("up", "enter", "esc",
// "ctrl+c") or types a single rune.
func (d *driver) key(name string) {
	types := map[string]tea.KeyType{"up": tea.KeyUp, "down": tea.KeyDown, "enter": tea.KeyEnter,
		"esc": tea.KeyEsc, "ctrl+c": tea.KeyCtrlC, "backspace": tea.KeyBackspace}
	if kt, ok := types[name]; ok {
		d.send(tea.KeyMsg{Type: kt})
		return
	}
	d.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(name)})
}

// typ types text as a terminal would deliver it, a key per character.
func (d *driver) typ(text string) {
	for _, r := range text {
		if r == ' ' {
			d.send(tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}})
			continue
		}
		d.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
}

func (d *driver) screen() string { return d.m.View() }

func (d *driver) wantScreen(wants ...string) {
	d.t.Helper()
	s := d.screen()
	for _, w := range wants {
		if !strings.Contains(s, w) {
			d.t.Errorf("screen lacks %q:\n%s", w, s)
		}
	}
}

func (d *driver) rejectScreen(nots ...string) {
	d.t.Helper()
	s := d.screen()
	for _, w := range nots {
		if strings.Contains(s, w) {
			d.t.Errorf("screen shows %q but should not:\n%s", w, s)
		}
	}
}

// selectedLine is the run row the cursor is on.
func (d *driver) selectedLine() string {
	d.t.Helper()
	for _, l := range strings.Split(d.screen(), "\n") {
		if strings.HasPrefix(l, "> ") {
			return l
		}
	}
	d.t.Fatalf("no selected row on screen:\n%s", d.screen())
	return ""
}

func teaWindow(width int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: width, Height: 40} }

func teaRunes(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }
