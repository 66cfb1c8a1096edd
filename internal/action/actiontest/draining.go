package actiontest

import (
	"context"
	"sync"
	"time"

	"github.com/operator-dev/operator/internal/action"
)

// Draining is Still with a long job behind every executed run, as a drain
// is: Total regions at the intent, Left of them remaining as the test
// sets them (Set), and the rate and ETA measured from the intent's time.
type Draining struct {
	Still
	Total int64

	mu   sync.Mutex
	left int64
	err  error
}

// Set says how many regions are left now, or that measuring fails.
func (d *Draining) Set(left int64, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.left, d.err = left, err
}

// Progress implements action.ProgressReporter.
func (d *Draining) Progress(_ context.Context, _ action.Run, in action.Intent, now time.Time) (action.Progress, bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err != nil {
		return action.Progress{}, false, d.err
	}
	p := action.Measure(d.Total, d.left, "regions", in.At, now)
	p.Note = "store 4 is Offline: PD is moving its regions away"
	return p, true, nil
}
