package eval

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/diagnose"
	"github.com/operator-dev/operator/internal/diagnose/anthropic"
)

// fakeModel is a stand-in for Anthropic's Messages API: a real HTTP server
// answering POST /v1/messages in the API's wire format, with the diagnosis
// tool's input (or an error) the test scripts. The eval judges the real
// anthropic provider talking to it.
type fakeModel struct {
	srv *httptest.Server
	// answer returns the tool input for a request whose prompt is given,
	// or a status >= 400 to answer an API error instead.
	answer func(prompt string) (input string, status int)

	mu      sync.Mutex
	prompts []string
}

func newFakeModel(t *testing.T, answer func(prompt string) (string, int)) *fakeModel {
	t.Helper()
	f := &fakeModel{answer: answer}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeModel) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	authorized := r.Header.Get("X-Api-Key") == "test-key" || r.Header.Get("Authorization") == "Bearer test-key"
	if r.Method != http.MethodPost || r.URL.Path != "/v1/messages" || !authorized {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}`)
		return
	}
	var req struct {
		Model    string `json:"model"`
		Messages []struct {
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
	}
	json.Unmarshal(body, &req)
	var prompt strings.Builder
	for _, m := range req.Messages {
		prompt.Write(m.Content)
	}
	f.mu.Lock()
	f.prompts = append(f.prompts, prompt.String())
	f.mu.Unlock()
	input, status := f.answer(prompt.String())
	w.Header().Set("Content-Type", "application/json")
	if status >= 400 {
		w.WriteHeader(status)
		io.WriteString(w, `{"type":"error","error":{"type":"api_error","message":"scripted failure"}}`)
		return
	}
	fmt.Fprintf(w, `{"id":"msg_01","type":"message","role":"assistant","model":%q,`+
		`"content":[{"type":"tool_use","id":"toolu_01","name":%q,"input":%s}],`+
		`"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":1000,"output_tokens":200}}`,
		req.Model, diagnose.ToolName, input)
}

func (f *fakeModel) requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.prompts)
}

// provider is the real anthropic provider pointed at the fake, without
// retries (a scripted failure is final).
func (f *fakeModel) provider(t *testing.T) diagnose.Provider {
	t.Helper()
	p, err := anthropic.New(anthropic.Config{APIKey: "test-key", BaseURL: f.srv.URL, Model: "claude-test",
		Timeout: 10 * time.Second, MaxRetries: -1, InputPricePerMTok: 3, OutputPricePerMTok: 15})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// diagnosisInput is a well-formed diagnosis citing the ticket's evidence,
// proposing the given action (JSON, "" for none).
func diagnosisInput(cause, proposal string) string {
	in := fmt.Sprintf(`{"summary":"scripted","probable_cause":%q,"evidence_ids":["e1"],"confidence":0.8,"severity":"warning"`, cause)
	if proposal != "" {
		in += `,"proposed_action":` + proposal
	}
	return in + "}"
}
