package diagnose

import (
	"encoding/json"
	"testing"

	"github.com/operator-dev/operator/internal/ticket"
)

func TestSameActionNormalizesValues(t *testing.T) {
	pause := func(d string) *ticket.Proposal {
		return &ticket.Proposal{Type: "pause_scheduler", Params: map[string]any{"name": "balance-leader-scheduler", "for": d}}
	}
	move := func(to any) *ticket.Proposal {
		return &ticket.Proposal{Type: "transfer_leader", Params: map[string]any{"region_id": json.Number("49"), "to_store_id": to}}
	}
	cases := []struct {
		name string
		a, b *ticket.Proposal
		same bool
	}{
		{"both none", nil, nil, true},
		{"one none", nil, move(4), false},
		{"1h is 60m", pause("1h"), pause("60m"), true},
		{"1h is not 2h", pause("1h"), pause("2h"), false},
		{"4, 4.0 and json 4", move(4), move(json.Number("4.0")), true},
		{"another store", move(4), move(2), false},
		{"another action", move(4), pause("1h"), false},
	}
	for _, tc := range cases {
		if got := sameAction(tc.a, tc.b, testActions); got != tc.same {
			t.Errorf("%s: sameAction = %v", tc.name, got)
		}
	}
}
