package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/operator-dev/operator/internal/api"
	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

// stage is what the acts play on: the simulator, the daemon's API as each
// demo person sees it, and the narrator.
type stage struct {
	cluster *pdsim.Cluster
	simURL  string
	speed   float64
	// pd reads the simulator as the operator does, for narration.
	pd *pd.Client
	// viewer reads; people approve, each with their own identity.
	viewer *api.Client
	people map[string]*api.Client
	say    *narrator
	// poll is how often the acts look at the daemon.
	poll time.Duration
	// within bounds each wait of an act, in wall time; settle bounds the
	// wait for a ticket to resolve once an act is over.
	within time.Duration
	settle time.Duration
}

// pausePD pauses a PD scheduler the way pd-ctl does (POST
// /pd/api/v1/schedulers/{name} {"delay": seconds}); it is how an act
// reproduces a human's leftover pause, against the simulator only.
func (s *stage) pausePD(ctx context.Context, name string, seconds int) error {
	body := fmt.Sprintf(`{"delay":%d}`, seconds)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.simURL+"/pd/api/v1/schedulers/"+name, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("pause %s on the simulator: %w", name, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("pause %s on the simulator: %s: %s", name, resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}

// until polls check every s.poll until it says done, the context ends,
// or s.within passes (an error naming what did not happen).
func (s *stage) until(ctx context.Context, what string, check func() (bool, error)) error {
	deadline := time.Now().Add(s.within)
	t := time.NewTicker(s.poll)
	defer t.Stop()
	for {
		done, err := check()
		if err != nil {
			return err
		}
		if done {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not happen within %s", what, s.within)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// narrator prints the story. Every line starts with DEMO and the wall and
// simulated time since the demo began, so a screenshot or a pasted line
// can never pass for a real cluster's output.
type narrator struct {
	mu    sync.Mutex
	out   io.Writer
	start time.Time
	speed float64
}

func (n *narrator) line(format string, args ...any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	el := time.Since(n.start)
	sim := time.Duration(float64(el) * n.speed).Round(time.Second)
	fmt.Fprintf(n.out, "DEMO %5s sim %-7s %s\n", clock(el), sim, fmt.Sprintf(format, args...))
}

// banner prints the DEMO banner with a heading under it.
func (n *narrator) banner(heading string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	fmt.Fprintf(n.out, "\n%s\n%s\n", banner, heading)
}

// clock renders wall time as m:ss.
func clock(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}
