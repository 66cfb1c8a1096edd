package eval

import (
	"strings"
	"testing"
)

// Scenario files are written by hand: whatever they hold, Parse answers a
// scenario or an error naming the file, never a panic, and a scenario it
// accepts is one Run can play.
func FuzzParse(f *testing.F) {
	f.Add(goodScenario)
	f.Add("name: n\nrun: 10s\nexpect: {ticket: pd-no-leader, cause: [leader], action: none}\n")
	f.Add("name: x\nrun: 10s\nevents:\n  - at: 1s\n    override: {path: /pd/api/v1/health, status: 0, clear: true}\nexpect: {ticket: t, cause: [x], action: {type: drain_store, params: {store_id: 1}}}\n")
	f.Add("expect:\n  action:\n    - 1\n")
	f.Add("events: [{at: 1s, fault: {type: hotspot, read: true}}]\n")
	f.Fuzz(func(t *testing.T, in string) {
		sc, err := Parse("fuzz.yaml", strings.NewReader(in))
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.yaml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if sc.Name == "" || sc.Run <= 0 || sc.Run%Step != 0 || sc.Run > maxRun+Step || sc.Expect.Ticket == "" || len(sc.Expect.Cause) == 0 {
			t.Fatalf("accepted an unplayable scenario: %+v", sc)
		}
		if !sc.Expect.Action.None && sc.Expect.Action.Type == "" {
			t.Fatalf("accepted an action without a type: %+v", sc.Expect.Action)
		}
		for _, ev := range sc.Events {
			kinds := 0
			for _, set := range []bool{ev.Fault != nil, ev.PD != nil, ev.Override != nil} {
				if set {
					kinds++
				}
			}
			if kinds != 1 || ev.At < 0 || ev.At > sc.Run {
				t.Fatalf("accepted event %+v", ev)
			}
		}
	})
}
