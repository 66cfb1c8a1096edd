// Package eval holds the scored diagnosis benchmark's incident scenarios
// (scenarios/*.yaml; the format is in README.md). They are embedded so
// that `operator eval` runs them without a checkout; internal/eval parses
// and runs them.
package eval

import "embed"

// Scenarios holds scenarios/*.yaml.
//
//go:embed scenarios/*.yaml
var Scenarios embed.FS
