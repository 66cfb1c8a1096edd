package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

func TestEvalRulesOnOneScenario(t *testing.T) {
	out, stderr, err := run(t, nil, "eval", "--provider", "rules", "--run", "^store-down-drain$")
	if err != nil {
		t.Fatalf("eval: %v\n%s%s", err, out, stderr)
	}
	for _, want := range []string{
		"SCENARIO", "EXPECTED", "PROPOSED",
		"store-down-drain", "store-down", "drain_store store_id=2", "✓",
		"rules (rules/v1): 1 of 1 scenarios right",
		"action accuracy        1/1  100.0%", "precision              1/1  100.0%", "parameter correctness  1/1  100.0%",
		"refusals               0 answers, 0 proposals",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "✗") {
		t.Errorf("a wrong mark:\n%s", out)
	}
	if !strings.Contains(stderr, "eval: store-down-drain: ✓") {
		t.Errorf("no progress line on stderr: %q", stderr)
	}
}

func TestEvalRefusesBadInput(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"unknown provider", nil, []string{"eval", "--provider", "gpt"}, `unknown provider "gpt" (want rules, anthropic or openai)`},
		{"anthropic without a key", nil, []string{"eval", "--provider", "anthropic"}, "set ANTHROPIC_API_KEY to evaluate the anthropic provider"},
		{"anthropic from the environment, without a key", map[string]string{"OPERATOR_DIAGNOSIS_PROVIDER": "anthropic"}, []string{"eval"},
			"set ANTHROPIC_API_KEY to evaluate the anthropic provider"},
		{"openai without a model", nil, []string{"eval", "--provider", "openai"}, "diagnosis.openai.model"},
		{"bad output", nil, []string{"eval", "-o", "yaml"}, `--output "yaml": want table or json`},
		{"bad --run", nil, []string{"eval", "--run", "("}, "--run"},
		{"--run matching nothing", nil, []string{"eval", "--run", "^no-such-scenario$"}, `no scenario matches "^no-such-scenario$"`},
		{"missing --scenarios", nil, []string{"eval", "--scenarios", "/nonexistent/scenarios"}, "/nonexistent/scenarios"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := run(t, tc.env, tc.args...)
			if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v (exit %d), want exit 2 with %q", err, exitCode(err), tc.want)
			}
			if out != "" {
				t.Errorf("printed a report: %s", out)
			}
		})
	}
}

// A scenario judged wrong makes the exit code 1, so CI notices.
func TestEvalExitsOneWhenAScenarioIsWrong(t *testing.T) {
	dir := t.TempDir()
	// Draining a store silent for 40s is wrong; the rules say so.
	sc := `name: drain-too-early
run: 50s
events:
  - at: 10s
    fault: {type: kill-store, store: 3}
expect:
  ticket: store-down/store=3
  cause: [store 3]
  action: {type: drain_store, params: {store_id: 3}}
`
	if err := os.WriteFile(filepath.Join(dir, "drain-too-early.yaml"), []byte(sc), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, nil, "eval", "--scenarios", dir)
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "1 of 1 scenarios wrong") {
		t.Fatalf("err = %v (exit %d), want exit 1", err, exitCode(err))
	}
	if !strings.Contains(out, "drain-too-early") || !strings.Contains(out, "✗") || !strings.Contains(out, "0 of 1 scenarios right") {
		t.Errorf("output:\n%s", out)
	}
}

// The model is set up from the config and the environment, as the daemon
// does it: here the anthropic provider, pointed at a fake Messages API.
func TestEvalAnthropicFromConfig(t *testing.T) {
	var asked atomic.Int32
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		authorized := r.Header.Get("X-Api-Key") == "sk-test" || r.Header.Get("Authorization") == "Bearer sk-test"
		if r.URL.Path != "/v1/messages" || !authorized {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		asked.Add(1)
		input := `{"summary":"store 3 is silent","probable_cause":"Store 3 stopped heartbeating; PD waits max-store-down-time before calling it Down.",` +
			`"evidence_ids":["e1"],"confidence":0.7,"severity":"warning"}`
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-6","content":[{"type":"tool_use","id":"toolu_1","name":"record_diagnosis","input":%s}],"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":5}}`, input)
	}))
	defer fake.Close()
	env := map[string]string{"ANTHROPIC_API_KEY": "sk-test", "OPERATOR_DIAGNOSIS_ANTHROPIC_BASE_URL": fake.URL}
	out, stderr, err := run(t, env, "eval", "--provider", "anthropic", "--run", "^store-disconnected$", "-o", "json")
	if err != nil {
		t.Fatalf("eval: %v\n%s", err, stderr)
	}
	var rep struct {
		Provider string `json:"provider"`
		Model    string `json:"model"`
		Totals   struct {
			Correct int `json:"correct"`
			Run     int `json:"run"`
		} `json:"totals"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if rep.Provider != "anthropic" || rep.Model != "claude-sonnet-4-6" || rep.Totals.Run != 1 || rep.Totals.Correct != 1 || asked.Load() != 1 {
		t.Fatalf("report %+v, model asked %d times:\n%s", rep, asked.Load(), out)
	}
	if strings.Contains(out+stderr, "sk-test") {
		t.Error("the key is in the output")
	}
}
