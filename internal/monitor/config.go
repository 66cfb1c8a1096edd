package monitor

import (
	"fmt"
	"time"
)

// Config tunes one monitor.
type Config struct {
	// Interval between cycles (default 10s).
	Interval time.Duration
	// HoldDown is how long a violation must persist before its ticket opens
	// (default 0: open at once). A problem that already has an active ticket
	// is recorded at once whatever this says.
	HoldDown time.Duration
	// ClearAfter is how long a violation must stay absent before its ticket
	// auto-resolves (default 1m), so a flapping problem keeps one ticket.
	ClearAfter time.Duration
	// ReopenWithin re-opens a ticket resolved this recently when its problem
	// returns, instead of opening a new one (default 30m).
	ReopenWithin time.Duration
}

// Defaults fills unset fields.
func (c Config) withDefaults() Config {
	if c.Interval == 0 {
		c.Interval = 10 * time.Second
	}
	if c.ClearAfter == 0 {
		c.ClearAfter = time.Minute
	}
	if c.ReopenWithin == 0 {
		c.ReopenWithin = 30 * time.Minute
	}
	return c
}

func (c Config) validate() error {
	switch {
	case c.Interval < 0 || c.HoldDown < 0 || c.ClearAfter < 0 || c.ReopenWithin < 0:
		return fmt.Errorf("monitor config: durations must not be negative: %+v", c)
	case c.Interval < 100*time.Millisecond:
		return fmt.Errorf("monitor config: interval %s is too short (want at least 100ms)", c.Interval)
	}
	return nil
}
