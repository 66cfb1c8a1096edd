package app

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/config"
	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/ticket"
	"github.com/operator-dev/operator/internal/ticketview"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

// syncBuffer is a log sink several goroutines may write.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// diagnosisRig is the daemon as wired, against pdsim on a manual clock,
// with a store killed long enough for PD to call it Down. Its monitor and
// runner are driven by hand.
func diagnosisRig(t *testing.T, cfg func(*config.Config), env map[string]string) (*App, *syncBuffer) {
	t.Helper()
	clock := pdsim.NewManualClock(time.Now().UTC().Truncate(time.Second))
	sim := pdsim.New(pdsim.Options{Stores: 5, Regions: 100, Clock: clock, MaxStoreDownTime: time.Minute})
	srv := httptest.NewServer(pdsim.NewServer(sim, "http://127.0.0.1:2379"))
	t.Cleanup(srv.Close)
	c := testConfig(t, srv.URL)
	if cfg != nil {
		cfg(c)
	}
	logs := &syncBuffer{}
	a, err := NewWithEnv(context.Background(), c, slog.New(slog.NewTextHandler(logs, nil)),
		func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.store.Close() })
	if err := sim.Inject(pdsim.Fault{Type: "kill-store", Store: 3}); err != nil {
		t.Fatal(err)
	}
	for range 9 {
		clock.Advance(10 * time.Second)
		if _, err := a.monitor.Eval(context.Background(), time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	return a, logs
}

// With no key configured, every ticket is still diagnosed, by the rules
// provider, and the daemon says so.
func TestDiagnosisWithoutAKeyUsesTheRules(t *testing.T) {
	a, logs := diagnosisRig(t, func(c *config.Config) { c.Diagnosis.Provider = config.ProviderAnthropic }, nil)
	if !strings.Contains(logs.String(), "no API key in the environment: diagnosing with the offline rules provider only") ||
		!strings.Contains(logs.String(), "ANTHROPIC_API_KEY") {
		t.Fatalf("the daemon did not say it runs on the rules alone:\n%s", logs)
	}
	if _, err := a.runner.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	tk, err := a.store.GetByKey(context.Background(), "store-down/store=3")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := a.store.LatestDiagnoses(context.Background(), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Provider != "rules" || recs[0].Status != ticket.DiagnosisOK {
		t.Fatalf("diagnoses: %+v", recs)
	}
	got, _ := a.store.Get(context.Background(), tk.ID)
	if got.State != ticket.Diagnosed {
		t.Errorf("ticket %s, want diagnosed", got.State)
	}
}

// The API key reaches the model's server in its header and nowhere else:
// not the logs, not the stored tickets and diagnoses, even when a hostile
// proxy echoes it back in an error.
func TestDiagnosisKeyNeverLeaves(t *testing.T) {
	const secret = "sk-ant-api03-SECRET-never-store-me"
	var seen sync.Map
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := r.Header.Get("X-Api-Key") + r.Header.Get("Authorization")
		seen.Store("header", strings.Contains(got, secret))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"type":"error","error":{"type":"invalid_request_error","message":"bad credentials %s"}}`, got)
	}))
	defer echo.Close()
	a, logs := diagnosisRig(t, func(c *config.Config) {
		c.Diagnosis.Provider = config.ProviderAnthropic
		c.Diagnosis.Anthropic.BaseURL = echo.URL
	}, map[string]string{"ANTHROPIC_API_KEY": secret})
	if _, err := a.runner.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	if v, _ := seen.Load("header"); v != true {
		t.Fatal("the key did not reach the model's server in its header")
	}
	ctx := context.Background()
	all, err := a.store.List(ctx, store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, tk := range all {
		recs, err := a.store.Diagnoses(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if r.Provider == "anthropic" && r.Status == ticket.DiagnosisFailed {
				failed++
			}
		}
	}
	if failed == 0 {
		t.Fatal("no failed anthropic record: the test did not exercise the echo")
	}
	if strings.Contains(logs.String(), secret) {
		t.Error("the key is in the logs")
	}
	if err := a.store.Close(); err != nil {
		t.Fatal(err)
	}
	matches, _ := filepath.Glob(a.cfg.DB.Path + "*") // the database, its WAL and shared memory
	for _, f := range matches {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("the key is stored in %s", f)
		}
	}
}

// A model that names a store the cluster does not have gets its proposal
// refused, on the record and in the ticket's rendering, while the rules'
// diagnosis stands; the two disagree, so the round is disputed.
func TestDiagnosisModelNamingStore99IsRefused(t *testing.T) {
	var sawRole sync.Once
	role := false
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/messages" {
			http.NotFound(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		sawRole.Do(func() { role = strings.Contains(string(body), "engineer for a TiKV cluster") })
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-6",
			"content":[{"type":"tool_use","id":"toolu_01","name":"record_diagnosis","input":{
				"summary":"store 3 is down","probable_cause":"the TiKV process on store 3 crashed","evidence_ids":["e1","e2"],
				"confidence":0.9,"severity":"critical",
				"proposed_action":{"type":"drain_store","params":{"store_id":99},"rationale":"remove the dead store",
					"urgency":"soon","expected_outcome":"PD moves its replicas"}}}],
			"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":1500,"output_tokens":220}}`)
	}))
	defer fake.Close()
	a, _ := diagnosisRig(t, func(c *config.Config) {
		c.Diagnosis.Provider = config.ProviderAnthropic
		c.Diagnosis.Anthropic.BaseURL = fake.URL
	}, map[string]string{"ANTHROPIC_API_KEY": "sk-ant-test"})
	ctx := context.Background()
	if _, err := a.runner.Once(ctx); err != nil {
		t.Fatal(err)
	}
	tk, err := a.store.GetByKey(ctx, "store-down/store=3")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := a.store.LatestDiagnoses(ctx, tk.ID)
	if err != nil || len(recs) != 2 {
		t.Fatalf("records %+v %v", recs, err)
	}
	rules, model := recs[0], recs[1]
	if rules.Provider != "rules" || rules.Status != ticket.DiagnosisOK {
		t.Errorf("rules record %+v", rules)
	}
	if model.Provider != "anthropic" || model.Status != ticket.DiagnosisProposalRefused || model.Diagnosis == nil ||
		model.Diagnosis.Proposal != nil || len(model.Refusals) == 0 || !strings.Contains(model.Refusals[0].Reason, "store 99") {
		t.Fatalf("model record %+v", model)
	}
	if model.Usage.InputTokens != 1500 || model.Usage.OutputTokens != 220 || model.Usage.CostUSD <= 0 {
		t.Errorf("usage %+v", model.Usage)
	}
	if !model.Disputed || model.Diagnosis.Confidence > 0.5 {
		t.Errorf("disagreeing with the rules must be disputed and capped: %+v", model)
	}
	if !role {
		t.Error("the model was not told it looks at a TiKV cluster")
	}
	var out bytes.Buffer
	if err := ticketview.Diagnoses(&out, recs); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "store 99") {
		t.Errorf("the rendering does not show the refusal:\n%s", out.String())
	}
}

