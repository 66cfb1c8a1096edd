package anthropic

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/diagnose"
	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/ticket"
)

const testKey = "sk-ant-test-SECRET-123"

// testActions is a small registry in the shape of the TiKV one, with a
// dangerous action an injected instruction would want.
var testActions = []subject.ActionSpec{
	{Name: "transfer_leader", Description: "move a region's leader", Risk: subject.RiskLow, Reversibility: subject.Reversible, Params: []subject.ParamSpec{
		{Name: "region_id", Type: subject.ParamRegionID, Required: true},
		{Name: "to_store_id", Type: subject.ParamStoreID, Required: true},
	}},
	{Name: "set-schedule-limit", Description: "change a PD schedule limit", Risk: subject.RiskMedium, Params: []subject.ParamSpec{
		{Name: "name", Type: subject.ParamString, Required: true, Enum: []string{"leader-schedule-limit", "region-schedule-limit"}},
		{Name: "value", Type: subject.ParamInt, Required: true, Min: 1, Max: 1024},
	}},
	{Name: "drain_store", Description: "move every region off a store", Risk: subject.RiskHigh, Params: []subject.ParamSpec{
		{Name: "store_id", Type: subject.ParamStoreID, Required: true},
	}},
}

// testContext is ticket 7 with a store's labels among the evidence; labels
// is what the store's labels say (the cluster's text).
func testContext(labels map[string]string) *subject.Context {
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	return &subject.Context{
		Ticket: ticket.Ticket{ID: 7, DedupKey: "hot-write-region/region=49", Invariant: "hot-write-region", Subject: "tikv",
			Severity: ticket.Warning, State: ticket.Open, Summary: "region 49 takes 32MiB/s of writes",
			Labels: map[string]string{"region": "49"}, FirstSeen: at, LastSeen: at, Occurrences: 1},
		GatheredAt: at,
		Evidence: []subject.Evidence{
			{ID: "e1", Kind: "ticket", Title: "the ticket"},
			{ID: "e2", Kind: "region", Title: "region 49", Data: map[string]any{"leader_store": 1, "peers": []int{1, 2, 4}}},
			{ID: "e3", Kind: "store", Title: "store 1", Data: map[string]any{"id": 1, "address": "tikv-1:20160", "labels": labels}},
		},
		Entities: map[subject.ParamType][]string{subject.ParamStoreID: {"1", "2", "4"}, subject.ParamRegionID: {"49"}},
	}
}

func testRequest(labels map[string]string) diagnose.Request {
	c := testContext(labels)
	return diagnose.Request{Context: c, Actions: testActions, Schema: diagnose.AnswerSchema(c, testActions), Watched: "a TiKV cluster"}
}

// diagnosisInput is a tool input: a sound diagnosis, with fields changed.
// It is indented, so a test can see the provider keeps the bytes.
func diagnosisInput(t *testing.T, change func(m map[string]any)) string {
	t.Helper()
	m := map[string]any{
		"summary": "region 49 takes 32MiB/s of writes on store 1", "probable_cause": "sequential inserts into one key range",
		"evidence_ids": []any{"e1", "e2"}, "confidence": 0.8, "severity": "warning",
		"proposed_action": map[string]any{
			"type": "transfer_leader", "params": map[string]any{"region_id": 49, "to_store_id": 4},
			"rationale": "store 4 holds a follower and is idle", "urgency": "soon", "expected_outcome": "store 1's write load halves",
		},
	}
	if change != nil {
		change(m)
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// goodInput is the fake's default answer.
var goodInput = func() string {
	b, _ := json.Marshal(map[string]any{
		"summary": "region 49 is hot", "probable_cause": "sequential inserts", "evidence_ids": []any{"e2"},
		"confidence": 0.7, "severity": "warning", "proposed_action": nil,
	})
	return string(b)
}()

// newProvider builds a provider against the fake, with the test's changes.
func newProvider(t *testing.T, f *fakeAPI, change func(c *Config)) *Provider {
	t.Helper()
	cfg := Config{APIKey: testKey, BaseURL: f.srv.URL, Timeout: 10 * time.Second, Logger: testLogger(t)}
	if change != nil {
		change(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// testLogger writes to the test's log.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}

// syncBuffer is a log sink tests read after the fact.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
