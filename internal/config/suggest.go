package config

import (
	"fmt"
	"slices"
	"strings"
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
	limit := 1
	if len(s) > 4 {
		limit = 2
	}
	ns := normalize(s)
	best, bestDist := "", limit+1
	for _, c := range candidates {
		if d := distance(ns, normalize(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	if best != "" {
		return best
	}
	for _, c := range candidates {
		nc := normalize(c)
		if min(len(ns), len(nc)) >= 3 && (strings.HasPrefix(ns, nc) || strings.HasPrefix(nc, ns)) {
			return c
		}
	}
	return ""
}

func normalize(s string) string { return strings.ReplaceAll(strings.ToLower(s), "_", "-") }

// distance is the optimal string alignment distance: insertions, deletions,
// substitutions and transpositions of neighbours each cost one, so
// "promethues" is one step from "prometheus", not two.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// Keys are short; anything much longer than every key is no typo,
	// and bounding the work keeps Check linear on hostile input.
	if len(ra) > 64 || len(rb) > 64 {
		return max(len(ra), len(rb))
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
