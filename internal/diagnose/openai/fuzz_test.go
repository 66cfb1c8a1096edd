package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

// fuzzKey is the API key of the fuzzed provider.
const fuzzKey = "sk-fuzz-SECRET-4242"

// cannedServer answers every request with the same status and body.
type cannedServer struct {
	status int
	body   []byte
}

func (c cannedServer) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	return &http.Response{StatusCode: c.status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(c.body)), ContentLength: int64(len(c.body)), Request: req}, nil
}

// FuzzChatCompletionResponse serves one (status, body) as an
// OpenAI-compatible server's answer, through the SDK and toolArguments.
// Whatever the server says: no panic; a success is the arguments of one
// record_diagnosis call, as JSON; a failure never shows the API key (even
// when the body echoes it), nor does any log line.
func FuzzChatCompletionResponse(f *testing.F) {
	args := `{"summary":"s","probable_cause":"c","evidence_ids":["e1"],"confidence":0.5,"severity":"info"}`
	quoted, _ := json.Marshal(args)
	f.Add(uint16(200), []byte(`{"id":"c1","object":"chat.completion","model":"m","choices":[{"index":0,"finish_reason":"tool_calls",`+
		`"message":{"role":"assistant","tool_calls":[{"id":"t1","type":"function","function":{"name":"`+toolName+`","arguments":`+string(quoted)+`}}]}}],`+
		`"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}}`))
	f.Add(uint16(200), []byte(`{"choices":[{"finish_reason":"stop","message":{"tool_calls":[{"function":{"name":"`+toolName+`","arguments":`+args+`}}]}}]}`))
	f.Add(uint16(200), []byte(`{"choices":[{"finish_reason":"length","message":{"content":"`+fuzzKey+`"}}]}`))
	f.Add(uint16(200), []byte(`{"choices":[]}`))
	f.Add(uint16(401), []byte(`{"error":{"message":"Incorrect API key provided: `+fuzzKey+`","type":"invalid_request_error","code":"invalid_api_key"}}`))
	f.Add(uint16(500), []byte(`<html>upstream `+fuzzKey+`</html>`))
	req := testRequest(testContext("z1"))
	f.Fuzz(func(t *testing.T, st uint16, body []byte) {
		var logs bytes.Buffer
		p, err := New(Config{BaseURL: "http://llm.fuzz/v1", Model: "m", APIKey: fuzzKey, MaxRetries: -1, Timeout: 10 * time.Second,
			HTTPClient: &http.Client{Transport: cannedServer{status: 100 + int(st)%500, body: body}},
			Logger:     slog.New(slog.NewTextHandler(&logs, nil))})
		if err != nil {
			t.Fatal(err)
		}
		ans, err := p.Diagnose(context.Background(), req)
		if strings.Contains(logs.String(), fuzzKey) {
			t.Fatalf("a log line shows the key:\n%s", logs.String())
		}
		if err != nil {
			if strings.Contains(err.Error(), fuzzKey) {
				t.Fatalf("the error shows the key: %q", err.Error())
			}
			if ans.Raw != nil {
				t.Fatalf("a failure carries an answer: %s", ans.Raw)
			}
			return
		}
		if len(ans.Raw) == 0 {
			t.Fatal("success without an answer")
		}
		if ans.Usage.InputTokens < 0 || ans.Usage.OutputTokens < 0 {
			t.Fatalf("usage %+v", ans.Usage)
		}
	})
}
