package ticket

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestSeverityParseAndString(t *testing.T) {
	cases := []struct {
		in      string
		want    Severity
		wantErr bool
	}{
		{"info", Info, false},
		{"warning", Warning, false},
		{"critical", Critical, false},
		{"CRITICAL", Critical, false},
		{"", 0, true},
		{"loud", 0, true},
		{"3", 0, true},
	}
	for _, tc := range cases {
		got, err := ParseSeverity(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("ParseSeverity(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseSeverity(%q) error %v does not wrap ErrInvalid", tc.in, err)
		}
	}
}

func TestSeverityOrderAndValidity(t *testing.T) {
	if !(Info < Warning && Warning < Critical) {
		t.Fatal("severities are not ordered least to most urgent")
	}
	for _, s := range []Severity{0, -1, Critical + 1} {
		if s.Valid() {
			t.Errorf("%v is valid", s)
		}
	}
}

func TestSeverityJSON(t *testing.T) {
	b, err := json.Marshal(struct{ S Severity }{Warning})
	if err != nil || string(b) != `{"S":"warning"}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	var back struct{ S Severity }
	if err := json.Unmarshal(b, &back); err != nil || back.S != Warning {
		t.Fatalf("Unmarshal = %v, %v", back.S, err)
	}
	if _, err := json.Marshal(Severity(0)); err == nil {
		t.Fatal("Marshal accepted the zero severity")
	}
	if err := json.Unmarshal([]byte(`"urgent"`), &back.S); err == nil {
		t.Fatal("Unmarshal accepted an unknown severity")
	}
}
