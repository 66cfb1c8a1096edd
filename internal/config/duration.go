package config

import (
	"fmt"
	"time"

	"github.com/operator-dev/operator/internal/yamldoc"
	"gopkg.in/yaml.v3"
)

// Duration is a time.Duration written as a Go duration string ("10s",
// "1m30s") in YAML, env and flags. A bare number is rejected rather than
// guessed at: "timeout: 5" could mean seconds or nanoseconds.
type Duration time.Duration

// String renders d as a Go duration string, the same form it is parsed from.
func (d Duration) String() string { return time.Duration(d).String() }

// UnmarshalYAML accepts a scalar holding a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("want a duration such as 5s or 1m30s, got %s", yamldoc.Describe(n))
	}
	v, err := parseDuration(n.Value)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalYAML writes d as a string so the output reads back through UnmarshalYAML.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// UnmarshalText lets Duration be used with encoding/json and flag packages.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := parseDuration(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalText is the inverse of UnmarshalText.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

func parseDuration(s string) (Duration, error) {
	v, err := time.ParseDuration(s)
	if err != nil {
		// time's own message repeats the input and says nothing about the
		// accepted form, so replace it with one that shows an example.
		return 0, fmt.Errorf("invalid duration %q (want e.g. 5s, 1m30s)", s)
	}
	return Duration(v), nil
}
