package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/operator-dev/operator/internal/yamldoc"
	"gopkg.in/yaml.v3"
)

// Size is a number of bytes, written as an SRE writes it: 8MiB, 512KiB,
// 1.5GiB, 100MB, or plain bytes (8388608 or 8388608B). KiB, MiB, GiB and TiB are
// powers of 1024; KB, MB, GB and TB are powers of 1000, as their SI names say
// (TiKV's own config reads "MB" as MiB: write MiB to be unambiguous).
// Units are case-sensitive; "8mib" is refused with a hint rather than
// guessed at. Rates are Sizes per second, the "/s" left out.
type Size uint64

// sizeUnits lists the accepted units, largest first within each base, so
// String picks the largest unit that divides a value exactly.
var sizeUnits = []struct {
	name string
	mult uint64
}{
	{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10},
	{"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3},
	{"B", 1},
}

// sizeExample is the form every size error shows.
const sizeExample = "want a size such as 8MiB"

// String renders s in the largest unit that holds it exactly, binary units
// first (8MiB, not 8388608), else as plain bytes. It is the form parseSize
// reads, so a value survives a round trip unchanged.
func (s Size) String() string {
	for _, u := range sizeUnits {
		if u.mult > 1 && s != 0 && uint64(s)%u.mult == 0 {
			return strconv.FormatUint(uint64(s)/u.mult, 10) + u.name
		}
	}
	return strconv.FormatUint(uint64(s), 10)
}

// parseSize reads the text form: a number (decimals allowed with a unit,
// rounded to whole bytes), optional spaces, and an optional unit.
func parseSize(text string) (Size, error) {
	s := strings.TrimSpace(text)
	end := 0
	for end < len(s) && (s[end] >= '0' && s[end] <= '9' || s[end] == '.') {
		end++
	}
	num, unit := s[:end], strings.TrimSpace(s[end:])
	bad := func(hint string) (Size, error) {
		return 0, fmt.Errorf("%s, got %q%s", sizeExample, text, hint)
	}
	if num == "" {
		return bad("")
	}
	mult, ok := uint64(0), false
	for _, u := range sizeUnits {
		if unit == u.name {
			mult, ok = u.mult, true
		}
	}
	if unit == "" {
		mult, ok = 1, true
	}
	if !ok {
		return bad(unitHint(num, unit))
	}
	if mult == 1 {
		v, err := strconv.ParseUint(num, 10, 64)
		if err != nil {
			if strings.Contains(num, ".") {
				return bad(" (a fraction of a byte; use a whole number of bytes)")
			}
			return bad(" (too large)")
		}
		return Size(v), nil
	}
	// Whole numbers are multiplied exactly; a float would lose bytes
	// above 2^53.
	if w, err := strconv.ParseUint(num, 10, 64); err == nil {
		if w > math.MaxUint64/mult {
			return bad(" (too large)")
		}
		return Size(w * mult), nil
	}
	if strings.Count(num, ".") != 1 || strings.HasPrefix(num, ".") || strings.HasSuffix(num, ".") {
		return bad("")
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return bad("")
	}
	v := math.Round(f * float64(mult))
	if v >= math.Ldexp(1, 64) {
		return bad(" (too large)")
	}
	return Size(v), nil
}

// unitHint explains an unknown unit: a per-second suffix, a unit in the
// wrong case, or else the list of units.
func unitHint(num, unit string) string {
	if base, ok := strings.CutSuffix(unit, "/s"); ok {
		return fmt.Sprintf(" (per second is implied: write %s%s)", num, base)
	}
	for _, u := range sizeUnits {
		if strings.EqualFold(unit, u.name) {
			return fmt.Sprintf(" (did you mean %s%s?)", num, u.name)
		}
	}
	return " (units: B, KiB, MiB, GiB, TiB, or KB, MB, GB, TB for powers of 1000)"
}

// nodeSize reads a size from YAML: a plain integer is bytes, a string is
// read by parseSize. Anything else (a float, a mapping) is refused.
func nodeSize(n *yaml.Node) (Size, error) {
	n = yamldoc.Deref(n)
	switch {
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null":
		return 0, errEmpty
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!int":
		var v uint64
		if err := n.Decode(&v); err != nil {
			return 0, fmt.Errorf("%s, got %s", sizeExample, yamldoc.Describe(n))
		}
		return Size(v), nil
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str":
		return parseSize(n.Value)
	}
	return 0, fmt.Errorf("%s, got %s", sizeExample, yamldoc.Describe(n))
}

// UnmarshalYAML accepts what the config file walk accepts.
func (s *Size) UnmarshalYAML(n *yaml.Node) error {
	v, err := nodeSize(n)
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// MarshalYAML writes s in the form String gives, e.g. 8MiB.
func (s Size) MarshalYAML() (any, error) { return s.String(), nil }

// UnmarshalText lets Size be used with encoding/json and flag packages.
func (s *Size) UnmarshalText(b []byte) error {
	v, err := parseSize(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// MarshalText is the inverse of UnmarshalText.
func (s Size) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
