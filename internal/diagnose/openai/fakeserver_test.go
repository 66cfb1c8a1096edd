package openai

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fakeServer is an OpenAI-compatible chat completions server. It decodes
// each request the way a real server receives it (its own wire types, not
// the SDK's), records it, and answers with what the test's reply function
// says, in the real wire format.
type fakeServer struct {
	t     *testing.T
	srv   *httptest.Server
	reply func(n int, req chatRequest) reply // n counts requests from 1

	mu       sync.Mutex
	requests []seenRequest
}

// seenRequest is one request as it arrived.
type seenRequest struct {
	Header http.Header
	Body   []byte
	Req    chatRequest
}

// chatRequest is POST /chat/completions' body, the fields a server reads.
type chatRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
	Tools []struct {
		Type     string `json:"type"`
		Function struct {
			Name        string         `json:"name"`
			Description string         `json:"description"`
			Parameters  map[string]any `json:"parameters"`
			Strict      *bool          `json:"strict"`
		} `json:"function"`
	} `json:"tools"`
	ToolChoice          json.RawMessage `json:"tool_choice"`
	MaxTokens           *int64          `json:"max_tokens"`
	MaxCompletionTokens *int64          `json:"max_completion_tokens"`
	Stream              bool            `json:"stream"`
}

// text is the content of the first message with the role, as a string.
func (r chatRequest) text(role string) string {
	for _, m := range r.Messages {
		if m.Role != role {
			continue
		}
		var s string
		if err := json.Unmarshal(m.Content, &s); err == nil {
			return s
		}
		// The array-of-parts form: join the text parts.
		var parts []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		}
		if err := json.Unmarshal(m.Content, &parts); err == nil {
			var b strings.Builder
			for _, p := range parts {
				b.WriteString(p.Text)
			}
			return b.String()
		}
	}
	return ""
}

// reply is one answer: a status, headers, and a body (JSON-encoded unless
// it is a string, which is sent as is).
type reply struct {
	status int
	header map[string]string
	body   any
}

func newFakeServer(t *testing.T, fn func(n int, req chatRequest) reply) *fakeServer {
	t.Helper()
	f := &fakeServer{t: t, reply: fn}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// baseURL is where a client points: the API root under /v1, as for most
// local servers.
func (f *fakeServer) baseURL() string { return f.srv.URL + "/v1" }

func (f *fakeServer) seen() []seenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seenRequest(nil), f.requests...)
}

func (f *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
		writeReply(w, apiError(http.StatusNotFound, fmt.Sprintf("Invalid URL (%s %s)", r.Method, r.URL.Path), "invalid_request_error", ""))
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeReply(w, apiError(http.StatusBadRequest, "cannot read body", "invalid_request_error", ""))
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		writeReply(w, apiError(http.StatusBadRequest, "content type "+ct+" is not JSON", "invalid_request_error", ""))
		return
	}
	var req chatRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeReply(w, apiError(http.StatusBadRequest, "We could not parse the JSON body of your request.", "invalid_request_error", ""))
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, seenRequest{Header: r.Header.Clone(), Body: body, Req: req})
	n := len(f.requests)
	f.mu.Unlock()
	rep := f.reply(n, req)
	if rep.status == -1 { // hang until the client gives up
		<-r.Context().Done()
		return
	}
	writeReply(w, rep)
}

func writeReply(w http.ResponseWriter, rep reply) {
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	status := rep.status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	switch b := rep.body.(type) {
	case string:
		io.WriteString(w, b)
	default:
		json.NewEncoder(w).Encode(b)
	}
}

// completion is a chat.completion object with one choice.
func completion(message map[string]any, finish string) map[string]any {
	message["role"] = "assistant"
	return map[string]any{
		"id": "chatcmpl-test", "object": "chat.completion", "created": 1730000000, "model": "qwen2.5:14b-served",
		"system_fingerprint": "fp_test",
		"choices":            []any{map[string]any{"index": 0, "message": message, "logprobs": nil, "finish_reason": finish}},
		"usage":              map[string]any{"prompt_tokens": 1000, "completion_tokens": 200, "total_tokens": 1200},
	}
}

// toolCall is a reply calling the named function with arguments, sent as
// the JSON string OpenAI sends.
func toolCall(name, arguments, finish string) reply {
	return reply{body: completion(map[string]any{
		"content": nil, "refusal": nil,
		"tool_calls": []any{map[string]any{
			"id": "call_1", "type": "function",
			"function": map[string]any{"name": name, "arguments": arguments},
		}},
	}, finish)}
}

func diagnosisCall(arguments string) reply { return toolCall(toolName, arguments, "tool_calls") }

// text is a reply in prose.
func text(content, finish string) reply {
	return reply{body: completion(map[string]any{"content": content, "refusal": nil}, finish)}
}

// apiError is OpenAI's error shape.
func apiError(status int, message, typ, code string) reply {
	var c any
	if code != "" {
		c = code
	}
	return reply{status: status, body: map[string]any{"error": map[string]any{
		"message": message, "type": typ, "param": nil, "code": c,
	}}}
}

// retryable is an error a real server marks for an immediate retry.
func retryable(status int, message string) reply {
	r := apiError(status, message, "server_error", "")
	r.header = map[string]string{"Retry-After": "0"}
	return r
}
