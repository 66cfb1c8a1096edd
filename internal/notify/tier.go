package notify

import "fmt"

// Tier is how loudly a message is told; see the package comment for where
// each tier goes.
type Tier int

const (
	// Routine is logged and kept for the daily digest, never sent alone.
	Routine Tier = iota
	// Notable goes to the notable route.
	Notable
	// Critical goes to every channel.
	Critical
)

func (t Tier) String() string {
	switch t {
	case Routine:
		return "routine"
	case Notable:
		return "notable"
	case Critical:
		return "critical"
	}
	return fmt.Sprintf("tier(%d)", int(t))
}

// valid reports whether t is one of the three tiers. The Notifier treats
// any other value as Critical: a caller's bug must not silence an alert.
func (t Tier) valid() bool { return t >= Routine && t <= Critical }
