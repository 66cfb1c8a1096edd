package config

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func TestDurationYAML(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr string
	}{
		{"d: 10s", 10 * time.Second, ""},
		{"d: 1m30s", 90 * time.Second, ""},
		{`d: "250ms"`, 250 * time.Millisecond, ""},
		{"d: 0s", 0, ""},
		{"d: -5s", -5 * time.Second, ""},
		{"d: soon", 0, `invalid duration "soon" (want e.g. 5s, 1m30s)`},
		{"d: 5", 0, `invalid duration "5" (want e.g. 5s, 1m30s)`},
		{"d: 1.5", 0, `invalid duration "1.5" (want e.g. 5s, 1m30s)`},
		{"d: [1s]", 0, "want a duration such as 5s or 1m30s, got a list"},
		{"d: {s: 1}", 0, "want a duration such as 5s or 1m30s, got a mapping"},
		{"a: &x 2s\nd: *x", 2 * time.Second, ""},
	}
	for _, tt := range tests {
		var v struct{ D Duration }
		err := yaml.Unmarshal([]byte(tt.in), &v)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("Unmarshal(%q): %v", tt.in, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("Unmarshal(%q) error = %v, want it to contain %q", tt.in, err, tt.wantErr)
		case tt.wantErr == "" && time.Duration(v.D) != tt.want:
			t.Errorf("Unmarshal(%q) = %v, want %v", tt.in, time.Duration(v.D), tt.want)
		}
	}
}

func TestDurationText(t *testing.T) {
	in := struct{ D Duration }{Duration(time.Minute + 30*time.Second)}
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != `{"D":"1m30s"}` {
		t.Errorf("json.Marshal = %s, want {\"D\":\"1m30s\"}", data)
	}
	var out struct{ D Duration }
	if err := json.Unmarshal(data, &out); err != nil || out != in {
		t.Errorf("json round trip = %v, %v; want %v", out, err, in)
	}
	if err := json.Unmarshal([]byte(`{"D":"later"}`), &out); err == nil {
		t.Error(`json.Unmarshal("later") succeeded, want an error`)
	}
}
