package subject

import (
	"fmt"
	"sort"
	"strings"
)

// Severity orders how urgent a violation is.
type Severity int

// Severities, least to most urgent.
const (
	Info Severity = iota + 1
	Warning
	Critical
)

func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	case Critical:
		return "critical"
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// ParseSeverity reads "info", "warning" or "critical".
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(s) {
	case "info":
		return Info, nil
	case "warning":
		return Warning, nil
	case "critical":
		return Critical, nil
	}
	return 0, fmt.Errorf("unknown severity %q (want info, warning or critical)", s)
}

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

// Key builds a dedup key from an invariant name and labels.
func Key(invariant string, labels map[string]string) string {
	if len(labels) == 0 {
		return invariant
	}
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + labels[k]
	}
	return invariant + "/" + strings.Join(parts, ",")
}
