package ticket_test

import (
	"testing"

	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/ticket"
)

// The monitor turns subject.Violations into tickets; the two packages must
// agree on keys and severities or the same problem would dedup differently
// depending on who reported it (the monitor or Alertmanager intake).
func TestAgreesWithSubject(t *testing.T) {
	labelSets := []map[string]string{
		nil,
		{"store": "4"},
		{"store": "2", "region": "123"},
		{"instance": "10.0.0.1:20160", "job": "tikv"},
	}
	for _, labels := range labelSets {
		v := subject.Violation{Invariant: "hot-write", Labels: labels}
		if got, want := ticket.Key(v.Invariant, v.Labels), v.Key(); got != want {
			t.Errorf("ticket.Key = %q, subject key = %q", got, want)
		}
	}
	for _, s := range []subject.Severity{subject.Info, subject.Warning, subject.Critical} {
		if got := ticket.Severity(s); got.String() != s.String() {
			t.Errorf("ticket.Severity(%v) = %v", s, got)
		}
	}
}
