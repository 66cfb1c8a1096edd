package config

import (
	"testing"

	"gopkg.in/yaml.v3"
)

func TestParseSize(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Size
	}{
		{"0", 0},
		{"8388608", 8 << 20},
		{"512B", 512},
		{"1KiB", 1 << 10},
		{"8MiB", 8 << 20},
		{"2GiB", 2 << 30},
		{"1KB", 1000},
		{"100MB", 100e6},
		{"3GB", 3e9},
		{"1.5MiB", 3 << 19},
		{"0.5KB", 500},
		{"8 MiB", 8 << 20},
		{" 8MiB ", 8 << 20},
		{"18446744073709551615", 1<<64 - 1},
		{"17179869183GiB", (1<<34 - 1) << 30}, // exact, not via float64
	} {
		got, err := parseSize(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestParseSizeErrors(t *testing.T) {
	const units = " (units: B, KiB, MiB, GiB, TiB, or KB, MB, GB, TB for powers of 1000)"
	for _, tt := range []struct{ in, want string }{
		{"", `want a size such as 8MiB, got ""`},
		{"MiB", `want a size such as 8MiB, got "MiB"`},
		{"-8MiB", `want a size such as 8MiB, got "-8MiB"`},
		{"8 megs", `want a size such as 8MiB, got "8 megs"` + units},
		{"8M", `want a size such as 8MiB, got "8M"` + units},
		{"8PiB", `want a size such as 8MiB, got "8PiB"` + units},
		{"8mib", `want a size such as 8MiB, got "8mib" (did you mean 8MiB?)`},
		{"8kb", `want a size such as 8MiB, got "8kb" (did you mean 8KB?)`},
		{"8MiB/s", `want a size such as 8MiB, got "8MiB/s" (per second is implied: write 8MiB)`},
		{"1.5", `want a size such as 8MiB, got "1.5" (a fraction of a byte; use a whole number of bytes)`},
		{"1.5B", `want a size such as 8MiB, got "1.5B" (a fraction of a byte; use a whole number of bytes)`},
		{"1..5MiB", `want a size such as 8MiB, got "1..5MiB"`},
		{".5MiB", `want a size such as 8MiB, got ".5MiB"`},
		{"18446744073709551616", `want a size such as 8MiB, got "18446744073709551616" (too large)`},
		{"17179869184GiB", `want a size such as 8MiB, got "17179869184GiB" (too large)`},
		{"17179869184.5GiB", `want a size such as 8MiB, got "17179869184.5GiB" (too large)`},
	} {
		got, err := parseSize(tt.in)
		if err == nil || err.Error() != tt.want {
			t.Errorf("parseSize(%q) = %d, %v; want error %s", tt.in, got, err, tt.want)
		}
	}
}

// String is the form parseSize reads, in the largest exact unit.
func TestSizeString(t *testing.T) {
	for _, tt := range []struct {
		in   Size
		want string
	}{
		{0, "0"}, {1, "1"}, {1000, "1KB"}, {1024, "1KiB"}, {1536, "1536"}, {3 << 19, "1536KiB"},
		{8 << 20, "8MiB"}, {100e6, "100MB"}, {128 << 30, "128GiB"}, {1<<64 - 1, "18446744073709551615"},
	} {
		got := tt.in.String()
		if got != tt.want {
			t.Errorf("Size(%d).String() = %q, want %q", uint64(tt.in), got, tt.want)
		}
		if back, err := parseSize(got); err != nil || back != tt.in {
			t.Errorf("parseSize(%q) = %d, %v; want %d back", got, back, err, uint64(tt.in))
		}
	}
}

func TestSizeYAML(t *testing.T) {
	var v struct{ A, B, C Size }
	if err := yaml.Unmarshal([]byte("a: 8MiB\nb: 1_024\nc: \"512\"\n"), &v); err != nil {
		t.Fatal(err)
	}
	if v.A != 8<<20 || v.B != 1024 || v.C != 512 {
		t.Errorf("got %+v", v)
	}
	for _, doc := range []string{"a: 1.5\n", "a: -1\n", "a: [1]\n", "a: 8 megs\n"} {
		if err := yaml.Unmarshal([]byte(doc), &v); err == nil {
			t.Errorf("yaml.Unmarshal(%q) accepted", doc)
		}
	}
	out, err := yaml.Marshal(struct{ A, B Size }{8 << 20, 1536})
	if err != nil || string(out) != "a: 8MiB\nb: \"1536\"\n" {
		t.Errorf("yaml.Marshal = %q, %v", out, err)
	}
}
