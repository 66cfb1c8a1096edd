package anthropic

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"

	"github.com/operator-dev/operator/internal/diagnose"
	"github.com/operator-dev/operator/internal/ticket"
)

// A sound answer passes Check, and the request carried what the model
// needs: the model id, the schema as the tool's input schema, a forced
// tool choice, the system prompt and the data block.
func TestDiagnoseSendsToolAndReturnsInputVerbatim(t *testing.T) {
	input := diagnosisInput(t, nil)
	f := newFakeAPI(t, testKey, func(n int, req *wireRequest) reply {
		return reply{status: http.StatusOK, body: toolUse(req.Model, "tool_use", input)}
	})
	p := newProvider(t, f, nil)
	req := testRequest(map[string]string{"zone": "z1"})

	ans, err := p.Diagnose(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if string(ans.Raw) != input {
		t.Errorf("Raw is not the tool input byte for byte:\n got %s\nwant %s", ans.Raw, input)
	}
	if got := diagnose.Check(ans.Raw, req.Context, req.Actions); got.Status != ticket.DiagnosisOK {
		t.Errorf("Check: %+v", got)
	}
	if ans.Model != DefaultModel {
		t.Errorf("Model = %q, want %q", ans.Model, DefaultModel)
	}
	wantCost := (fakeInputTokens*DefaultInputPricePerMTok + fakeOutputTokens*DefaultOutputPricePerMTok) / 1e6
	u := ans.Usage
	if u.InputTokens != fakeInputTokens || u.OutputTokens != fakeOutputTokens || u.Attempts != 1 || math.Abs(u.CostUSD-wantCost) > 1e-12 {
		t.Errorf("Usage = %+v, want %d in, %d out, 1 attempt, $%v", u, fakeInputTokens, fakeOutputTokens, wantCost)
	}

	sent := f.last(t)
	if sent.req.Model != DefaultModel || sent.req.MaxTokens != DefaultMaxTokens {
		t.Errorf("model %q max_tokens %d", sent.req.Model, sent.req.MaxTokens)
	}
	if sent.header.Get("anthropic-version") == "" {
		t.Error("no anthropic-version header")
	}
	if len(sent.req.Tools) != 1 || sent.req.Tools[0].Name != toolName {
		t.Fatalf("tools = %+v", sent.req.Tools)
	}
	var gotSchema, wantSchema any
	want, _ := json.Marshal(req.Schema)
	if err := json.Unmarshal(sent.req.Tools[0].InputSchema, &gotSchema); err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal(want, &wantSchema)
	if !reflect.DeepEqual(gotSchema, wantSchema) {
		t.Errorf("input_schema is not the answer schema:\n got %s\nwant %s", sent.req.Tools[0].InputSchema, want)
	}
	if c := sent.req.ToolChoice; c == nil || c.Type != "tool" || c.Name != toolName {
		t.Errorf("tool_choice = %+v, want the diagnosis tool forced", c)
	}
	if sys := sent.req.systemText(); !strings.Contains(sys, "untrusted") || !strings.Contains(sys, "senior site reliability engineer for a TiKV cluster") {
		t.Errorf("system prompt lacks the role or the untrusted-data rule: %q", sys)
	}
	user := sent.req.userText()
	before, block, after, ok := splitBlock(user)
	if !ok {
		t.Fatalf("no single data block in the user message:\n%s", user)
	}
	if !json.Valid([]byte(block)) {
		t.Errorf("the data block is not one JSON document:\n%s", block)
	}
	for _, want := range []string{`"id":"e1"`, `"id":"e3"`, `"dedup_key":"hot-write-region/region=49"`, `"zone":"z1"`} {
		if !strings.Contains(block, want) {
			t.Errorf("data block lacks %s", want)
		}
	}
	if !strings.Contains(before, "ticket 7") {
		t.Errorf("the message does not say which ticket: %q", before)
	}
	for _, want := range []string{"transfer_leader (risk low, reversible)", "drain_store (risk high)", "to_store_id (store-id, required)", "one of leader-schedule-limit, region-schedule-limit"} {
		if !strings.Contains(after, want) {
			t.Errorf("action list lacks %q:\n%s", want, after)
		}
	}
}

// AutoToolChoice is for models that refuse a forced tool choice.
func TestDiagnoseAutoToolChoice(t *testing.T) {
	f := newFakeAPI(t, testKey, nil)
	p := newProvider(t, f, func(c *Config) {
		c.Model, c.AutoToolChoice = "claude-sonnet-5-5", true
		c.InputPricePerMTok, c.OutputPricePerMTok = 2, 10
	})
	ans, err := p.Diagnose(context.Background(), testRequest(nil))
	if err != nil {
		t.Fatal(err)
	}
	sent := f.last(t)
	if c := sent.req.ToolChoice; c == nil || c.Type != "auto" {
		t.Errorf("tool_choice = %+v, want auto", c)
	}
	if sent.req.Model != "claude-sonnet-5-5" || ans.Model != "claude-sonnet-5-5" {
		t.Errorf("model sent %q, answered %q", sent.req.Model, ans.Model)
	}
	if want := (fakeInputTokens*2.0 + fakeOutputTokens*10.0) / 1e6; math.Abs(ans.Usage.CostUSD-want) > 1e-12 {
		t.Errorf("cost %v, want %v with the configured prices", ans.Usage.CostUSD, want)
	}
}

// The SDK retries what is worth retrying and gives up after MaxRetries;
// what is not worth retrying fails at once. Each error says what happened.
func TestDiagnoseAPIErrors(t *testing.T) {
	now := map[string]string{"retry-after": "0"}
	cases := []struct {
		name       string
		maxRetries int
		key        string // the provider's key, when not the fake's
		script     func(n int, req *wireRequest) reply
		attempts   int
		wantErr    []string // substrings; none: success
		status     int      // of the *anthropic.Error
		budget     bool
	}{
		{name: "429 twice then success", maxRetries: 3, attempts: 3,
			script: func(n int, req *wireRequest) reply {
				if n <= 2 {
					return errorReply(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit", now)
				}
				return reply{status: 200, body: toolUse(req.Model, "tool_use", goodInput)}
			}},
		{name: "500 then success", maxRetries: 3, attempts: 2,
			script: func(n int, req *wireRequest) reply {
				if n == 1 {
					return errorReply(500, "api_error", "Internal server error", now)
				}
				return reply{status: 200, body: toolUse(req.Model, "tool_use", goodInput)}
			}},
		{name: "529 always", maxRetries: 3, attempts: 4, status: 529,
			script:  func(int, *wireRequest) reply { return errorReply(529, "overloaded_error", "Overloaded", now) },
			wantErr: []string{"anthropic: diagnose ticket 7: ", "gave up after 4 attempts", "529 overloaded_error: Overloaded", "(request req_fake004)"}},
		{name: "529 with retries off", maxRetries: -1, attempts: 1, status: 529,
			script:  func(int, *wireRequest) reply { return errorReply(529, "overloaded_error", "Overloaded", now) },
			wantErr: []string{"529 overloaded_error", "not retried"}},
		{name: "429 then 400", maxRetries: 3, attempts: 2, status: 400,
			script: func(n int, req *wireRequest) reply {
				if n == 1 {
					return errorReply(429, "rate_limit_error", "slow down", now)
				}
				return errorReply(400, "invalid_request_error", "prompt is too long", nil)
			},
			wantErr: []string{"anthropic: diagnose ticket 7: after 2 attempts: 400 invalid_request_error: prompt is too long"}},
		{name: "400 is not retried", maxRetries: 3, attempts: 1, status: 400,
			script: func(int, *wireRequest) reply {
				return errorReply(400, "invalid_request_error", "tools.0.input_schema: JSON schema is invalid", nil)
			},
			wantErr: []string{"anthropic: diagnose ticket 7: 400 invalid_request_error: tools.0.input_schema: JSON schema is invalid", "not retried"}},
		{name: "401 is not retried", maxRetries: 3, attempts: 1, status: 401, key: "sk-ant-test-WRONG-456",
			wantErr: []string{"401 authentication_error: invalid x-api-key", "not retried"}},
		{name: "out of credit is out of budget", maxRetries: 3, attempts: 1, status: 400, budget: true,
			script: func(int, *wireRequest) reply {
				return errorReply(400, "billing_error", "Your credit balance is too low to access the Anthropic API.", nil)
			},
			wantErr: []string{"billing_error", "credit balance"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t, testKey, tc.script)
			p := newProvider(t, f, func(c *Config) {
				c.MaxRetries = tc.maxRetries
				if tc.key != "" {
					c.APIKey = tc.key
				}
			})
			req := testRequest(nil)
			ans, err := p.Diagnose(context.Background(), req)
			if ans.Usage.Attempts != tc.attempts {
				t.Errorf("Usage.Attempts = %d, want %d", ans.Usage.Attempts, tc.attempts)
			}
			if tc.key == "" { // a refused credential never reaches the script
				if got := len(f.requests()); got != tc.attempts {
					t.Errorf("the fake saw %d requests, want %d", got, tc.attempts)
				}
			}
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if got := diagnose.Check(ans.Raw, req.Context, req.Actions); got.Status != ticket.DiagnosisOK {
					t.Errorf("Check: %+v", got)
				}
				// A retry resends the same request.
				seen := f.requests()
				for _, s := range seen[1:] {
					if string(s.body) != string(seen[0].body) {
						t.Errorf("a retry sent a different body")
					}
				}
				return
			}
			if err == nil {
				t.Fatalf("no error; answer %s", ans.Raw)
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
			if ans.Raw != nil {
				t.Errorf("an error came with an answer: %s", ans.Raw)
			}
			var ae *anthropic.Error
			if !errors.As(err, &ae) || ae.StatusCode != tc.status {
				t.Errorf("errors.As(*anthropic.Error) = %v, status %v; want %d", ae != nil, ae, tc.status)
			}
			if got := errors.Is(err, diagnose.ErrBudget); got != tc.budget {
				t.Errorf("errors.Is(err, ErrBudget) = %v, want %v", got, tc.budget)
			}
		})
	}
}

// The SDK waits as long as retry-after-ms says before it retries.
func TestDiagnoseHonoursRetryAfter(t *testing.T) {
	const wait = 40 * time.Millisecond
	f := newFakeAPI(t, testKey, func(n int, req *wireRequest) reply {
		if n <= 2 {
			return errorReply(429, "rate_limit_error", "slow down", map[string]string{"retry-after-ms": "40"})
		}
		return reply{status: 200, body: toolUse(req.Model, "tool_use", goodInput)}
	})
	p := newProvider(t, f, nil)
	start := time.Now()
	ans, err := p.Diagnose(context.Background(), testRequest(nil))
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 2*wait {
		t.Errorf("two retries took %s; retry-after-ms asked for %s each", took, wait)
	}
	if ans.Usage.Attempts != 3 {
		t.Errorf("attempts = %d, want 3", ans.Usage.Attempts)
	}
}

// Answers that are no answer are errors, whatever their tool input holds.
func TestDiagnoseNoAnswer(t *testing.T) {
	cases := []struct {
		name    string
		body    func(model string) string
		wantErr string
	}{
		{name: "truncated tool input",
			body: func(m string) string {
				return toolUse(m, "max_tokens", `{"summary":"region 49 takes 32MiB/s","probable_cause":"seq`+`uential"}`)
			},
			wantErr: "answer truncated at 2048 tokens"},
		{name: "prose instead of the tool",
			body:    func(m string) string { return textOnly(m, "end_turn", "Region 49 looks hot; I would wait.") },
			wantErr: `the model answered without the diagnosis tool (stop_reason "end_turn"): "Region 49 looks hot; I would wait."`},
		{name: "refusal",
			body: func(m string) string {
				return `{"id":"msg_01","type":"message","role":"assistant","model":"` + m + `","content":[],"stop_reason":"refusal","stop_sequence":null,` +
					`"stop_details":{"type":"refusal","category":"cyber","explanation":"declined"},"usage":{"input_tokens":1200,"output_tokens":240}}`
			},
			wantErr: `the model refused to answer (category cyber: "declined")`},
		{name: "another tool",
			body: func(m string) string {
				return message(m, "tool_use", `[{"type":"tool_use","id":"toolu_01","name":"drain_everything","input":{}}]`)
			},
			wantErr: `called "drain_everything", a tool it was not offered`},
		{name: "two diagnoses",
			body: func(m string) string {
				call := `{"type":"tool_use","id":"toolu_0%d","name":"record_diagnosis","input":` + goodInput + `}`
				return message(m, "tool_use", "["+strings.Replace(call, "%d", "1", 1)+","+strings.Replace(call, "%d", "2", 1)+"]")
			},
			wantErr: "called the diagnosis tool 2 times"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t, testKey, func(n int, req *wireRequest) reply {
				return reply{status: 200, body: tc.body(req.Model)}
			})
			p := newProvider(t, f, nil)
			ans, err := p.Diagnose(context.Background(), testRequest(nil))
			if err == nil {
				t.Fatalf("no error; answer %s", ans.Raw)
			}
			if !strings.Contains(err.Error(), tc.wantErr) || !strings.HasPrefix(err.Error(), "anthropic: diagnose ticket 7: ") {
				t.Errorf("error %q, want it to contain %q", err, tc.wantErr)
			}
			if ans.Raw != nil {
				t.Errorf("a failed call passed on %s", ans.Raw)
			}
			// The call was billed, so its cost is reported with the error.
			if ans.Usage.OutputTokens != fakeOutputTokens || ans.Usage.Attempts != 1 || ans.Usage.CostUSD == 0 {
				t.Errorf("Usage = %+v", ans.Usage)
			}
		})
	}
}

