package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestTopIsRegistered(t *testing.T) {
	out, _, err := run(t, nil, "top", "--help")
	if err != nil {
		t.Fatalf("top --help: %v", err)
	}
	for _, want := range []string{"operator top", "--interval", "--server", "--token-file", "a approve"} {
		if !strings.Contains(out, want) {
			t.Errorf("top --help lacks %q:\n%s", want, out)
		}
	}
	if _, _, err := run(t, nil, "top", "--interval", "0s", "--server", "http://127.0.0.1:1"); err == nil || exitCode(err) != 2 {
		t.Errorf("--interval 0s: want exit 2, got %v", err)
	}
}

// notifyBuffer is a terminal for the dashboard that wakes the test on
// every write.
type notifyBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	wrote chan struct{}
}

func (b *notifyBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case b.wrote <- struct{}{}:
	default:
	}
	return b.buf.Write(p)
}

func (b *notifyBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// The command against the real API: it shows the daemon's tickets, says
// why it cannot show runs, and quits on q.
func TestTopShowsTheDaemonAndQuits(t *testing.T) {
	url, tf := ticketServer(t)
	out := &notifyBuffer{wrote: make(chan struct{}, 1)}
	in, keys := io.Pipe()
	cmd := newRootCmd(out, io.Discard, func(string) (string, bool) { return "", false })
	cmd.SetIn(in)
	cmd.SetArgs([]string{"top", "--server", url, "--token-file", tf, "--interval", "1h"})
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(context.Background()) }()

	deadline := time.After(20 * time.Second)
	// This daemon runs no executor: runs and the kill switch are
	// unknown, and the screen says why instead of failing.
	for _, want := range []string{"store-down/store=4", "store 5 is Down", "ACTION RUNS (unknown)", "HTTP 503"} {
		for !strings.Contains(out.String(), want) {
			select {
			case <-out.wrote:
			case err := <-done:
				t.Fatalf("top exited early: %v\n%s", err, out.String())
			case <-deadline:
				t.Fatalf("top never showed %q:\n%s", want, out.String())
			}
		}
	}
	io.WriteString(keys, "q")
	keys.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("top: %v", err)
		}
	case <-deadline:
		t.Fatalf("top did not quit on q:\n%s", out.String())
	}
}