// The configured token prices reach the providers: an Anthropic model other
// than the provider's default starts only with its prices, and an
// OpenAI-compatible model without prices is warned about when a cost budget
// is set, since its cost is always $0.
func TestDiagnosisPrices(t *testing.T) {
	sim := httptest.NewServer(pdsim.NewServer(pdsim.New(pdsim.Options{Stores: 3, Regions: 30}), "http://127.0.0.1:2379"))
	t.Cleanup(sim.Close)
	env := func(k string) (string, bool) {
		v, ok := map[string]string{"ANTHROPIC_API_KEY": "sk-ant-test", "OPENAI_API_KEY": "sk-test"}[k]
		return v, ok
	}
	start := func(t *testing.T, set func(d *config.Diagnosis)) (string, error) {
		t.Helper()
		c := testConfig(t, sim.URL)
		set(&c.Diagnosis)
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		logs := &syncBuffer{}
		a, err := NewWithEnv(context.Background(), c, slog.New(slog.NewTextHandler(logs, nil)), env)
		if err == nil {
			a.store.Close()
		}
		return logs.String(), err
	}

	opus := func(d *config.Diagnosis) {
		d.Provider = config.ProviderAnthropic
		d.Anthropic.Model = "claude-opus-4-1"
	}
	if _, err := start(t, opus); err == nil || !strings.Contains(err.Error(), "anthropic claude-opus-4-1: no token prices configured") {
		t.Errorf("anthropic model without prices: NewWithEnv error = %v", err)
	}
	if _, err := start(t, func(d *config.Diagnosis) {
		opus(d)
		d.Anthropic.InputPricePerMTok, d.Anthropic.OutputPricePerMTok = 15, 75
	}); err != nil {
		t.Errorf("anthropic model with prices: NewWithEnv error = %v", err)
	}

	const warning = "diagnosis.max-cost-per-ticket cannot apply"
	local := func(d *config.Diagnosis) {
		d.Provider = config.ProviderOpenAI
		d.OpenAI.BaseURL = "http://127.0.0.1:1/v1"
		d.OpenAI.Model = "qwen2.5:14b"
	}
	for _, tt := range []struct {
		name string
		set  func(d *config.Diagnosis)
		warn bool
	}{
		{"free model, cost budget", local, true},
		{"free model, no cost budget", func(d *config.Diagnosis) { local(d); d.MaxCostPerTicket = 0 }, false},
		{"priced model", func(d *config.Diagnosis) {
			local(d)
			d.OpenAI.InputPricePerMTok, d.OpenAI.OutputPricePerMTok = 0.4, 1.6
		}, false},
	} {
		logs, err := start(t, tt.set)
		if err != nil {
			t.Errorf("%s: NewWithEnv error = %v", tt.name, err)
			continue
		}
		if got := strings.Contains(logs, warning); got != tt.warn {
			t.Errorf("%s: warning logged = %v, want %v; logs:\n%s", tt.name, got, tt.warn, logs)
		}
	}
}
