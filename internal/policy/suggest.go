package policy

import (
	"fmt"
	"strings"
)

// unknownName explains a name that is not one of want: a near miss if
// there is one, else the list (when it is short enough to read).
func unknownName(what, name string, want []string) string {
	msg := fmt.Sprintf("unknown %s %q", what, name)
	if near := suggest(name, want); near != "" {
		return msg + fmt.Sprintf(" (did you mean %q?)", near)
	}
	if len(want) > 0 && len(want) <= 12 {
		return msg + " (want one of " + strings.Join(want, ", ") + ")"
	}
	return msg
}

// suggest returns the candidate nearest to s if it is near enough to be a
// typo: case and "_" for "-" are free, then one edit for short words and
// two for longer ones. The same rule as internal/config, so both files
// guess alike.
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
	return best
}

func normalize(s string) string { return strings.ReplaceAll(strings.ToLower(s), "_", "-") }

// distance is the optimal string alignment distance: insertions, deletions,
// substitutions and transpositions of neighbours each cost one.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// Names are short; anything much longer is no typo, and bounding the
	// work keeps Parse linear on hostile input.
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
