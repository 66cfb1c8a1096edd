package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The demo tells its whole story: tickets open for the crashed store and
// the full disk, then resolve once the scenario heals them.
func TestDemoTellsTheStory(t *testing.T) {
	var out lockedBuffer
	err := runDemo(context.Background(), &out, &bytes.Buffer{}, demoOptions{Speed: 120, Duration: 12 * time.Second, Refresh: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{"=== DEMO ===", "store-down/store=3", "store-low-space/store=2", "resolved", "demo finished", "advice:", "rules: set_store_weight", "proposed actions (observe-only", "set_store_weight leader_weight=1 region_weight=0.5 store_id=2"} {
		if !strings.Contains(s, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	// The last screen shows both problems resolved.
	last := s[strings.LastIndex(s, "simulated time"):]
	for _, key := range []string{"store-down/store=3", "store-low-space/store=2"} {
		for _, line := range strings.Split(last, "\n") {
			if strings.Contains(line, key) && !strings.Contains(line, "resolved") {
				t.Errorf("last screen still shows %s active: %q", key, line)
			}
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", s)
	}
}

func TestDemoRejectsBadSpeed(t *testing.T) {
	if err := runDemo(context.Background(), &bytes.Buffer{}, &bytes.Buffer{}, demoOptions{Speed: -1}); err == nil {
		t.Fatal("negative speed accepted")
	}
}