// The provider does not judge the diagnosis: nonsense comes back as the
// model wrote it, and Check refuses it.
func TestDiagnosePassesNonsenseToCheck(t *testing.T) {
	cases := []struct {
		name   string
		input  string
		status ticket.DiagnosisStatus
		field  string
		reason string
	}{
		{name: "a store the context never showed",
			input: diagnosisInput(t, func(m map[string]any) {
				m["proposed_action"].(map[string]any)["params"] = map[string]any{"region_id": 49, "to_store_id": 99}
			}),
			status: ticket.DiagnosisProposalRefused, field: "proposed_action.params.to_store_id", reason: "store 99 is not in this ticket's context"},
		{name: "an array", input: `[1, 2]`, status: ticket.DiagnosisRefused, field: "answer", reason: "not a diagnosis object"},
		{name: "a string", input: `"all is well"`, status: ticket.DiagnosisRefused, field: "answer", reason: "not a diagnosis object"},
		{name: "an extra field", input: diagnosisInput(t, func(m map[string]any) { m["execute_now"] = true }),
			status: ticket.DiagnosisRefused, field: "answer", reason: "execute_now"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t, testKey, func(n int, req *wireRequest) reply {
				return reply{status: 200, body: toolUse(req.Model, "tool_use", tc.input)}
			})
			p := newProvider(t, f, nil)
			req := testRequest(nil)
			ans, err := p.Diagnose(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if string(ans.Raw) != tc.input {
				t.Errorf("Raw = %s, want %s", ans.Raw, tc.input)
			}
			got := diagnose.Check(ans.Raw, req.Context, req.Actions)
			if got.Status != tc.status || len(got.Refusals) == 0 {
				t.Fatalf("Check = %+v, want %s", got, tc.status)
			}
			if r := got.Refusals[0]; r.Field != tc.field || !strings.Contains(r.Reason, tc.reason) {
				t.Errorf("refusal %+v, want field %s with %q", r, tc.field, tc.reason)
			}
		})
	}
}

