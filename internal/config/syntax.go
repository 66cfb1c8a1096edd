package config

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/operator-dev/operator/internal/yamldoc"
)

// syntaxProblem turns a yaml.v3 parse error into a Problem with the best
// line we can give. yaml.v3 has no structured syntax error, only text like
// "yaml: line 3: did not find expected key", and its line numbers are
// uneven: scanner errors are 1-based, parser errors are 0-based, and line
// 0 (either kind) is dropped from the text. This corrects for that; the
// tests pin the behaviour so an upgrade that fixes it upstream is noticed.
func syntaxProblem(name string, data []byte, err error) Problem {
	p := Problem{Source: name}
	var second errSecondDocument
	if errors.As(err, &second) {
		p.Line, p.Message = second.line, second.Error()
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
	case yamldoc.ParserProblem(msg):
		p.Line++ // 0-based, and a missing line was line 0
	case yamldoc.ReaderProblem(msg):
		p.Line, p.Column = yamldoc.BadChar(data)
	case strings.HasPrefix(msg, "unknown anchor '"):
		anchor := strings.TrimSuffix(strings.TrimPrefix(msg, "unknown anchor '"), "' referenced")
		p.Line, p.Column = aliasUse(data, anchor)
	case p.Line == 0:
		p.Line = 1 // a scanner error on line 1 (0-based 0) loses its line
	}
	// An error at the end of the stream is placed on the line after the
	// last newline; point at the last line that exists instead.
	if last := lastLine(data); p.Line > last {
		p.Line = last
	}
	return p
}

// lastLine is the number of the last line that has any content, counting
// line breaks as YAML does.
func lastLine(data []byte) int {
	data = utf8Text(data)
	line, _ := yamldoc.Position(data, len(data))
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
			return yamldoc.Position(data, at)
		}
		off = end
	}
}
