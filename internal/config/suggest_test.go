package config

import (
	"testing"

	"github.com/operator-dev/operator/internal/yamldoc"
)

func TestSuggest(t *testing.T) {
	keys := []string{"endpoint", "timeout", "read-tls", "write-tls"}
	sections := []string{"log", "pd", "prometheus", "pdsim", "monitor", "db"}
	levels := []string{"debug", "info", "warn", "error"}
	tests := []struct {
		in         string
		candidates []string
		want       string
	}{
		{"endpint", keys, "endpoint"},   // deletion
		{"endpoimt", keys, "endpoint"},  // substitution
		{"timeuot", keys, "timeout"},    // transposition counts once
		{"Timeout", keys, "timeout"},    // case is free
		{"read_tls", keys, "read-tls"},  // underscore for dash is free
		{"writetls", keys, "write-tls"}, // one insertion
		{"promethues", sections, "prometheus"},
		{"pdsm", sections, "pdsim"},
		{"lg", sections, "log"},
		{"warning", levels, "warn"}, // extension of a value
		{"err", levels, "error"},    // abbreviation
		{"xyz", sections, ""},       // nothing close
		{"dbg", sections, "db"},
		{"lgx", sections, ""},              // two edits is too many for a short word
		{"endpoint-url", keys, "endpoint"}, // extension of a key
		{"certificate", keys, ""},
		{"", sections, ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.in, tt.candidates); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"", "abc", 3}, {"abc", "abc", 0},
		{"ab", "ba", 1}, {"kitten", "sitting", 3}, {"ca", "abc", 3},
		{"héllo", "hello", 1}, // runes, not bytes
	}
	for _, tt := range tests {
		if got := yamldoc.Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("yamldoc.Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := yamldoc.Distance(tt.b, tt.a); got != tt.want {
			t.Errorf("yamldoc.Distance(%q, %q) = %d, want %d (not symmetric)", tt.b, tt.a, got, tt.want)
		}
	}
}