// A server that never answers costs at most Timeout, and is not retried.
func TestDiagnoseTimeout(t *testing.T) {
	const timeout = 200 * time.Millisecond
	f := newFakeAPI(t, testKey, func(int, *wireRequest) reply { return reply{hang: true} })
	p := newProvider(t, f, func(c *Config) { c.Timeout = timeout })
	start := time.Now()
	ans, err := p.Diagnose(context.Background(), testRequest(nil))
	took := time.Since(start)
	if err == nil {
		t.Fatalf("no error; answer %s", ans.Raw)
	}
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no answer within 200ms (1 attempt)") {
		t.Errorf("error %q", err)
	}
	// Far below what retries would take (three backoffs of 0.5s, 1s, 2s).
	if took < timeout || took > timeout+time.Second {
		t.Errorf("took %s, want just over %s", took, timeout)
	}
	if ans.Usage.Attempts != 1 {
		t.Errorf("attempts = %d, want 1", ans.Usage.Attempts)
	}
}

// A retry-after longer than what is left of Timeout ends the call at the
// deadline (the SDK waits it out), and the error says what was waited for.
func TestDiagnoseRetryAfterPastTheDeadline(t *testing.T) {
	const timeout = 200 * time.Millisecond
	f := newFakeAPI(t, testKey, func(int, *wireRequest) reply {
		return errorReply(429, "rate_limit_error", "slow down", map[string]string{"retry-after": "30"})
	})
	p := newProvider(t, f, func(c *Config) { c.Timeout = timeout })
	start := time.Now()
	_, err := p.Diagnose(context.Background(), testRequest(nil))
	if took := time.Since(start); took > timeout+time.Second {
		t.Errorf("took %s; Timeout is %s", took, timeout)
	}
	want := "no answer within 200ms (1 attempt; the last refused with 429 Too Many Requests, retry-after 30)"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want %q", err, want)
	}
}

