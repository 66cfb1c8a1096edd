package config

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The example is documentation users copy; it must be valid, state the real
// defaults, and mention every key.
func TestExample(t *testing.T) {
	data, err := os.ReadFile("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if ps := Check(data, "example.yaml"); len(ps) != 0 {
		t.Fatalf("example.yaml has problems: %v", Problems(ps))
	}
	got, err := Load("example.yaml", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := Default(); !reflect.DeepEqual(got, want) {
		t.Errorf("example.yaml says\n%+v\nbut the defaults are\n%+v", got, want)
	}

	// Every key is written out, and the line above each one is a comment
	// (or the key opens a section whose keys are commented).
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	for _, f := range fields() {
		n := lookupNode(root.Content[0], f.path)
		if n == nil {
			t.Errorf("example.yaml does not mention %s", f.path)
			continue
		}
		if above := strings.TrimSpace(lines[n.Line-2]); !strings.HasPrefix(above, "#") {
			t.Errorf("example.yaml: %s (line %d) has no comment above it", f.path, n.Line)
		}
	}
}

// lookupNode returns the key node at a dotted path, or nil.
func lookupNode(n *yaml.Node, path string) *yaml.Node {
	key, rest, more := strings.Cut(path, ".")
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			if !more {
				return n.Content[i]
			}
			return lookupNode(n.Content[i+1], rest)
		}
	}
	return nil
}

// Marshalling a Config must give a file that reads back to the same Config,
// so a future "operator config show" can print the effective configuration.
func TestMarshalRoundTrip(t *testing.T) {
	want := Default()
	want.PD.Endpoint = "https://pd:2379"
	want.PDSim.Speed = 2.5
	want.Monitor.Interval = Duration(90e9)
	data, err := yaml.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^\s+interval: 1m30s$`).Match(data) {
		t.Errorf("durations should marshal as Go duration strings:\n%s", data)
	}
	if ps := Check(data, "marshalled.yaml"); len(ps) != 0 {
		t.Fatalf("marshalled config has problems: %v\n%s", Problems(ps), data)
	}
	var got Config
	if err := yaml.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&got, want) {
		t.Errorf("round trip: got %+v, want %+v", got, *want)
	}
}
