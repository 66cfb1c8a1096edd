package yamldoc

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong with a document.
type Problem struct {
	// Source is where the offending value came from: the config file's
	// name, "env OPERATOR_X" or "flag --x". Empty for values set in code.
	Source string
	// Line and Column are 1-based positions in a file; 0 when unknown
	// (env, flags, or a YAML syntax error that reports only a line).
	Line, Column int
	// Path is the dotted key, e.g. "pd.timeout"; empty when the problem is
	// with the document as a whole.
	Path    string
	Message string
}

// String renders the problem the way compilers do, so editors can jump to it:
// "config.yaml:3:12: pd.timeout: invalid duration "soon" (want e.g. 5s, 1m30s)".
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

// Problems is the error a document's parser returns when it is invalid;
// use errors.As to get at the individual problems.
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

// WithSource returns a copy naming the file the problems came from.
func (ps Problems) WithSource(name string) Problems {
	out := make(Problems, len(ps))
	for i, p := range ps {
		p.Source = name
		out[i] = p
	}
	return out
}

// SortByPosition orders problems top to bottom, whatever order a walk
// found them in.
func (ps Problems) SortByPosition() {
	sort.SliceStable(ps, func(a, b int) bool {
		if ps[a].Line != ps[b].Line {
			return ps[a].Line < ps[b].Line
		}
		return ps[a].Column < ps[b].Column
	})
}
