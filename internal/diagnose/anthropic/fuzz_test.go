package anthropic

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

// cannedAPI answers every request with the same status and body.
type cannedAPI struct {
	status int
	body   []byte
}

func (c cannedAPI) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	h := http.Header{"Content-Type": {"application/json"}, "Request-Id": {"req_fuzz"}}
	return &http.Response{StatusCode: c.status, Header: h, Body: io.NopCloser(bytes.NewReader(c.body)),
		ContentLength: int64(len(c.body)), Request: req}, nil
}

// FuzzMessagesResponse serves one (status, body) as the Messages API's
// answer to a diagnosis request, through the SDK and toolInput. Whatever
// the server says: no panic; a success is one tool input of valid JSON; a
// failure says which ticket; and neither the error nor any log line shows
// the API key, even when the body echoes it.
func FuzzMessagesResponse(f *testing.F) {
	input := `{"summary":"s","probable_cause":"c","evidence_ids":["e1"],"confidence":0.5,"severity":"info"}`
	f.Add(uint16(200), []byte(`{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","stop_reason":"tool_use",`+
		`"content":[{"type":"tool_use","id":"toolu_1","name":"`+toolName+`","input":`+input+`}],"usage":{"input_tokens":10,"output_tokens":5}}`))
	f.Add(uint16(200), []byte(`{"id":"msg_1","type":"message","role":"assistant","stop_reason":"end_turn","content":[{"type":"text","text":"I think `+testKey+`"}]}`))
	f.Add(uint16(200), []byte(`{"type":"message","stop_reason":"max_tokens","content":[{"type":"tool_use","name":"`+toolName+`","input":{}}]}`))
	f.Add(uint16(400), []byte(`{"type":"error","error":{"type":"invalid_request_error","message":"bad key `+testKey+`"}}`))
	f.Add(uint16(529), []byte(`{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`))
	f.Add(uint16(200), []byte(`{"content":null}`))
	req := testRequest(map[string]string{"zone": "z1"})
	f.Fuzz(func(t *testing.T, st uint16, body []byte) {
		var logs bytes.Buffer
		p, err := New(Config{APIKey: testKey, BaseURL: "http://anthropic.fuzz", MaxRetries: -1, Timeout: 10 * time.Second,
			HTTPClient: &http.Client{Transport: cannedAPI{status: 100 + int(st)%500, body: body}},
			Logger:     slog.New(slog.NewTextHandler(&logs, nil))})
		if err != nil {
			t.Fatal(err)
		}
		ans, err := p.Diagnose(context.Background(), req)
		if strings.Contains(logs.String(), testKey) {
			t.Fatalf("a log line shows the key:\n%s", logs.String())
		}
		if err != nil {
			msg := err.Error()
			if strings.Contains(msg, testKey) {
				t.Fatalf("the error shows the key: %q", msg)
			}
			if !strings.HasPrefix(msg, "anthropic: diagnose ticket 7: ") {
				t.Fatalf("the error does not say what failed: %q", msg)
			}
			if ans.Raw != nil {
				t.Fatalf("a failure carries an answer: %s", ans.Raw)
			}
			return
		}
		if !json.Valid(ans.Raw) {
			t.Fatalf("answer is not JSON: %q", ans.Raw)
		}
		if ans.Usage.InputTokens < 0 || ans.Usage.OutputTokens < 0 {
			t.Fatalf("usage %+v", ans.Usage)
		}
	})
}
