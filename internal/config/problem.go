package config

import (
	"sort"

	"github.com/operator-dev/operator/internal/yamldoc"
)

// Problem is one thing wrong with the document, as file:line:col: path: message.
type Problem = yamldoc.Problem

// Problems is the error for an invalid document; errors.As gets at each.
type Problems = yamldoc.Problems

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
