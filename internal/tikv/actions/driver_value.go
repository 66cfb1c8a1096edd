package actions

import (
	"fmt"

	"github.com/operator-dev/operator/internal/action"
)

// judgeValue is Observe for a change that is immediate (a config value, a
// weight, a store state): the target in place means it ran; the value from
// before means it did not; anything else means someone else changed it
// meanwhile, and the run fails rather than claim that value as its own.
func judgeValue(what, now string, atTarget, atBefore bool) action.Observation {
	switch {
	case atTarget:
		return action.Observation{Phase: action.PhaseFinished, Detail: fmt.Sprintf("%s is %s, as intended", what, now)}
	case atBefore:
		return action.Observation{Phase: action.PhaseNotRun, Detail: fmt.Sprintf("%s is still %s, the value before: it did not run", what, now)}
	}
	return action.Observation{Phase: action.PhaseFailed, Detail: fmt.Sprintf("%s is %s, neither the target nor the value before: changed by someone else", what, now)}
}

// verdict is Verify for the same kind of change.
func verdict(ok bool, what, now, want string, after map[string]any) action.Verification {
	if ok {
		return action.Verification{OK: true, Detail: fmt.Sprintf("%s is %s", what, now), After: after}
	}
	return action.Verification{OK: false, Detail: fmt.Sprintf("%s is %s, not %s", what, now, want), After: after}
}
