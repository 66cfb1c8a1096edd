package eval

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// front sits before the simulator's handler: it answers the paths a
// scenario overrides (states of PD pdsim does not model) and counts
// scrapes of the TiKV metrics pages, so a step can wait for Prometheus.
type front struct {
	next http.Handler

	mu        sync.Mutex
	overrides map[string]Override
	scrapes   map[string]int // by store id
	changed   chan struct{}  // a scrape happened (capacity 1, never blocks)
}

func newFront(next http.Handler) *front {
	return &front{next: next, overrides: map[string]Override{}, scrapes: map[string]int{}, changed: make(chan struct{}, 1)}
}

func (f *front) override(o Override) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if o.Clear {
		delete(f.overrides, o.Path)
		return
	}
	f.overrides[o.Path] = o
}

func (f *front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		f.mu.Lock()
		o, ok := f.overrides[r.URL.Path]
		f.mu.Unlock()
		if ok {
			w.Header().Set("Content-Type", "application/json; charset=UTF-8")
			w.Header().Set("Content-Length", strconv.Itoa(len(o.Body)))
			w.WriteHeader(o.Status)
			io.WriteString(w, o.Body)
			return
		}
	}
	f.next.ServeHTTP(w, r)
	if store, ok := metricsStore(r.URL.Path); ok {
		f.mu.Lock()
		f.scrapes[store]++
		f.mu.Unlock()
		select {
		case f.changed <- struct{}{}:
		default:
		}
	}
}

// metricsStore reads the store id of /pdsim/v1/tikv/{store}/metrics.
func metricsStore(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, "/pdsim/v1/tikv/")
	if !ok {
		return "", false
	}
	store, ok := strings.CutSuffix(rest, "/metrics")
	return store, ok && store != "" && !strings.Contains(store, "/")
}

func (f *front) scrapeCounts() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]int, len(f.scrapes))
	for k, v := range f.scrapes {
		out[k] = v
	}
	return out
}

// waitScrapes returns once each of stores 1..n has been scraped at least
// n times more than in since, or fails after within.
func (f *front) waitScrapes(ctx context.Context, since map[string]int, stores, n int, within time.Duration) error {
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	for {
		now := f.scrapeCounts()
		behind := ""
		for id := 1; id <= stores; id++ {
			k := strconv.Itoa(id)
			if now[k]-since[k] < n {
				behind = k
				break
			}
		}
		if behind == "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			return fmt.Errorf("prometheus did not scrape store %s's metrics %d times within %s", behind, n, within)
		case <-f.changed:
		}
	}
}
