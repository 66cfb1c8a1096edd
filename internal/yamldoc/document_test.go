package yamldoc

import "testing"

func TestAliasUse(t *testing.T) {
	tests := []struct {
		data, anchor string
		line, col    int
	}{
		{"a: *x\n", "x", 1, 4},
		{"a: *xy\nb: [*x]\n", "x", 2, 5}, // *xy is another alias
		{"a: é *x", "x", 1, 6},           // columns count characters
		{"a: 1\n", "x", 0, 0},
	}
	for _, tt := range tests {
		line, col := aliasUse([]byte(tt.data), tt.anchor)
		if line != tt.line || col != tt.col {
			t.Errorf("aliasUse(%q, %q) = %d:%d, want %d:%d", tt.data, tt.anchor, line, col, tt.line, tt.col)
		}
	}
}
