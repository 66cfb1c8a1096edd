package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/operator-dev/operator/internal/yamldoc"
)

// unknown explains an unknown key: a near miss at the same level, the same
// key at another level, or else the keys that are allowed here.
func (m *merge) unknown(prefix, key string) string {
	kids := m.children(prefix)
	msg := fmt.Sprintf("unknown key %q", key)
	if near := suggest(key, kids); near != "" {
		return msg + fmt.Sprintf(" (did you mean %q?)", near)
	}
	var elsewhere []string
	for _, f := range m.fields {
		for p := f.path; p != ""; {
			parent, last := splitLast(p)
			if last == key && parent != prefix && !slices.Contains(elsewhere, p) {
				elsewhere = append(elsewhere, p)
			}
			p = parent
		}
	}
	if len(elsewhere) > 0 {
		slices.Sort(elsewhere)
		return msg + fmt.Sprintf(" here (did you mean %s?)", strings.Join(elsewhere, " or "))
	}
	return msg + fmt.Sprintf(" (want one of %s)", strings.Join(kids, ", "))
}

func splitLast(path string) (parent, last string) {
	i := strings.LastIndexByte(path, '.')
	if i < 0 {
		return "", path
	}
	return path[:i], path[i+1:]
}

// suggest returns the candidate nearest to s, if it is near enough to be a
// typo: case and "_" for "-" are free, then one edit for short words and two
// for longer ones. Failing that, a candidate that s abbreviates or extends
// ("warning" for "warn"). It returns "" when nothing is that close.
func suggest(s string, candidates []string) string {
	if best := yamldoc.Suggest(s, candidates); best != "" {
		return best
	}
	// A config key is often typed half: "low-space" for "low-space-margin".
	ns := yamldoc.Normalize(s)
	for _, c := range candidates {
		nc := yamldoc.Normalize(c)
		if min(len(ns), len(nc)) >= 3 && (strings.HasPrefix(ns, nc) || strings.HasPrefix(nc, ns)) {
			return c
		}
	}
	return ""
}
