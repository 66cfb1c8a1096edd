package subject

import (
	"time"

	"github.com/operator-dev/operator/internal/ticket"
)

// Severity orders how urgent a violation is; it is the ticket's severity.
type Severity = ticket.Severity

// Severities, least to most urgent.
const (
	Info     = ticket.Info
	Warning  = ticket.Warning
	Critical = ticket.Critical
)

// ParseSeverity reads "info", "warning" or "critical".
func ParseSeverity(s string) (Severity, error) { return ticket.ParseSeverity(s) }

// Invariant is one check over a snapshot.
type Invariant interface {
	// Name is stable: it is part of every dedup key ("store-down").
	Name() string
	// Needs lists the sources the check reads; when one failed, the monitor
	// skips the check (and reports the source) instead of raising or
	// clearing violations on missing data.
	Needs() []string
	// Check returns the violations present in the snapshot. No violation
	// means the invariant holds for everything it covers.
	Check(s *Snapshot) ([]Violation, error)
}

// Violation is one broken invariant about one thing.
// HoldDowner is implemented by an invariant whose violations often clear
// on their own (a region in the middle of a move): the monitor opens a
// ticket only once a violation has lasted this long, or its own hold-down
// if that is longer.
type HoldDowner interface {
	HoldDown() time.Duration
}

type Violation struct {
	Invariant string
	// Labels say what it is about ({"store": "4"}); with Invariant they make
	// the dedup key.
	Labels   map[string]string
	Severity Severity
	Summary  string
	// Evidence is what the check saw, for the ticket and the diagnosis.
	Evidence map[string]any
}

// Key is the dedup key: the invariant name and the sorted labels, e.g.
// "store-down/store=4" or "hot-write/region=123,store=2".
func (v Violation) Key() string { return Key(v.Invariant, v.Labels) }

// Key builds a dedup key from an invariant name and labels (see ticket.Key:
// sorted labels, with separators escaped so distinct labels never collide).
func Key(invariant string, labels map[string]string) string { return ticket.Key(invariant, labels) }
