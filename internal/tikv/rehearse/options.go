package rehearse

import (
	"time"

	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/tikv/observe"
)

// Options bound and tune one rehearsal. The zero value is usable.
type Options struct {
	// Spec is the action's registry entry, as the caller holds it. Its
	// Timeout bounds the simulated time (as the executor bounds the real
	// run) and its PausesCheckers are paused first, as the executor does:
	// without that, PD's rule checker undoes an added or moved peer.
	// Nil: DefaultTimeout, nothing paused.
	Spec *subject.ActionSpec
	// MaxRegions caps the regions read from the live PD for a store-wide
	// action (drain_store, evict_leaders). Default 512.
	MaxRegions int
	// MaxSimulated caps the simulated time whatever the spec's timeout
	// (a drain's is a day). Default 4h.
	MaxSimulated time.Duration
	// Observe configures the invariants evaluated afterwards; zero:
	// observe.DefaultConfig().
	Observe *observe.Config
}

// Defaults for Options.
const (
	DefaultTimeout      = 10 * time.Minute
	DefaultMaxRegions   = 512
	DefaultMaxSimulated = 4 * time.Hour
)

func (o Options) withDefaults() Options {
	if o.MaxRegions <= 0 {
		o.MaxRegions = DefaultMaxRegions
	}
	if o.MaxSimulated <= 0 {
		o.MaxSimulated = DefaultMaxSimulated
	}
	return o
}

// bound is how much simulated time the action may take.
func (o Options) bound() time.Duration {
	d := DefaultTimeout
	if o.Spec != nil && o.Spec.Timeout > 0 {
		d = o.Spec.Timeout
	}
	return min(d, o.MaxSimulated)
}

func (o Options) pausedCheckers() []string {
	if o.Spec == nil {
		return nil
	}
	return o.Spec.PausesCheckers
}
