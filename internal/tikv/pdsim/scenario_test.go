package pdsim

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestExampleScenariosParse(t *testing.T) {
	files, err := filepath.Glob("../../../scenarios/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios found under scenarios/: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			fh, err := os.Open(f)
			if err != nil {
				t.Fatal(err)
			}
			defer fh.Close()
			sc, err := ParseScenario(fh)
			if err != nil {
				t.Fatal(err)
			}
			if sc.Name == "" || len(sc.Events) == 0 {
				t.Fatalf("scenario %s has no name or no events", f)
			}
		})
	}
}

func TestParseScenarioReportsEveryProblem(t *testing.T) {
	in := `name: bad
events:
  - at: soon
    fault: {type: kill-store, store: 1}
  - at: 1m
    fault: {type: explode}
  - at: 2m
    fault: {type: slow-store, store: 1, latency: fast}
`
	_, err := ParseScenario(strings.NewReader(in))
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{`event 1: at "soon"`, `event 2: unknown fault type "explode"`, `event 3: latency "fast"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if _, err := ParseScenario(strings.NewReader("events:\n  - at: 1s\n    falt: {}\n")); err == nil || !strings.Contains(err.Error(), "falt") {
		t.Errorf("unknown key not reported: %v", err)
	}
}

func TestScenarioRunsAtSimulatedTimes(t *testing.T) {
	s := newTestSim(t, Options{Stores: 5, Regions: 50})
	sc, err := ParseScenario(strings.NewReader(`name: t
cluster: {max-store-down-time: 1m}
events:
  - at: 30s
    fault: {type: kill-store, store: 3}
  - at: 40s
    fault: {type: kill-store, store: 99}
`))
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	s.c.Load(sc, func(ev ScenarioEvent, err error) { failed = append(failed, err.Error()) })
	var st storeOut
	s.clock.Advance(29 * time.Second)
	s.getJSON("/pd/api/v1/store/3", &st)
	if st.Store.StateName != "Up" {
		t.Fatalf("before the event: %s", st.Store.StateName)
	}
	s.clock.Advance(2 * time.Minute)
	s.getJSON("/pd/api/v1/store/3", &st)
	if st.Store.StateName != "Down" {
		t.Fatalf("after kill and 1m down time: %s", st.Store.StateName)
	}
	if len(failed) != 1 || !strings.Contains(failed[0], "store 99 does not exist") {
		t.Fatalf("failed events = %v", failed)
	}
}
