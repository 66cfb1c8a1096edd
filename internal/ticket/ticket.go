package ticket

import (
	"fmt"
	"strconv"
	"time"
)

// ID identifies a ticket. The store assigns it; it is never reused.
type ID int64

func (id ID) String() string { return strconv.FormatInt(int64(id), 10) }

// ParseID reads a positive decimal ticket ID, as typed on a command line.
func ParseID(s string) (ID, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%w: ticket ID %q is not a positive integer", ErrInvalid, s)
	}
	return ID(n), nil
}

// SubjectAlertmanager is the subject of tickets opened from Alertmanager
// alerts (the API's webhook). One that maps to an operator key carries the
// key in its evidence as "maps_to".
const SubjectAlertmanager = "alertmanager"

// MaxKeyLen bounds a dedup key, so a label flood from an outside source
// (Alertmanager) cannot make keys of unbounded size.
const MaxKeyLen = 1024

// Ticket is one problem with one thing, deduplicated by DedupKey.
//
// The caller of the store's OpenOrTouch fills the identity and observation
// fields (DedupKey through Evidence); the store owns the rest.
type Ticket struct {
	ID        ID     `json:"id"`
	DedupKey  string `json:"dedup_key"` // Key(Invariant, Labels) for the operator's own tickets
	Invariant string `json:"invariant"` // "store-down"
	Subject   string `json:"subject"`   // the adapter: "tikv"
	// Severity, Summary and Evidence describe the latest observation; each
	// repeat replaces them.
	Severity Severity `json:"severity"`
	State    State    `json:"state"`
	Summary  string   `json:"summary"`
	// Labels identify what the ticket is about ({"store": "4"}).
	Labels map[string]string `json:"labels,omitempty"`
	// Evidence is what the check saw, as a JSON object. After a trip
	// through a store numbers come back as json.Number (lossless for 64-bit
	// IDs); compare evidence by its JSON encoding.
	Evidence map[string]any `json:"evidence,omitempty"`

	FirstSeen  time.Time  `json:"first_seen"`
	LastSeen   time.Time  `json:"last_seen"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"` // set exactly when State is Resolved
	// Occurrences counts observations over the ticket's whole life,
	// including those after a reopen.
	Occurrences int `json:"occurrences"`
	ReopenCount int `json:"reopen_count"`
}

// Active reports whether t is the live ticket for its key (not resolved).
func (t Ticket) Active() bool { return t.State.Active() }

// Validate checks the fields a caller supplies when reporting a problem:
// a key, an invariant, a subject and a valid severity.
func (t Ticket) Validate() error {
	switch {
	case t.DedupKey == "":
		return fmt.Errorf("%w: empty dedup key", ErrInvalid)
	case len(t.DedupKey) > MaxKeyLen:
		return fmt.Errorf("%w: dedup key is %d bytes (at most %d)", ErrInvalid, len(t.DedupKey), MaxKeyLen)
	case t.Invariant == "":
		return fmt.Errorf("%w: ticket %q has no invariant", ErrInvalid, t.DedupKey)
	case t.Subject == "":
		return fmt.Errorf("%w: ticket %q has no subject", ErrInvalid, t.DedupKey)
	case !t.Severity.Valid():
		return fmt.Errorf("%w: ticket %q has %v", ErrInvalid, t.DedupKey, t.Severity)
	}
	return nil
}
