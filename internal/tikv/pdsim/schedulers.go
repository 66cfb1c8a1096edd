package pdsim

import (
	"sort"
	"time"
)

// pausable is a scheduler or checker that can be paused until a time.
type pausable struct {
	pausedAt    time.Time
	resumeAt    time.Time
	disabled    bool
	createdAt   time.Time
	evictStores []StoreID // evict-leader / grant-leader: the stores it applies to
}

func (p *pausable) paused(now time.Time) bool {
	return !p.resumeAt.IsZero() && now.Before(p.resumeAt)
}

// schedulers is PD's scheduler registry as seen through the API.
type schedulers struct {
	sched map[string]*pausable
	// order is insertion order; PD iterates a Go map, so real output is
	// unordered, and any order is faithful.
	order []string
}

func newSchedulers() schedulers {
	s := schedulers{sched: map[string]*pausable{}}
	for _, name := range []string{
		"balance-leader-scheduler", "balance-region-scheduler", "balance-hot-region-scheduler",
		"evict-slow-store-scheduler", "evict-stopping-store-scheduler",
	} {
		s.addScheduler(name, &pausable{})
	}
	return s
}

func (s *schedulers) addScheduler(name string, p *pausable) {
	s.sched[name] = p
	s.order = append(s.order, name)
}

func (s *schedulers) removeScheduler(name string) {
	delete(s.sched, name)
	for i, n := range s.order {
		if n == name {
			s.order = append(s.order[:i], s.order[i+1:]...)
			break
		}
	}
}

func (s *schedulers) schedulerNames() []string { return append([]string(nil), s.order...) }

// knownSchedulers are the scheduler names PD's POST /schedulers accepts, and
// whether they need a store_id.
var knownSchedulers = map[string]bool{
	"balance-leader-scheduler":          false,
	"balance-region-scheduler":          false,
	"balance-hot-region-scheduler":      false,
	"balance-witness-scheduler":         false,
	"evict-leader-scheduler":            true,
	"grant-leader-scheduler":            true,
	"evict-slow-store-scheduler":        false,
	"evict-slow-trend-scheduler":        false,
	"evict-stopping-store-scheduler":    false,
	"shuffle-leader-scheduler":          false,
	"shuffle-region-scheduler":          false,
	"shuffle-hot-region-scheduler":      false,
	"random-merge-scheduler":            false,
	"split-bucket-scheduler":            false,
	"transfer-witness-leader-scheduler": false,
	"label-scheduler":                   false,
}

// checkerNames are PD's checkers that /checker/{name} knows.
var checkerNames = []string{"learner", "replica", "rule", "split", "merge", "joint-state", "affinity"}

func newCheckers() map[string]*pausable {
	m := map[string]*pausable{}
	for _, n := range checkerNames {
		m[n] = &pausable{}
	}
	return m
}

func (c *Cluster) checkerPaused(name string) bool {
	p := c.checkers[name]
	return p != nil && p.paused(c.now)
}

func (c *Cluster) schedulerActive(name string) bool {
	p := c.sched[name]
	return p != nil && !p.disabled && !p.paused(c.now)
}

func sortedStoreIDs(ids []StoreID) []StoreID {
	out := append([]StoreID(nil), ids...)
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
