package config

import (
	"errors"
	"fmt"

	"gopkg.in/yaml.v3"
)

// errEmpty is returned for a key written with no value ("timeout:"). Only
// string keys accept that, as the empty string; elsewhere the likely intent
// was "use the default", which is spelled by leaving the key out.
var errEmpty = errors.New("empty value (remove the key to use the default)")

// deref follows an alias to the node it names. Anchors and aliases are
// allowed; they are plain YAML and useful for sharing TLS blocks.
func deref(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

// describe names what a node holds, for "want X, got Y" messages.
func describe(n *yaml.Node) string {
	n = deref(n)
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.DocumentNode:
		return "a document"
	case yaml.AliasNode:
		return "an alias"
	}
	switch n.ShortTag() {
	case "!!null":
		return "an empty value"
	case "!!str":
		return fmt.Sprintf("string %q", n.Value)
	case "!!int":
		return "integer " + n.Value
	case "!!float":
		return "number " + n.Value
	case "!!bool":
		return "boolean " + n.Value
	}
	return fmt.Sprintf("%s %q", n.ShortTag(), n.Value)
}

// nodeString reads a string. Other scalar types are refused rather than
// converted, so "level: 1" or "listen: 2379" is reported instead of quietly
// becoming a string that fails later with a vaguer message.
func nodeString(n *yaml.Node) (string, error) {
	n = deref(n)
	switch {
	case n.Kind != yaml.ScalarNode:
		return "", fmt.Errorf("want a string, got %s", describe(n))
	case n.ShortTag() == "!!null":
		return "", nil
	case n.ShortTag() != "!!str":
		return "", fmt.Errorf("want a string, got %s (quote it if it is meant as text)", describe(n))
	}
	return n.Value, nil
}

func nodeInt(n *yaml.Node) (int64, error) {
	n = deref(n)
	switch {
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null":
		return 0, errEmpty
	case n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int":
		return 0, fmt.Errorf("want an integer, got %s", describe(n))
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
	n = deref(n)
	switch {
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null":
		return 0, errEmpty
	case n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!float"):
		return 0, fmt.Errorf("want a number, got %s", describe(n))
	}
	var v float64
	if err := n.Decode(&v); err != nil {
		return 0, fmt.Errorf("invalid number %s", n.Value)
	}
	return v, nil
}
