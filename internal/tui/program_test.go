package tui

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// screenLog collects what the program writes to its terminal and wakes a
// waiter on every write, so the test waits for text instead of sleeping.
type screenLog struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	wrote chan struct{}
}

func newScreenLog() *screenLog { return &screenLog{wrote: make(chan struct{}, 1)} }

func (s *screenLog) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.buf.Write(p)
	select {
	case s.wrote <- struct{}{}:
	default:
	}
	return n, err
}

func (s *screenLog) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// waitFor returns once the output holds want, failing at the deadline.
func (s *screenLog) waitFor(t *testing.T, deadline <-chan time.Time, want string) {
	t.Helper()
	for !strings.Contains(s.String(), want) {
		select {
		case <-s.wrote:
		case <-deadline:
			t.Fatalf("the terminal never showed %q; it got:\n%s", want, s.String())
		}
	}
}

// The model in a real bubbletea program: keystrokes through a pipe, as a
// terminal would send them, approve a run and quit.
func TestProgramApprovesAndQuitsOnQ(t *testing.T) {
	src := cluster()
	m := New(context.Background(), src, Options{Interval: time.Hour, Now: func() time.Time { return now }})
	in, keys := io.Pipe()
	out := newScreenLog()
	p := tea.NewProgram(m, tea.WithInput(in), tea.WithOutput(out), tea.WithoutSignalHandler())
	type result struct {
		m   tea.Model
		err error
	}
	done := make(chan result, 1)
	go func() {
		fm, err := p.Run()
		done <- result{fm, err}
	}()
	deadline := time.After(20 * time.Second)
	press := func(s string) {
		t.Helper()
		if _, err := io.WriteString(keys, s); err != nil {
			t.Fatalf("type %q: %v", s, err)
		}
	}

	out.waitFor(t, deadline, "transfer_leader region_id=49 to_store=2")
	press("j")
	out.waitFor(t, deadline, "> 8")
	press("k")
	press("a")
	out.waitFor(t, deadline, "approve run 7, reason (optional)")
	press("ok\r")
	out.waitFor(t, deadline, "run 7 (transfer_leader) approved (1 of 1)")
	press("q")
	keys.Close()

	select {
	case r := <-done:
		if r.err != nil {
			t.Fatalf("program: %v", r.err)
		}
		if v := r.m.View(); !strings.Contains(v, "approved (1 of 1), now approved") {
			t.Errorf("final screen:\n%s", v)
		}
	case <-deadline:
		t.Fatalf("the program did not exit on q; it showed:\n%s", out.String())
	}
	src.mu.Lock()
	defer src.mu.Unlock()
	if len(src.approved) != 1 || src.approved[0] != (call{7, "ok"}) {
		t.Fatalf("approvals sent: %+v, want run 7 with reason ok", src.approved)
	}
}
