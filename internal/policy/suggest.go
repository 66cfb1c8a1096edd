package policy

import (
	"fmt"
	"strings"

	"github.com/operator-dev/operator/internal/yamldoc"
)

// unknownName explains a name that is not one of want: a near miss if
// there is one, else the list (when it is short enough to read).
func unknownName(what, name string, want []string) string {
	msg := fmt.Sprintf("unknown %s %q", what, name)
	if near := suggest(name, want); near != "" {
		return msg + fmt.Sprintf(" (did you mean %q?)", near)
	}
	if len(want) > 0 && len(want) <= 12 {
		return msg + " (want one of " + strings.Join(want, ", ") + ")"
	}
	return msg
}

// suggest returns the candidate nearest to s if it is near enough to be a
// typo: case and "_" for "-" are free, then one edit for short words and
// two for longer ones. The same rule as internal/config, so both files
// guess alike.
func suggest(s string, candidates []string) string { return yamldoc.Suggest(s, candidates) }
