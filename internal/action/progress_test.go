package action

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestMeasure(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name             string
		total, remaining int64
		elapsed          time.Duration
		want             Progress
		text             string
	}{
		{"nothing moved yet", 1000, 1000, time.Minute,
			Progress{Done: 0, Total: 1000, Unit: "regions"},
			"0/1000 regions (0%), ETA unknown (nothing moved yet)"},
		{"no time has passed", 1000, 990, 0,
			Progress{Done: 10, Total: 1000, Unit: "regions"},
			"10/1000 regions (1%), ETA unknown"},
		{"under way", 1000, 588, 33*time.Second + 500*time.Millisecond,
			Progress{Done: 412, Total: 1000, Unit: "regions", Rate: 412 / 33.5, ETA: 48 * time.Second},
			"412/1000 regions (41%), 12.3 regions/s, ETA 48s"},
		{"ETA rounds up to whole seconds", 10, 1, 9 * time.Second,
			Progress{Done: 9, Total: 10, Unit: "regions", Rate: 1, ETA: time.Second},
			"9/10 regions (90%), 1.0 regions/s, ETA 1s"},
		{"slow and long", 10000, 9000, time.Hour,
			Progress{Done: 1000, Total: 10000, Unit: "regions", Rate: 1000.0 / 3600, ETA: 9 * time.Hour},
			"1000/10000 regions (10%), 16.7 regions/min, ETA 9h00m"},
		{"finished", 1000, 0, time.Hour,
			Progress{Done: 1000, Total: 1000, Unit: "regions", Finished: true},
			"1000/1000 regions (100%), finished"},
		{"nothing to do", 0, 0, time.Second,
			Progress{Unit: "regions", Finished: true},
			"0/0 regions (100%), finished"},
		{"more left than at the start", 100, 120, time.Minute,
			Progress{Total: 100, Unit: "regions"},
			"0/100 regions (0%), ETA unknown (nothing moved yet)"},
		{"too slow to say", 1 << 40, 1<<40 - 1, 24 * time.Hour,
			Progress{Done: 1, Total: 1 << 40, Unit: "regions", Rate: 1.0 / 86400},
			"1/1099511627776 regions (0%), 0.0 regions/h, ETA unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Measure(tc.total, tc.remaining, "regions", t0, t0.Add(tc.elapsed))
			if got.Done != tc.want.Done || got.Total != tc.want.Total || got.Finished != tc.want.Finished ||
				got.ETA != tc.want.ETA || !near(got.Rate, tc.want.Rate) {
				t.Errorf("Measure(%d, %d, %s) = %+v, want %+v", tc.total, tc.remaining, tc.elapsed, got, tc.want)
			}
			if s := got.String(); s != tc.text {
				t.Errorf("String() = %q, want %q", s, tc.text)
			}
		})
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

// A start time never recorded gives no rate, whatever moved.
func TestMeasureWithoutAStart(t *testing.T) {
	if p := Measure(10, 5, "steps", time.Time{}, time.Now()); p.Rate != 0 || p.ETA != 0 || p.Done != 5 {
		t.Fatalf("%+v", p)
	}
}

func TestETAText(t *testing.T) {
	for d, want := range map[time.Duration]string{
		48 * time.Second:                      "48s",
		3*time.Minute + 2*time.Second:         "3m02s",
		time.Hour + 4*time.Minute:             "1h04m",
		47*time.Hour + 59*time.Minute:         "47h59m",
		51 * time.Hour:                        "2d03h",
		1500 * time.Millisecond:               "2s",
		59*time.Second + 600*time.Millisecond: "1m00s",
	} {
		if got := ETAText(d); got != want {
			t.Errorf("ETAText(%s) = %q, want %q", d, got, want)
		}
	}
}

// The wire form carries the ETA in seconds and reads back the same.
func TestProgressJSON(t *testing.T) {
	p := Progress{Done: 412, Total: 1000, Unit: "regions", Rate: 12.3, ETA: 48 * time.Second, Note: "store 4 is Offline"}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"done":412`, `"total":1000`, `"unit":"regions"`, `"rate":12.3`, `"eta_seconds":48`, `"finished":false`, `"note":"store 4 is Offline"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %s", b, want)
		}
	}
	var back Progress
	if err := json.Unmarshal(b, &back); err != nil || back != p {
		t.Fatalf("round trip: %+v, %v; want %+v", back, err, p)
	}
	b, _ = json.Marshal(Progress{Total: 3, Unit: "steps"})
	if strings.Contains(string(b), "eta") {
		t.Errorf("an unknown ETA is written: %s", b)
	}
	if err := json.Unmarshal([]byte(`{"done":1,"total":2,"eta_seconds":1e300}`), &back); err != nil || back.ETA != 0 {
		t.Errorf("an absurd ETA reads as %v, %v; want unknown", back.ETA, err)
	}
}

func TestPlanProgress(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	step := func(n int, st State) Run {
		return Run{ID: ID(10 + n), PlanID: 11, PlanStep: n, Action: "set_replica_schedule_limit", State: st}
	}
	comp := func(n int, of ID, st State) Run {
		r := step(n, st)
		r.Compensates = of
		return r
	}
	for _, tc := range []struct {
		name    string
		runs    []Run
		started time.Time
		want    string
	}{
		{"approved, not started", []Run{step(1, Approved), step(2, Approved), step(3, Approved)}, time.Time{},
			"0/3 steps (0%), ETA unknown (nothing moved yet)"},
		{"one done in two minutes", []Run{step(3, Approved), step(1, Completed), step(2, Executing)}, t0,
			"1/3 steps (33%), 0.5 steps/min, ETA 4m00s"},
		{"all done", []Run{step(1, Completed), step(2, Completed)}, t0,
			"2/2 steps (100%), finished"},
		{"a step failed, undoing", []Run{step(1, Completed), step(2, Failed), step(3, Cancelled), comp(4, 11, Approved)}, t0,
			"1/3 steps (33%), ETA unknown; step 2 (run 12, set_replica_schedule_limit) failed: the steps after it do not run; undoing completed steps: 0 of 1 undone"},
		{"a step failed, undone", []Run{step(1, Completed), step(2, TimedOut), step(3, Cancelled), comp(4, 11, Completed)}, t0,
			"1/3 steps (33%), ended; step 2 (run 12, set_replica_schedule_limit) timed_out: the steps after it do not run; undoing completed steps: 1 of 1 undone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := PlanProgress(tc.runs, tc.started, t0.Add(2*time.Minute))
			if s := got.String(); s != tc.want {
				t.Errorf("PlanProgress = %q\n                 want %q", s, tc.want)
			}
		})
	}
}
