package yamldoc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// SyntaxProblem turns a yaml.v3 parse error into a Problem with the best
// line we can give. yaml.v3 has no structured syntax error, only text like
// "yaml: line 3: did not find expected key", and its line numbers are
// uneven: scanner errors are 1-based, parser errors are 0-based, and line
// 0 (either kind) is dropped from the text. This corrects for that; the
// tests pin the behaviour so an upgrade that fixes it upstream is noticed.
func SyntaxProblem(name string, data []byte, err error) Problem {
	p := Problem{Source: name}
	var second ErrSecondDocument
	if errors.As(err, &second) {
		p.Line, p.Message = second.Line, second.Error()
		return p
	}
	text := err.Error()
	msg, fromYAML := strings.CutPrefix(text, "yaml: ")
	if !fromYAML {
		p.Message = text
		return p
	}
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		num, after, _ := strings.Cut(rest, ": ")
		if n, err := strconv.Atoi(num); err == nil {
			p.Line, msg = n, after
		}
	}
	p.Message = "syntax error: " + msg
	data = utf8Text(data)
	switch {
	case ParserProblem(msg):
		p.Line++ // 0-based, and a missing line was line 0
	case ReaderProblem(msg):
		p.Line, p.Column = BadChar(data)
	case strings.HasPrefix(msg, "unknown anchor '"):
		anchor := strings.TrimSuffix(strings.TrimPrefix(msg, "unknown anchor '"), "' referenced")
		p.Line, p.Column = aliasUse(data, anchor)
	case p.Line == 0:
		p.Line = 1 // a scanner error on line 1 (0-based 0) loses its line
	}
	// An error at the end of the stream is placed on the line after the
	// last newline; point at the last line that exists instead.
	if last := LastLine(data); p.Line > last {
		p.Line = last
	}
	return p
}

// LastLine is the number of the last line that has any content, counting
// line breaks as YAML does.
func LastLine(data []byte) int {
	data = utf8Text(data)
	line, _ := Position(data, len(data))
	if len(data) > 0 && isBreakAt(data, len(data)-1) {
		line--
	}
	return max(line, 1)
}

// utf8Text decodes a UTF-16 stream (which YAML allows, marked by a byte
// order mark) so its lines can be counted; anything else is returned as is.
func utf8Text(data []byte) []byte {
	var order binary.ByteOrder
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		order = binary.LittleEndian
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		order = binary.BigEndian
	default:
		return data
	}
	units := make([]uint16, (len(data)-2)/2)
	for i := range units {
		units[i] = order.Uint16(data[2+2*i:])
	}
	return []byte(string(utf16.Decode(units)))
}

// isBreakAt reports whether data[:i+1] ends with a line break.
func isBreakAt(data []byte, i int) bool {
	r, _ := utf8.DecodeLastRune(data[:i+1])
	return r == '\n' || r == '\r' || r == 0x85 || r == 0x2028 || r == 0x2029
}

// aliasUse finds the first "*anchor" in data that is a whole alias token
// (not a prefix of a longer name); 0, 0 if there is none.
func aliasUse(data []byte, anchor string) (line, col int) {
	s := string(data)
	tok := "*" + anchor
	for off := 0; ; {
		i := strings.Index(s[off:], tok)
		if i < 0 {
			return 0, 0
		}
		at, end := off+i, off+i+len(tok)
		if end == len(s) || strings.ContainsRune(" \t\r\n,]}", rune(s[end])) {
			return Position(data, at)
		}
		off = end
	}
}

// ErrSecondDocument marks a stream with more than one document: the rest
// would be silently ignored, which hides mistakes such as a stray "---".
type ErrSecondDocument struct{ Line int }

func (e ErrSecondDocument) Error() string { return "more than one YAML document; want exactly one" }

// ParseOne returns the root node of the single document in data, or nil for
// an empty stream.
func ParseOne(data []byte) (root *yaml.Node, err error) {
	// yaml.v3 turns its own failures into errors but re-panics anything
	// else. Check is run on untrusted files, so a parser bug must become a
	// reported problem, not a crashed process.
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
		return nil, ErrSecondDocument{Line: next.Line}
	case !errors.Is(err, io.EOF):
		return nil, err
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}
