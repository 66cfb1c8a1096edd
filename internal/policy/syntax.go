package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/operator-dev/operator/internal/yamldoc"
	"gopkg.in/yaml.v3"
)

// errSecondDocument marks a stream with more than one document: the rest
// would be silently ignored, which hides mistakes such as a stray "---".
type errSecondDocument struct{ line int }

func (e errSecondDocument) Error() string { return "more than one YAML document; want exactly one" }

// parseYAML returns the root node of the single document in data, or nil
// for an empty stream.
func parseYAML(data []byte) (root *yaml.Node, err error) {
	// yaml.v3 re-panics anything that is not its own error. A policy file
	// is outside input, so a parser bug must become a problem, not a crash.
	defer func() {
		if r := recover(); r != nil {
			root, err = nil, fmt.Errorf("YAML parser failed: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, err
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		return nil, errSecondDocument{line: next.Line}
	case !errors.Is(err, io.EOF):
		return nil, err
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// syntaxProblem turns a yaml.v3 error into a Problem with the best line we
// can give. yaml.v3 reports syntax errors only as text ("yaml: line 3: did
// not find expected key"), with 0-based lines from its parser and 1-based
// ones from its scanner; this corrects for that the way internal/config
// does (see its syntax.go, whose tests pin the yaml.v3 behaviour).
func syntaxProblem(data []byte, err error) Problem {
	var second errSecondDocument
	if errors.As(err, &second) {
		return Problem{Line: second.line, Message: second.Error()}
	}
	var p Problem
	msg, fromYAML := strings.CutPrefix(err.Error(), "yaml: ")
	if !fromYAML {
		p.Message = err.Error()
		return p
	}
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		num, after, _ := strings.Cut(rest, ": ")
		if n, err := strconv.Atoi(num); err == nil {
			p.Line, msg = n, after
		}
	}
	p.Message = "syntax error: " + msg
	switch {
	case yamldoc.ParserProblem(msg):
		p.Line++ // 0-based, and a missing line was line 0
	case yamldoc.ReaderProblem(msg):
		p.Line, p.Column = yamldoc.BadChar(data)
	case p.Line == 0:
		p.Line = 1 // a scanner error on line 1 (0-based 0) loses its line
	}
	// An error at the end of the stream is placed after the last line
	// break; point at the last line that exists instead.
	if last := lastLine(data); p.Line > last {
		p.Line, p.Column = last, 0
	}
	return p
}

// lastLine is the number of the last line that has any content.
func lastLine(data []byte) int {
	line, _ := yamldoc.Position(data, len(data))
	if len(data) > 0 {
		if r, _ := utf8.DecodeLastRune(data); r == '\n' || r == '\r' || r == 0x85 || r == 0x2028 || r == 0x2029 {
			line--
		}
	}
	return max(line, 1)
}
