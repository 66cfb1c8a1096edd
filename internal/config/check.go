package config

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/operator-dev/operator/internal/yamldoc"
	"gopkg.in/yaml.v3"
)

// Check validates a config file's contents on their own and returns every
// problem found, ordered by position. filename is used in the problems and
// as the base for relative file paths in the document. No problems means
// Load would accept the file (given no conflicting env or flags).
func Check(data []byte, filename string) []Problem {
	m := newMerge(Default())
	m.file(data, filename)
	m.cross()
	m.sortFrom(0)
	return m.problems
}

// file decodes a YAML document onto m.cfg, walking the node tree rather
// than unmarshalling so that every problem, not just the first, is found
// with its position.
func (m *merge) file(data []byte, name string) {
	start := len(m.problems)
	defer m.sortFrom(start)
	root, err := yamldoc.ParseOne(data)
	if err != nil {
		m.problems = append(m.problems, yamldoc.SyntaxProblem(name, data, err))
		return
	}
	if root == nil || (root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null") {
		return // an empty file (or only comments) means all defaults
	}
	if root.Kind != yaml.MappingNode {
		m.report("", origin{source: name, line: root.Line, col: root.Column},
			fmt.Sprintf("want a mapping of sections (%s), got %s", strings.Join(m.children(""), ", "), yamldoc.Describe(root)))
		return
	}
	w := walk{m: m, name: name, dir: filepath.Dir(name)}
	w.mapping(root, "")
}

type walk struct {
	m    *merge
	name string // file name for problems
	dir  string // base for relative file paths
}

func (w walk) at(n *yaml.Node) origin { return origin{source: w.name, line: n.Line, col: n.Column} }

func (w walk) problem(n *yaml.Node, path, msg string) { w.m.report(path, w.at(n), msg) }

// mapping walks one mapping node whose keys live under prefix. The schema
// is at most three levels deep and only known sections are entered, so
// aliases cannot make the walk loop or blow up.
func (w walk) mapping(n *yaml.Node, prefix string) {
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := yamldoc.Deref(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			w.problem(n.Content[i], prefix, fmt.Sprintf("key must be a string, got %s", yamldoc.Describe(k)))
			continue
		}
		path := join(prefix, k.Value)
		if k.ShortTag() == "!!merge" {
			w.problem(k, prefix, "merge keys (<<) are not supported; write the keys out or use an alias for the whole section")
			continue
		}
		if first, dup := seen[k.Value]; dup {
			w.problem(k, path, fmt.Sprintf("duplicate key (first at line %d)", first))
			continue
		}
		seen[k.Value] = k.Line
		if f := w.m.field(path); f != nil {
			w.leaf(f, v)
			continue
		}
		if kids := w.m.children(path); len(kids) > 0 {
			switch dv := yamldoc.Deref(v); {
			case dv.Kind == yaml.MappingNode:
				w.mapping(dv, path)
			case dv.Kind == yaml.ScalarNode && dv.ShortTag() == "!!null":
				// "pd:" with everything below commented out.
			default:
				w.problem(v, path, fmt.Sprintf("want a mapping of %s, got %s", strings.Join(kids, ", "), yamldoc.Describe(dv)))
			}
			continue
		}
		w.problem(k, path, w.m.unknown(prefix, k.Value))
	}
}

func (w walk) leaf(f *field, v *yaml.Node) {
	o := w.at(v)
	if err := f.fromNode(w.m.cfg, v); err != nil {
		w.m.reject(f.path, o, err.Error())
		return
	}
	if f.file != nil {
		if p := f.file(w.m.cfg); *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(w.dir, *p)
		}
	}
	w.m.accept(f, o)
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

func (m *merge) field(path string) *field {
	for _, f := range m.fields {
		if f.path == path {
			return f
		}
	}
	return nil
}

// children lists the keys directly under prefix ("" for the top level).
func (m *merge) children(prefix string) []string {
	if prefix != "" {
		prefix += "."
	}
	var kids []string
	for _, f := range m.fields {
		rest, ok := strings.CutPrefix(f.path, prefix)
		if !ok {
			continue
		}
		kid, _, _ := strings.Cut(rest, ".")
		if !slices.Contains(kids, kid) {
			kids = append(kids, kid)
		}
	}
	return kids
}
