package yamldoc

import "strings"

// Suggest returns the candidate closest to s (ignoring case and _ vs -)
// within a small edit distance, or "".
func Suggest(s string, candidates []string) string {
	limit := 1
	if len(s) > 4 {
		limit = 2
	}
	ns := Normalize(s)
	best, bestDist := "", limit+1
	for _, c := range candidates {
		if d := Distance(ns, Normalize(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// Normalize folds case and _ into -, so "Low_Space" matches "low-space".
func Normalize(s string) string { return strings.ReplaceAll(strings.ToLower(s), "_", "-") }

// Distance is the optimal string alignment distance: insertions, deletions,
// substitutions and transpositions of neighbours each cost one, so
// "promethues" is one step from "prometheus", not two.
func Distance(a, b string) int {
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
