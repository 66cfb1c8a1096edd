package subject

import (
	"context"
	"time"
)

// Subject is a system Operator watches and, later, acts on.
type Subject interface {
	// Name is the adapter's stable name, e.g. "tikv".
	Name() string
	// Observe takes one snapshot of everything the invariants need. A source
	// that fails (PD timeout, Prometheus down) is recorded in the snapshot's
	// Sources, not returned as an error, so the invariants that do not need
	// it still run. An error means nothing at all could be observed.
	Observe(ctx context.Context, now time.Time) (*Snapshot, error)
	// Invariants are the checks this adapter provides, in a stable order.
	Invariants() []Invariant
	// Actions describes the typed actions the adapter can take. The action
	// side (preflight, execute, poll, verify) is filled in by a later issue;
	// an observe-only adapter returns none.
	Actions() []ActionSpec
}

// Snapshot is one observation. Data is the adapter's own view (the core
// treats it as opaque and passes it back to the adapter's invariants).
type Snapshot struct {
	Time    time.Time
	Sources []Source
	Data    any
}

// Source reports how one data source did during Observe. Names may be
// hierarchical, "system:endpoint" ("pd:stores"): invariants name the exact
// sources they need, and a failure is reported once per system.
type Source struct {
	Name    string // "pd:stores", "prometheus"
	Err     error  // nil when it answered
	Latency time.Duration
}

// Failed returns the sources that did not answer.
func (s *Snapshot) Failed() []Source {
	var out []Source
	for _, src := range s.Sources {
		if src.Err != nil {
			out = append(out, src)
		}
	}
	return out
}

// Source returns the named source's status and whether it was observed.
func (s *Snapshot) Source(name string) (Source, bool) {
	for _, src := range s.Sources {
		if src.Name == name {
			return src, true
		}
	}
	return Source{}, false
}

// System is the part of a source name before the first ':' ("pd" for
// "pd:stores"), or the whole name.
func (s Source) System() string {
	for i := 0; i < len(s.Name); i++ {
		if s.Name[i] == ':' {
			return s.Name[:i]
		}
	}
	return s.Name
}
