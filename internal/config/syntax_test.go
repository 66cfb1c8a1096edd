package config

import (
	"testing"
)

// TestSyntaxProblemLines pins where syntax errors are reported. yaml.v3's own
// line numbers are uneven (see syntaxProblem); each case names the line a
// reader would look at.
func TestSyntaxProblemLines(t *testing.T) {
	tests := []struct {
		name      string
		yaml      string
		line, col int
		msg       string
	}{
		{"unclosed flow sequence", "log:\n  level: info\npd:\n  timeout: [\nmonitor:\n  interval: 1s\n", 4, 0,
			"syntax error: did not find expected ',' or ']'"},
		{"unclosed flow mapping", "log:\n  level: info\npd: {a: 1\nmonitor: 1\n", 3, 0,
			"syntax error: did not find expected ',' or '}'"},
		{"key indented by one", "log:\n  level: info\n pd: 1\n", 3, 0,
			"syntax error: did not find expected key"},
		{"missing colon", "log:\n  level: info\nfoo bar\nmonitor: 1\n", 3, 0,
			"syntax error: could not find expected ':'"},
		{"second colon", "log:\n  level: info\n  format: text: x\n", 3, 0,
			"syntax error: mapping values are not allowed in this context"},
		{"tab on line 1", "\tx: 1\n", 1, 0,
			"syntax error: found character that cannot start any token"},
		{"unterminated quote", "a: 'x\n", 1, 0,
			"syntax error: found unexpected end of stream"},
		{"error at end of stream without newline", "a: [", 1, 0,
			"syntax error: did not find expected node content"},
		{"unknown alias", "log:\n  level: info\npd: *nope\n", 3, 5,
			"syntax error: unknown anchor 'nope' referenced"},
		{"control character", "log:\n  level: info\n  format: te\x01xt\n", 3, 13,
			"syntax error: control characters are not allowed"},
		{"invalid UTF-8", "log:\n  level: \xff\n", 2, 10,
			"syntax error: invalid leading UTF-8 octet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := Check([]byte(tt.yaml), "f.yaml")
			if len(ps) != 1 {
				t.Fatalf("Check(%q) = %v, want one problem", tt.yaml, ps)
			}
			want := Problem{Source: "f.yaml", Line: tt.line, Column: tt.col, Message: tt.msg}
			if ps[0] != want {
				t.Errorf("Check(%q) = %+v, want %+v", tt.yaml, ps[0], want)
			}
		})
	}
}

func TestProblemString(t *testing.T) {
	tests := []struct {
		p    Problem
		want string
	}{
		{Problem{Source: "c.yaml", Line: 3, Column: 12, Path: "pd.timeout", Message: "bad"}, "c.yaml:3:12: pd.timeout: bad"},
		{Problem{Source: "c.yaml", Line: 3, Message: "syntax error: x"}, "c.yaml:3: syntax error: x"},
		{Problem{Source: "env OPERATOR_PD_TIMEOUT", Path: "pd.timeout", Message: "bad"}, "env OPERATOR_PD_TIMEOUT: pd.timeout: bad"},
		{Problem{Line: 2, Column: 1, Message: "m"}, "2:1: m"},
		{Problem{Path: "db.path", Message: "must be set"}, "db.path: must be set"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.p, got, tt.want)
		}
	}
}
