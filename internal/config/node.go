package config

import (
	"errors"
	"fmt"

	"github.com/operator-dev/operator/internal/yamldoc"
	"gopkg.in/yaml.v3"
)

// errEmpty is returned for a key written with no value ("timeout:"). Only
// string keys accept that, as the empty string; elsewhere the likely intent
// was "use the default", which is spelled by leaving the key out.
var errEmpty = errors.New("empty value (remove the key to use the default)")

// nodeString reads a string. Other scalar types are refused rather than
// converted, so "level: 1" or "listen: 2379" is reported instead of quietly
// becoming a string that fails later with a vaguer message.
func nodeString(n *yaml.Node) (string, error) {
	n = yamldoc.Deref(n)
	switch {
	case n.Kind != yaml.ScalarNode:
		return "", fmt.Errorf("want a string, got %s", yamldoc.Describe(n))
	case n.ShortTag() == "!!null":
		return "", nil
	case n.ShortTag() != "!!str":
		return "", fmt.Errorf("want a string, got %s (quote it if it is meant as text)", yamldoc.Describe(n))
	}
	return n.Value, nil
}

func nodeInt(n *yaml.Node) (int64, error) {
	n = yamldoc.Deref(n)
	switch {
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null":
		return 0, errEmpty
	case n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int":
		return 0, fmt.Errorf("want an integer, got %s", yamldoc.Describe(n))
	}
	// Decode, rather than strconv, so every integer form YAML allows
	// (0x1F, 0o17, 1_000) reads the way any YAML tool would read it.
	var v int64
	if err := n.Decode(&v); err != nil {
		return 0, fmt.Errorf("integer %s does not fit in 64 bits", n.Value)
	}
	return v, nil
}

func nodeFloat(n *yaml.Node) (float64, error) {
	n = yamldoc.Deref(n)
	switch {
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null":
		return 0, errEmpty
	case n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!float"):
		return 0, fmt.Errorf("want a number, got %s", yamldoc.Describe(n))
	}
	var v float64
	if err := n.Decode(&v); err != nil {
		return 0, fmt.Errorf("invalid number %s", n.Value)
	}
	return v, nil
}
