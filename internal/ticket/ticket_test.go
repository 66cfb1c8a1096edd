package ticket

import (
	"errors"
	"strings"
	"testing"
)

func validTicket() Ticket {
	return Ticket{
		DedupKey:  "store-down/store=4",
		Invariant: "store-down",
		Subject:   "tikv",
		Severity:  Critical,
		Labels:    map[string]string{"store": "4"},
	}
}

func TestTicketValidate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*Ticket)
		ok     bool
	}{
		{"valid", func(*Ticket) {}, true},
		{"no key", func(t *Ticket) { t.DedupKey = "" }, false},
		{"key too long", func(t *Ticket) { t.DedupKey = strings.Repeat("k", MaxKeyLen+1) }, false},
		{"key at limit", func(t *Ticket) { t.DedupKey = strings.Repeat("k", MaxKeyLen) }, true},
		{"no invariant", func(t *Ticket) { t.Invariant = "" }, false},
		{"no subject", func(t *Ticket) { t.Subject = "" }, false},
		{"no severity", func(t *Ticket) { t.Severity = 0 }, false},
		{"unknown severity", func(t *Ticket) { t.Severity = 9 }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tk := validTicket()
			tc.mutate(&tk)
			err := tk.Validate()
			if tc.ok != (err == nil) {
				t.Fatalf("Validate() = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalid) {
				t.Fatalf("Validate() = %v, does not wrap ErrInvalid", err)
			}
		})
	}
}

func TestParseID(t *testing.T) {
	cases := []struct {
		in   string
		want ID
		ok   bool
	}{
		{"1", 1, true},
		{"9223372036854775807", 9223372036854775807, true},
		{"0", 0, false},
		{"-3", 0, false},
		{"x", 0, false},
		{"", 0, false},
		{"9223372036854775808", 0, false},
	}
	for _, tc := range cases {
		got, err := ParseID(tc.in)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("ParseID(%q) = %v, %v", tc.in, got, err)
		}
		if err == nil && got.String() != tc.in {
			t.Errorf("ParseID(%q).String() = %q", tc.in, got.String())
		}
	}
}
