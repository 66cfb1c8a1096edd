package pdsim

import (
	"sort"
	"time"
)

// timedEvent is something the simulation does at a simulated time: a
// scenario step, a leader election after a crash.
type timedEvent struct {
	at  time.Time
	seq int
	do  func(c *Cluster)
}

type event = timedEvent

func (c *Cluster) enqueue(at time.Time, do func(c *Cluster)) {
	c.history = append(c.history, timedEvent{at: at, seq: len(c.history), do: do})
	sort.SliceStable(c.history, func(i, j int) bool { return c.history[i].at.Before(c.history[j].at) })
}

// catchUp processes everything that happens between the model's time and
// the clock's, in order. It is called with mu held for writing.
//
// Each round jumps to the earliest pending moment strictly after the
// model's time, so it always moves forward: anything due at or before now
// was handled by the last round, and if something due were ever left over
// (an event at the current instant, a step of zero cost created late in a
// round) it runs in the next round instead of pinning the clock.
func (c *Cluster) catchUp() {
	target := c.clock.Now()
	for c.now.Before(target) {
		next := target
		pick := func(t time.Time) {
			if t.After(c.now) && t.Before(next) {
				next = t
			}
		}
		pick(c.nextStoreHB)
		pick(c.nextRegionHB)
		pick(c.nextPatrol)
		pick(c.ops.nextSweep)
		for _, ev := range c.history {
			if ev.at.After(c.now) {
				pick(ev.at)
				break
			}
		}
		for _, op := range c.ops.running {
			pick(c.stepDeadline(op))
			pick(op.createAt.Add(op.timeout))
		}
		c.now = next
		c.runDue()
	}
}

// Sync brings the model up to the clock. Tests that move a ManualClock call
// it implicitly through any request; it is exported for the pdsim command's
// background ticker, so metrics advance without requests.
func (c *Cluster) Sync() {
	c.mu.Lock()
	c.catchUp()
	c.mu.Unlock()
}

func (c *Cluster) runDue() {
	now := c.now
	for len(c.history) > 0 && !c.history[0].at.After(now) {
		ev := c.history[0]
		c.history = c.history[1:]
		ev.do(c)
	}
	c.advanceOperators()
	if !c.nextStoreHB.After(now) {
		c.storeHeartbeats()
		c.nextStoreHB = now.Add(c.opts.StoreHeartbeat)
	}
	if !c.nextRegionHB.After(now) {
		c.regionHeartbeats()
		c.nextRegionHB = now.Add(c.opts.RegionHeartbeat)
	}
	if !c.nextPatrol.After(now) {
		c.patrol()
		c.nextPatrol = now.Add(time.Second)
	}
	if !c.ops.nextSweep.After(now) {
		c.sweepRecords()
		c.ops.nextSweep = now.Add(time.Minute)
	}
}

// storeHeartbeats: live stores report; PD records the time and the space.
func (c *Cluster) storeHeartbeats() {
	for _, s := range c.stores {
		if s.awaitingFirstHB && !s.killed {
			s.awaitingFirstHB, s.NeverHeartbeat = false, false
			s.Capacity, s.StartTime, s.NodeState = c.opts.StoreCapacity, c.now, NodeServing
		}
		if s.killed || s.State == StateTombstone || s.NeverHeartbeat {
			continue
		}
		if s.fillRate > 0 {
			s.baseUsed += s.fillRate * uint64(c.opts.StoreHeartbeat/time.Second)
		}
		c.refreshAvailable(s)
		s.LastHeartbeat = c.now
	}
	c.tombstoneEmptyStores()
}

// tombstoneEmptyStores: PD turns a removing store with no regions left into
// a Tombstone on its own.
func (c *Cluster) tombstoneEmptyStores() {
	for _, s := range c.stores {
		if s.State == StateOffline && s.regionCount == 0 {
			s.State = StateTombstone
			s.NodeState = NodeRemoved
		}
	}
}

// regionHeartbeats: leaders report written/read counters for the last
// interval; PD's hot cache counts a region hot after a few hot reports.
func (c *Cluster) regionHeartbeats() {
	interval := c.opts.RegionHeartbeat.Seconds()
	threshold := c.schedule.HotRegionCacheHitsThreshold
	for _, r := range c.flowRegions() {
		if c.leaderDead(r) {
			continue
		}
		r.WrittenBytes = uint64(r.writeRate * interval)
		r.WrittenKeys = r.WrittenBytes / 1024
		r.ReadBytes = uint64(r.readRate * interval)
		r.ReadKeys = r.ReadBytes / 1024
		if r.writeRate >= hotMinBytesRate || r.readRate >= hotMinBytesRate {
			r.hotHits++
			if uint64(r.hotHits) == threshold {
				r.hotSince = c.now
			}
		} else {
			r.hotHits = 0
		}
		// Written data grows the region, as in TiKV, and TiKV's split
		// checker cuts it once it is too large (autosplit.go).
		if r.writeRate > 0 {
			grow := int64(r.writeRate*interval) >> 20
			if grow > 0 {
				c.mutate(r, func(r *Region) { r.ApproxSize += grow })
				c.autoSplit(r)
			}
		}
	}
}

// hotMinBytesRate is PD's minimum hot-region byte rate (1 KiB/s).
const hotMinBytesRate = 1024

func (c *Cluster) storeDown(s *Store) bool {
	return c.stateName(s) == "Down"
}

// leaderDead reports whether the region's leader sits on a crashed store.
func (c *Cluster) leaderDead(r *Region) bool {
	s := c.stores[r.leaderStore()]
	return s == nil || s.killed
}

func (c *Cluster) sweepRecords() {
	for id, op := range c.ops.records {
		if c.now.Sub(op.finishAt) >= recordTTL {
			delete(c.ops.records, id)
		}
	}
}