// The caller's own deadline or cancellation is reported as the caller's.
func TestDiagnoseCallerCancels(t *testing.T) {
	f := newFakeAPI(t, testKey, func(int, *wireRequest) reply { return reply{hang: true} })
	p := newProvider(t, f, nil) // Timeout 10s
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := p.Diagnose(ctx, testRequest(nil))
	if err == nil || !strings.Contains(err.Error(), "stopped by the caller after 1 attempt") {
		t.Errorf("error %v", err)
	}
}

func TestDiagnoseRefusesABadRequest(t *testing.T) {
	f := newFakeAPI(t, testKey, nil)
	p := newProvider(t, f, nil)
	req := testRequest(nil)
	req.Schema = nil
	if _, err := p.Diagnose(context.Background(), req); err == nil || !strings.Contains(err.Error(), "no answer schema") {
		t.Errorf("error %v", err)
	}
	if _, err := p.Diagnose(context.Background(), diagnose.Request{}); err == nil {
		t.Error("a request without context was sent")
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("the fake saw %d requests", n)
	}
}

func TestNewDefaultsAndChecks(t *testing.T) {
	p, err := New(Config{APIKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	c := p.cfg
	if c.Model != DefaultModel || c.MaxTokens != DefaultMaxTokens || c.Timeout != DefaultTimeout || c.MaxRetries != DefaultMaxRetries ||
		c.BaseURL != DefaultBaseURL || c.InputPricePerMTok != DefaultInputPricePerMTok || c.OutputPricePerMTok != DefaultOutputPricePerMTok {
		t.Errorf("defaults: %+v", c)
	}
	if p.Name() != "anthropic" || p.Model() != DefaultModel {
		t.Errorf("Name %q Model %q", p.Name(), p.Model())
	}

	bad := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no key", Config{}, "no API key"},
		{"relative URL", Config{APIKey: testKey, BaseURL: "api.anthropic.com"}, "absolute http or https URL"},
		{"negative max tokens", Config{APIKey: testKey, MaxTokens: -1}, "negative"},
		{"negative timeout", Config{APIKey: testKey, Timeout: -time.Second}, "negative"},
		{"negative price", Config{APIKey: testKey, InputPricePerMTok: -1, OutputPricePerMTok: 1}, "negative"},
		{"another model without prices", Config{APIKey: testKey, Model: "claude-opus-5-5"}, "no token prices"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), testKey) {
				t.Errorf("error shows the key: %v", err)
			}
		})
	}
}
