package pdsim

import (
	"sync"
	"sync/atomic"
	"time"
)

// Clock tells the simulator what simulated time it is.
type Clock interface {
	Now() time.Time
}

// ManualClock only moves when told to. Tests use it so that nothing depends
// on the wall clock.
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock returns a clock stopped at start.
func NewManualClock(start time.Time) *ManualClock { return &ManualClock{now: start} }

// Now returns the current simulated time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// ScaledClock runs speed simulated seconds per real second, so a drain that
// takes an hour on a real cluster can be watched in a minute.
type ScaledClock struct {
	realStart time.Time
	simStart  time.Time
	speed     float64
	wall      func() time.Time
	jumped    atomic.Int64 // nanoseconds of clock-jump faults (fault_clock.go)
}

// NewScaledClock starts a simulated clock at the current wall time.
func NewScaledClock(speed float64) *ScaledClock {
	if speed <= 0 {
		speed = 1
	}
	now := time.Now()
	return &ScaledClock{realStart: now, simStart: now, speed: speed, wall: time.Now}
}

// Now returns the simulated time.
func (c *ScaledClock) Now() time.Time {
	elapsed := c.wall().Sub(c.realStart)
	return c.simStart.Add(time.Duration(float64(elapsed)*c.speed) + time.Duration(c.jumped.Load()))
}
