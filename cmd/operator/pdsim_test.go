package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

func TestServePDSimAnswersAndShutsDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	sc, err := pdsim.ParseScenario(strings.NewReader("name: t\nevents:\n  - at: 0s\n    fault: {type: kill-store, store: 9}\n"))
	if err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	log := slog.New(slog.NewTextHandler(&syncWriter{w: &logs}, nil))
	go func() {
		done <- servePDSim(ctx, log, ln, pdsim.Options{Stores: 3, Regions: 30, Clock: pdsim.NewScaledClock(1)}, sc)
	}()
	resp, err := http.Get("http://" + ln.Addr().String() + "/pd/api/v1/stores")
	if err != nil {
		t.Fatal(err)
	}
	var stores struct {
		Count int `json:"count"`
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err := json.Unmarshal(body, &stores); err != nil || stores.Count != 3 {
		t.Fatalf("stores: %s (%v)", body, err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("pdsim did not shut down within 10s")
	}
	// The scenario's event for a store that does not exist is logged, not fatal.
	if out := logs.String(); !strings.Contains(out, "scenario event failed") || !strings.Contains(out, "store 9 does not exist") {
		t.Fatalf("log lacks the failed event:\n%s", out)
	}
}

// syncWriter serialises writes from the server's goroutines.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
