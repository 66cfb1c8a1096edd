package policy

import (
	"fmt"
	"math"
	"time"

	"github.com/operator-dev/operator/internal/yamldoc"
	"gopkg.in/yaml.v3"
)

func isNull(n *yaml.Node) bool {
	n = yamldoc.Deref(n)
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// nodeString reads a string. Numbers and booleans are refused rather than
// converted, so "action: 1" is reported where it is written.
func nodeString(n *yaml.Node) (string, error) {
	n = yamldoc.Deref(n)
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		return "", fmt.Errorf("want a string, got %s", yamldoc.Describe(n))
	}
	return n.Value, nil
}

func nodeInt(n *yaml.Node) (int64, error) {
	n = yamldoc.Deref(n)
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		return 0, fmt.Errorf("want an integer, got %s", yamldoc.Describe(n))
	}
	// Decode, rather than strconv, so every integer form YAML allows
	// (0x1F, 1_000) reads the way any YAML tool reads it.
	var v int64
	if err := n.Decode(&v); err != nil {
		return 0, fmt.Errorf("integer %s does not fit in 64 bits", n.Value)
	}
	return v, nil
}

// nodeFloat reads a finite number; .nan and .inf are never meant.
func nodeFloat(n *yaml.Node) (float64, error) {
	n = yamldoc.Deref(n)
	if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!float") {
		return 0, fmt.Errorf("want a number, got %s", yamldoc.Describe(n))
	}
	var v float64
	if err := n.Decode(&v); err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("want a finite number, got %s", n.Value)
	}
	return v, nil
}

func nodeBool(n *yaml.Node) (bool, error) {
	n = yamldoc.Deref(n)
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
		return false, fmt.Errorf("want true or false, got %s", yamldoc.Describe(n))
	}
	var v bool
	if err := n.Decode(&v); err != nil {
		return false, fmt.Errorf("want true or false, got %s", yamldoc.Describe(n))
	}
	return v, nil
}

// nodeDuration reads a positive Go duration string. A bare number is
// refused rather than guessed at: "expire-after: 30" could mean seconds or
// minutes.
func nodeDuration(n *yaml.Node) (time.Duration, error) {
	n = yamldoc.Deref(n)
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		return 0, fmt.Errorf("want a duration such as 10m or 1h30m, got %s", yamldoc.Describe(n))
	}
	d, err := time.ParseDuration(n.Value)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q (want e.g. 10m, 1h30m)", n.Value)
	}
	if d <= 0 {
		return 0, fmt.Errorf("want a positive duration, got %s", n.Value)
	}
	return d, nil
}

// scalar reads a runbook parameter value: a string, an integer (int64), a
// finite number (float64) or a boolean.
func scalar(n *yaml.Node) (any, error) {
	n = yamldoc.Deref(n)
	if n.Kind == yaml.ScalarNode {
		switch n.ShortTag() {
		case "!!str":
			return n.Value, nil
		case "!!int":
			return nodeInt(n)
		case "!!float":
			f, err := nodeFloat(n)
			// -0.0 equals 0 and must print as 0, or the canonical form
			// ("-0", which reads back as the integer 0) would not be stable.
			if f == 0 {
				f = 0
			}
			return f, err
		case "!!bool":
			return nodeBool(n)
		}
	}
	return nil, fmt.Errorf("want a string, number or boolean, got %s", yamldoc.Describe(n))
}
