package config

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// TestCheckGolden runs Check on a file with many mistakes and compares the
// full report, positions included, with testdata/bad.golden.
func TestCheckGolden(t *testing.T) {
	const in, golden = "testdata/bad.yaml", "testdata/bad.golden"
	data, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, p := range Check(data, in) {
		b.WriteString(p.String() + "\n")
	}
	got := b.String()
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("Check(%s) differs from %s:\ngot:\n%s\nwant:\n%s", in, golden, got, want)
	}
}
