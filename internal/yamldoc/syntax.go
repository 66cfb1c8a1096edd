package yamldoc

import "unicode/utf8"

// Position converts a byte offset in data to a 1-based line and column,
// counting characters for columns and \n, \r, \r\n, NEL, LS and PS as
// line breaks, as yaml.v3 does.
func Position(data []byte, off int) (line, col int) {
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

// ParserProblem reports whether msg comes from yaml.v3's parser (as opposed
// to its scanner); those carry a 0-based line.
func ParserProblem(msg string) bool {
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

// ReaderProblem reports whether msg is yaml.v3's complaint about bytes that
// are not valid YAML characters; those carry no position at all.
func ReaderProblem(msg string) bool {
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

// BadChar finds the first byte YAML does not allow (invalid UTF-8 or a
// control character), as line and column; 0, 0 if there is none (e.g. a
// UTF-16 stream, which this does not decode).
func BadChar(data []byte) (line, col int) {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 || !yamlChar(r) {
			return Position(data, i)
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
