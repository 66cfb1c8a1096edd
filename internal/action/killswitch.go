package action

import (
	"fmt"
	"strings"
	"time"
)

// KillSwitch is the operator-wide stop: while On, no run starts, queued
// and approved runs are cancelled, and the cluster operators Operator
// created are cancelled. It is persisted, so a restart does not lift it.
type KillSwitch struct {
	On     bool      `json:"on"`
	Actor  string    `json:"actor"` // who flipped it
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// Validate checks a switch change as a caller hands it to the store.
func (k KillSwitch) Validate() error {
	var problems []string
	if strings.TrimSpace(k.Actor) == "" {
		problems = append(problems, "actor is empty (say who flips the kill switch)")
	}
	if k.At.IsZero() {
		problems = append(problems, "time is zero")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: kill switch: %s", ErrInvalid, strings.Join(problems, "; "))
	}
	return nil
}

// String is the switch in words.
func (k KillSwitch) String() string {
	if !k.On {
		if k.Actor == "" {
			return "off"
		}
		return fmt.Sprintf("off (since %s, by %s)", k.At.UTC().Format(time.RFC3339), k.Actor)
	}
	s := fmt.Sprintf("ON since %s, by %s", k.At.UTC().Format(time.RFC3339), k.Actor)
	if k.Reason != "" {
		s += ": " + k.Reason
	}
	return s
}
