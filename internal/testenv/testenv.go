// Package testenv holds the project's one rule for tests that need a real
// component (a binary, the shared PD fixtures): on a bare machine they skip
// and say how to get it; under the full test command (OPERATOR_FULL_TEST=1,
// set by ./scripts/test) nothing may skip, so they fail instead.
package testenv

import (
	"fmt"
	"os"
	"testing"
)

// FullTestEnv is set to 1 by the full test command.
const FullTestEnv = "OPERATOR_FULL_TEST"

// Missing reports a missing component: a skip on a bare machine, a failure
// in the full run.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv(FullTestEnv) == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}
