package pdsim

import (
	"fmt"
	"time"
)

// A clock jump: PD's wall clock steps forward (an NTP step, a VM resumed
// from a pause). PD stamps answers with its wall clock (the Date header,
// last_heartbeat) and judges a store by the wall-clock age of its last
// heartbeat, so right after the jump every store looks silent for the
// jump's length (Disconnected past 20s, Down past max-store-down-time)
// until its next heartbeat arrives; the stores themselves heartbeat on
// their own schedule, unaffected. What PD times with Go's monotonic clock
// (operator steps and timeouts, the records cache, its own tickers) and
// what happens outside PD (TiKV's heartbeats, a scenario's timeline) does
// not jump: those moments move with the clock.

// jump steps the clock forward by d.
func (c *ScaledClock) jump(d time.Duration) { c.jumped.Add(int64(d)) }

// jumpClock moves PD's wall clock forward by f.By. It is called with mu
// held, after catching up, so the model is at the old time.
func (c *Cluster) jumpClock(f Fault) error {
	d, err := time.ParseDuration(f.By)
	if err != nil || d <= 0 {
		return fmt.Errorf("fault clock-jump: by %q is not a positive duration like 90s", f.By)
	}
	switch clk := c.clock.(type) {
	case *ScaledClock:
		clk.jump(d)
	case *ManualClock:
		clk.Advance(d)
	default:
		return fmt.Errorf("fault clock-jump: the cluster runs on a %T, which cannot jump", c.clock)
	}
	c.now = c.now.Add(d)
	for _, t := range []*time.Time{&c.nextStoreHB, &c.nextRegionHB, &c.nextPatrol, &c.nextBalance, &c.ops.nextSweep} {
		*t = t.Add(d)
	}
	for i := range c.history {
		c.history[i].at = c.history[i].at.Add(d)
	}
	shiftOp := func(op *operator) {
		op.createAt, op.startAt, op.stepStart = op.createAt.Add(d), op.startAt.Add(d), op.stepStart.Add(d)
		if !op.finishAt.IsZero() {
			op.finishAt = op.finishAt.Add(d)
		}
	}
	seen := map[*operator]bool{}
	for _, op := range c.ops.running {
		if !seen[op] {
			seen[op] = true
			shiftOp(op)
		}
	}
	for _, op := range c.ops.records {
		if !seen[op] {
			seen[op] = true
			shiftOp(op)
		}
	}
	// TiKV reports a down peer's down seconds itself; they do not jump.
	for _, r := range c.regions {
		for p, since := range r.DownSince {
			r.DownSince[p] = since.Add(d)
		}
	}
	return nil
}
