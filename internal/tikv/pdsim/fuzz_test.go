package pdsim

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// FuzzParseScenario: a scenario file is outside input. Whatever it holds,
// ParseScenario does not panic; an accepted scenario has only known fault
// types, non-negative event times and latencies that parse; and it
// survives a YAML round trip unchanged. A refusal names the problem.
func FuzzParseScenario(f *testing.F) {
	for _, s := range []string{
		"name: one store crashes\nevents:\n  - at: 30s\n    fault: {type: kill-store, store: 3}\n",
		"name: t\ncluster: {stores: 5, regions: 300, seed: 7, max-store-down-time: 1m}\nevents:\n  - at: 0s\n    fault: {type: slow-store, store: 1, latency: 250ms}\n  - at: 1h\n    fault: {type: hotspot, region: 9, bytes_per_second: 3.2e7, read: true}\n",
		"name: bad\nevents:\n  - at: soon\n    fault: {type: explode}\n  - at: -1s\n    fault: {type: kill-store}\n",
		"events: [{at: 1m, fault: {type: fill-disk, store: 2, available_ratio: .nan}}]\n",
		"a: &a [*a]\n", "name: [\n", "{}", "", "---\n---\n", "name: x\nunknown: 1\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		sc, err := ParseScenario(strings.NewReader(in))
		if err != nil {
			if sc != nil {
				t.Fatalf("error %v with a scenario", err)
			}
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		if sc == nil {
			t.Fatal("no error and no scenario")
		}
		for i, ev := range sc.Events {
			d, err := time.ParseDuration(ev.At)
			if err != nil || d < 0 || d != ev.at {
				t.Fatalf("event %d: at %q accepted as %v", i+1, ev.At, ev.at)
			}
			if !faultTypes[ev.Fault.Type] {
				t.Fatalf("event %d: fault type %q accepted", i+1, ev.Fault.Type)
			}
			if ev.Fault.Latency != "" {
				if _, err := time.ParseDuration(ev.Fault.Latency); err != nil {
					t.Fatalf("event %d: latency %q accepted", i+1, ev.Fault.Latency)
				}
			}
		}
		out, err := yaml.Marshal(sc)
		if err != nil {
			t.Fatalf("an accepted scenario does not encode: %v", err)
		}
		back, err := ParseScenario(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("an accepted scenario, re-encoded, is refused: %v\n%s", err, out)
		}
		again, _ := yaml.Marshal(back)
		if !bytes.Equal(out, again) {
			t.Fatalf("round trip drifts:\n%s\n%s", out, again)
		}
	})
}
