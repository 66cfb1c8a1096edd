package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/operator-dev/operator/internal/testenv"
)

// The acceptance test: the rules provider gets every built-in
// scenario right. The scenarios that need Prometheus run when it is on
// PATH (always in the full test run); elsewhere they skip, saying so.
func TestRulesGetEveryScenarioRight(t *testing.T) {
	scs, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), scs, nil, Options{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Provider != "rules" || rep.Model != "rules/v1" {
		t.Errorf("judged %s (%s), want the rules provider", rep.Provider, rep.Model)
	}
	for _, r := range rep.Results {
		t.Run(r.Name, func(t *testing.T) {
			if r.NotRun != "" {
				testenv.Missing(t, "%s: %s: apt-get install prometheus (./scripts/test installs it)", r.Name, r.NotRun)
			}
			if !r.Correct {
				t.Errorf("%s\n  probable cause: %s", r, r.Cause)
			}
		})
	}
	if rep.Totals.Wrong > 0 {
		var b bytes.Buffer
		rep.WriteTable(&b)
		t.Logf("\n%s", b.String())
	}
}

// A model that is always wrong scores accordingly: each figure counts what
// it says it counts, and the model is asked once per scenario, about the
// judged ticket only.
func TestScoresOfAWrongModel(t *testing.T) {
	all, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	// One "none", a drain of store 2, a remove_peer of region 41 on store 5.
	scs, err := Select(all, "^(store-disconnected|store-down-drain|region-down-peer)$")
	if err != nil {
		t.Fatal(err)
	}
	proposal := func(typ, params string) string {
		return `{"type":"` + typ + `","params":` + params + `,"rationale":"scripted","urgency":"soon","expected_outcome":"scripted"}`
	}
	cases := []struct {
		name   string
		answer func(prompt string) (string, int)
		want   Totals
		// table holds lines the table must show.
		table []string
	}{
		{
			name: "proposes a store that does not exist",
			answer: func(string) (string, int) {
				return diagnosisInput("a guess", proposal("drain_store", `{"store_id":99}`)), 200
			},
			// Three proposals, one of the right type (the drain), none
			// with the right store; every proposal refused.
			want: Totals{Scenarios: 3, Run: 3, Wrong: 3, Proposed: 3, ProposedRightType: 1, ExpectedActions: 2, ProposalsRefused: 3},
			table: []string{"drain_store store_id=99 (refused)", "precision              1/3  33.3%", "parameter correctness  0/1  0.0%",
				"refusals               0 answers, 3 proposals", "anthropic (claude-test): 0 of 3 scenarios right"},
		},
		{
			name: "proposes the wrong store",
			answer: func(string) (string, int) {
				return diagnosisInput("store 1 is slow", proposal("drain_store", `{"store_id":1}`)), 200
			},
			want:  Totals{Scenarios: 3, Run: 3, Wrong: 3, Proposed: 3, ProposedRightType: 1, ExpectedActions: 2},
			table: []string{"drain_store store_id=1 ", "parameter correctness  0/1  0.0%"},
		},
		{
			name: "proposes nothing",
			answer: func(string) (string, int) {
				return diagnosisInput("The TiKV of store 3 stopped; PD waits max-store-down-time.", ""), 200
			},
			// Right for the scenario whose answer is none, whose cause
			// keywords it also names.
			want:  Totals{Scenarios: 3, Run: 3, Correct: 1, Wrong: 2, ActionRight: 1, ExpectedActions: 2, CauseRight: 1},
			table: []string{"precision              0/0  n/a", "1 of 3 scenarios right"},
		},
		{
			name:   "answers nonsense",
			answer: func(string) (string, int) { return `{"summary":"no cause, no evidence"}`, 200 },
			want:   Totals{Scenarios: 3, Run: 3, Wrong: 3, ExpectedActions: 2, AnswersRefused: 3},
			table:  []string{"(answer refused)", "refusals               3 answers, 0 proposals"},
		},
		{
			name:   "is down",
			answer: func(string) (string, int) { return "", 500 },
			want:   Totals{Scenarios: 3, Run: 3, Wrong: 3, ExpectedActions: 2, Failures: 3},
			table:  []string{"(provider failed)", "provider failures      3"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFakeModel(t, tc.answer)
			rep, err := Run(context.Background(), scs, fake.provider(t), Options{TempDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			got := rep.Totals
			got.ActionAccuracy, got.Precision, got.ParamCorrectness = nil, nil, nil
			if got != tc.want {
				t.Errorf("totals\n got %+v\nwant %+v", got, tc.want)
			}
			if n := fake.requests(); n != len(scs) {
				t.Errorf("the model was asked %d times, want once per scenario (%d)", n, len(scs))
			}
			for _, p := range fake.prompts {
				if !strings.Contains(p, "store-disconnected") && !strings.Contains(p, "store-down") && !strings.Contains(p, "region-down-peer") {
					t.Errorf("the model was asked about a ticket no scenario judges: %.200s", p)
				}
			}
			var table bytes.Buffer
			if err := rep.WriteTable(&table); err != nil {
				t.Fatal(err)
			}
			for _, line := range tc.table {
				if !strings.Contains(table.String(), line) {
					t.Errorf("table lacks %q:\n%s", line, table.String())
				}
			}
			var js bytes.Buffer
			if err := rep.WriteJSON(&js); err != nil {
				t.Fatal(err)
			}
			var back Report
			if err := json.Unmarshal(js.Bytes(), &back); err != nil || len(back.Results) != len(scs) || back.Totals.Run != 3 {
				t.Errorf("JSON report does not read back: %v\n%s", err, js.String())
			}
		})
	}
}

// A scenario whose setup fails is an error, judged wrong, with the line.
func TestScenarioErrorsAreWrongAndSayWhere(t *testing.T) {
	sc, err := Parse("x.yaml", strings.NewReader(`name: x
run: 20s
events:
  - at: 10s
    pd: {method: POST, path: /pd/api/v1/schedulers/no-such-scheduler, body: '{"delay": 60}'}
expect: {ticket: leader-imbalance, cause: [x], action: none}
`))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), []*Scenario{sc}, nil, Options{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Results[0]
	if r.Correct || !strings.Contains(r.Error, "event at 10s (line 4): pd POST /pd/api/v1/schedulers/no-such-scheduler: PD answered 500") ||
		rep.Totals.Errors != 1 || rep.Totals.Wrong != 1 {
		t.Fatalf("result %+v, totals %+v", r, rep.Totals)
	}
}

// Without Prometheus a scenario that needs it is not run, and counted
// apart from right and wrong.
func TestPrometheusScenariosWithoutPrometheusAreNotRun(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	sc := &Scenario{Name: "needs-prom", Prometheus: true, Run: Step, Expect: Expect{Ticket: "store-high-latency/store=1", Action: Action{None: true}}}
	rep, err := Run(context.Background(), []*Scenario{sc}, nil, Options{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Results[0]
	if r.NotRun != "needs prometheus on PATH" || rep.Totals.NotRun != 1 || rep.Totals.Run != 0 || rep.Totals.Wrong != 0 {
		t.Fatalf("result %+v, totals %+v", r, rep.Totals)
	}
	var table bytes.Buffer
	rep.WriteTable(&table)
	if !strings.Contains(table.String(), "needs-prom") || !strings.Contains(table.String(), "not run") ||
		!strings.Contains(table.String(), "needs prometheus on PATH") {
		t.Errorf("table:\n%s", table.String())
	}
}

// The rules provider judged twice on the same scenarios says the same
// thing: a benchmark figure that moved between two runs would mean nothing.
func TestRulesRunsAreDeterministic(t *testing.T) {
	all, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	scs, err := Select(all, "^(store-down-drain|hot-write-store|region-oversized)$")
	if err != nil {
		t.Fatal(err)
	}
	var runs [2][]string
	for i := range runs {
		rep, err := Run(context.Background(), scs, nil, Options{TempDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rep.Results {
			b, _ := json.Marshal(struct {
				P *Proposal
				C string
				R *RecordView
			}{r.Proposed, r.Cause, r.Record})
			runs[i] = append(runs[i], string(b))
		}
	}
	for i := range runs[0] {
		if runs[0][i] != runs[1][i] {
			t.Errorf("two runs differ:\n%s\n%s", runs[0][i], runs[1][i])
		}
	}
}
