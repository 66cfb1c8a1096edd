package config

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong with a configuration.
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

// Problems is the error Load returns when the configuration is invalid; use
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

// origin is where a value was set, so a problem found after merging (a
// cert-file without its key-file) can still point at the right line.
type origin struct {
	source    string
	line, col int
}

// merge layers sources onto one Config and collects problems as it goes.
type merge struct {
	cfg      *Config
	fields   []*field
	from     map[string]origin // path -> where its current value was set
	bad      map[string]bool   // paths with a rejected value
	problems []Problem
}

func newMerge(c *Config) *merge {
	return &merge{cfg: c, fields: fields(), from: map[string]origin{}, bad: map[string]bool{}}
}

// reject reports a value as unusable: rules that span keys then leave it out.
func (m *merge) reject(path string, o origin, msg string) {
	m.bad[path] = true
	m.report(path, o, msg)
}

func (m *merge) report(path string, o origin, msg string) {
	m.problems = append(m.problems, Problem{Source: o.source, Line: o.line, Column: o.col, Path: path, Message: msg})
}

// text sets f from an env or flag value, then checks it there, so the
// problem names the variable or flag it came from.
func (m *merge) text(f *field, s string, o origin) {
	if err := f.fromText(m.cfg, s); err != nil {
		m.reject(f.path, o, err.Error())
		return
	}
	m.accept(f, o)
}

// accept records where f's new value came from and checks it.
func (m *merge) accept(f *field, o origin) {
	m.from[f.path] = o
	// m.bad is left as it is: a good env value over a bad file value does
	// not withdraw the file's problem, so Load still fails on it.
	if msg := f.check(m.cfg); msg != "" {
		m.reject(f.path, o, msg)
	}
}

// sortFrom orders problems[i:] by position, so a file's problems read top to
// bottom whatever order the walk found them in.
func (m *merge) sortFrom(i int) {
	ps := m.problems[i:]
	sort.SliceStable(ps, func(a, b int) bool {
		if ps[a].Line != ps[b].Line {
			return ps[a].Line < ps[b].Line
		}
		return ps[a].Column < ps[b].Column
	})
}
