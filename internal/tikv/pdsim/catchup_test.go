package pdsim

import (
	"fmt"
	"testing"
	"time"
)

// catchUpWithin runs a Sync, failing the test if it does not return within
// limit of wall time (a catch-up that stops moving forward never returns).
func catchUpWithin(t *testing.T, c *Cluster, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	done := make(chan struct{})
	go func() {
		c.Sync()
		close(done)
	}()
	select {
	case <-done:
		return time.Since(start)
	case <-time.After(limit):
		t.Fatalf("catch-up still running after %v", limit)
		return 0
	}
}

// A moment that is already due when a catch-up starts (an event at the
// model's current instant, an operator deadline left behind) must not pin
// the model's time: catchUp always jumps forward to the next real moment.
func TestCatchUpAlwaysMovesForward(t *testing.T) {
	for _, tc := range []struct {
		name string
		prep func(c *Cluster) func() bool
	}{
		{"event at the model's instant", func(c *Cluster) func() bool {
			ran := false
			c.enqueue(c.now, func(*Cluster) { ran = true })
			return func() bool { return ran }
		}},
		{"event in the model's past", func(c *Cluster) func() bool {
			ran := false
			c.enqueue(c.now.Add(-time.Hour), func(*Cluster) { ran = true })
			return func() bool { return ran }
		}},
		{"an ended operator left in the running table", func(c *Cluster) func() bool {
			r := c.byKey[0]
			op := newOperator("balance-leader-scheduler", "transfer leader", r, kindLeader,
				[]step{{kind: stepTransferLeader, from: r.leaderStore(), to: r.Peers[1].StoreID}}, c.now.Add(-time.Hour))
			op.begun, op.status = true, opTimeout
			c.ops.running[r.ID] = op
			return func() bool { delete(c.ops.running, r.ID); return true }
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := NewManualClock(time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC))
			c := New(Options{Stores: 5, Regions: 20, Clock: clock})
			c.mu.Lock()
			done := tc.prep(c)
			c.mu.Unlock()
			clock.Advance(time.Minute)
			catchUpWithin(t, c, 30*time.Second)
			if !c.now.Equal(clock.Now()) {
				t.Fatalf("model at %v, clock at %v", c.now, clock.Now())
			}
			if !done() {
				t.Fatal("the due event never ran")
			}
		})
	}
}

// A long jump (a day) on a 10k-region cluster with a store draining, a
// store crashed, an evict-leader scheduler and a leader imbalance costs
// well under a second or two: the patrol's cost follows the work there is,
// not the number of regions it could look at.
// TestDayLongCatchUp simulates a whole day in one jump. How fast that is
// is measured by BenchmarkCatchUpDay, not asserted here; the deadline only
// catches a catch-up that never ends.
func TestDayLongCatchUp(t *testing.T) {
	for _, tc := range dayScenarios {
		t.Run(tc.name, func(t *testing.T) {
			limit := 2 * time.Minute
			clock := NewManualClock(time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC))
			c := New(Options{Stores: tc.stores, Regions: 10_000, Clock: clock})
			c.mu.Lock()
			tc.prep(c)
			c.mu.Unlock()
			clock.Advance(24 * time.Hour)
			catchUpWithin(t, c, limit)
			c.mu.RLock()
			defer c.mu.RUnlock()
			if err := checkInvariants(c); err != nil {
				t.Fatal(err)
			}
			if s := c.stores[tc.drained]; s != nil && s.State != StateTombstone {
				t.Fatalf("store %d did not drain in a day: %s with %d regions", tc.drained, c.stateName(s), s.regionCount)
			}
		})
	}
}

// dayScenarios are the long catch-ups TestDayLongCatchUp and
// BenchmarkCatchUpDay run.
var dayScenarios = []struct {
	name    string
	stores  int
	drained StoreID
	prep    func(c *Cluster)
}{
	{"drain", 5, 5, func(c *Cluster) { c.setOffline(c.stores[5], false) }},
	{"drain+crash+evict-leader+imbalance", 10, 10, func(c *Cluster) {
		c.setOffline(c.stores[10], false)
		c.crash(c.stores[3])
		c.addScheduler("evict-leader-scheduler", &pausable{evictStores: []StoreID{4}})
		c.pullLeaders(c.stores[5], 1)
	}},
}

// BenchmarkCatchUpDay simulates a day of a 10k-region cluster in one jump.
func BenchmarkCatchUpDay(b *testing.B) {
	for _, tc := range dayScenarios {
		b.Run(fmt.Sprintf("regions=10k/%s", tc.name), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				clock := NewManualClock(time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC))
				c := New(Options{Stores: tc.stores, Regions: 10_000, Clock: clock})
				tc.prep(c)
				clock.Advance(24 * time.Hour)
				b.StartTimer()
				c.Sync()
			}
		})
	}
}
