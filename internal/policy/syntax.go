package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

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
	case parserProblem(msg):
		p.Line++ // 0-based, and a missing line was line 0
	case readerProblem(msg):
		p.Line, p.Column = badChar(data)
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

// parserProblem reports whether msg comes from yaml.v3's parser (not its
// scanner); those carry a 0-based line.
func parserProblem(msg string) bool {
	switch msg {
	case
		"did not find expected ',' or ']'",
		"did not find expected ',' or '}'",
		"did not find expected '-' indicator",
		"did not find expected <document start>",
		"did not find expected <stream-start>",
		"did not find expected key",
		"did not find expected node content",
		"found duplicate %TAG directive",
		"found duplicate %YAML directive",
		"found incompatible YAML document",
		"found undefined tag handle":
		return true
	}
	return false
}

// readerProblem reports whether msg is yaml.v3's complaint about bytes that
// are not YAML characters; those carry no position at all.
func readerProblem(msg string) bool {
	switch msg {
	case
		"control characters are not allowed",
		"incomplete UTF-8 octet sequence",
		"invalid Unicode character",
		"invalid leading UTF-8 octet",
		"invalid length of a UTF-8 sequence",
		"invalid trailing UTF-8 octet":
		return true
	}
	return false
}

// badChar finds the first byte YAML does not allow (invalid UTF-8 or a
// control character); 0, 0 if there is none.
func badChar(data []byte) (line, col int) {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 || !yamlChar(r) {
			return position(data, i)
		}
		i += size
	}
	return 0, 0
}

func yamlChar(r rune) bool {
	switch {
	case r == 0x09, r == 0x0A, r == 0x0D, r == 0x85, r == 0xFEFF:
		return true
	case r >= 0x20 && r <= 0x7E, r >= 0xA0 && r <= 0xD7FF, r >= 0xE000 && r <= 0xFFFD, r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}

// position converts a byte offset to a 1-based line and column, counting
// line breaks as yaml.v3 does.
func position(data []byte, off int) (line, col int) {
	line, col = 1, 1
	for i := 0; i < off; {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == '\r' && i+1 < len(data) && data[i+1] == '\n':
			size = 2
			fallthrough
		case r == '\n', r == '\r', r == 0x85, r == 0x2028, r == 0x2029:
			line, col = line+1, 1
		default:
			col++
		}
		i += size
	}
	return line, col
}

// lastLine is the number of the last line that has any content.
func lastLine(data []byte) int {
	line, _ := position(data, len(data))
	if len(data) > 0 {
		if r, _ := utf8.DecodeLastRune(data); r == '\n' || r == '\r' || r == 0x85 || r == 0x2028 || r == 0x2029 {
			line--
		}
	}
	return max(line, 1)
}
