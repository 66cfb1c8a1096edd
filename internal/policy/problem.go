package policy

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong with a policy document. It has the shape of
// internal/config's Problem so both files read the same in a terminal.
type Problem struct {
	// Source is the file name; empty when Parse was given bare bytes.
	Source string
	// Line and Column are 1-based; 0 when unknown.
	Line, Column int
	// Path is where in the document: "tiers.high.approvers",
	// "auto-approve[0].action"; empty for the document as a whole.
	Path    string
	Message string
}

// String renders the problem the way compilers do, so editors can jump to
// it: "policy.yaml:7:16: tiers.high.approvers: ...".
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.Source)
	if p.Line > 0 {
		if p.Source != "" {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%d", p.Line)
		if p.Column > 0 {
			fmt.Fprintf(&b, ":%d", p.Column)
		}
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if p.Path != "" {
		b.WriteString(p.Path + ": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Problems is the error Parse returns for an invalid document; use
// errors.As to get at the individual problems.
type Problems []Problem

func (ps Problems) Error() string {
	if len(ps) == 1 {
		return ps[0].String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d problems:", len(ps))
	for _, p := range ps {
		b.WriteString("\n\t" + p.String())
	}
	return b.String()
}

// withSource returns a copy naming the file the problems came from.
func (ps Problems) withSource(name string) Problems {
	out := make(Problems, len(ps))
	for i, p := range ps {
		p.Source = name
		out[i] = p
	}
	return out
}

// sortByPosition orders problems top to bottom, whatever order the walk
// found them in (overrides are checked after the tiers they refine).
func (ps Problems) sortByPosition() {
	sort.SliceStable(ps, func(a, b int) bool {
		if ps[a].Line != ps[b].Line {
			return ps[a].Line < ps[b].Line
		}
		return ps[a].Column < ps[b].Column
	})
}
