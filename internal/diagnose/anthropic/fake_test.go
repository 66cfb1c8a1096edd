package anthropic

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fakeAPI stands in for the Anthropic Messages API: a real HTTP server that
// checks what the real one checks (method, path, credential, version
// header, a request body with only known fields and the required ones) and
// answers in its wire format. What it answers is scripted per request.
type fakeAPI struct {
	t   *testing.T
	key string
	srv *httptest.Server
	// script answers the nth request (from 1) that passed the checks.
	script func(n int, req *wireRequest) reply

	mu   sync.Mutex
	seen []seenRequest
	done chan struct{} // closed at cleanup, so a hanging handler returns
}

// seenRequest is one request as it arrived.
type seenRequest struct {
	header http.Header
	body   []byte
	req    wireRequest
}

// reply is one scripted answer.
type reply struct {
	status int
	header map[string]string
	body   string // JSON, written as is
	hang   bool   // answer nothing until the client gives up
}

// wireRequest is the body of POST /v1/messages. Its fields are the API's;
// an unknown field is refused, as the API refuses it.
type wireRequest struct {
	Model         string          `json:"model"`
	MaxTokens     int64           `json:"max_tokens"`
	Messages      []wireMessage   `json:"messages"`
	System        json.RawMessage `json:"system,omitempty"`
	Tools         []wireTool      `json:"tools,omitempty"`
	ToolChoice    *wireToolChoice `json:"tool_choice,omitempty"`
	Metadata      json.RawMessage `json:"metadata,omitempty"`
	StopSequences []string        `json:"stop_sequences,omitempty"`
	Stream        *bool           `json:"stream,omitempty"`
	Temperature   *float64        `json:"temperature,omitempty"`
	TopK          *int64          `json:"top_k,omitempty"`
	TopP          *float64        `json:"top_p,omitempty"`
	Thinking      json.RawMessage `json:"thinking,omitempty"`
	ServiceTier   string          `json:"service_tier,omitempty"`
	OutputConfig  json.RawMessage `json:"output_config,omitempty"`
	Container     json.RawMessage `json:"container,omitempty"`
	InferenceGeo  string          `json:"inference_geo,omitempty"`
	Speed         string          `json:"speed,omitempty"`
	CacheControl  json.RawMessage `json:"cache_control,omitempty"`
}

type wireMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"` // a string or content blocks
}

type wireTool struct {
	Name         string          `json:"name"`
	Description  string          `json:"description,omitempty"`
	InputSchema  json.RawMessage `json:"input_schema"`
	Type         string          `json:"type,omitempty"`
	CacheControl json.RawMessage `json:"cache_control,omitempty"`
	Strict       *bool           `json:"strict,omitempty"`
}

type wireToolChoice struct {
	Type                   string `json:"type"`
	Name                   string `json:"name,omitempty"`
	DisableParallelToolUse *bool  `json:"disable_parallel_tool_use,omitempty"`
}

type wireBlock struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// texts reads a string or an array of text blocks.
func texts(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return []string{s}, nil
	}
	var blocks []wireBlock
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return nil, fmt.Errorf("neither a string nor content blocks: %v", err)
	}
	out := make([]string, 0, len(blocks))
	for _, b := range blocks {
		if b.Type != "text" {
			return nil, fmt.Errorf("content block of type %q", b.Type)
		}
		out = append(out, b.Text)
	}
	return out, nil
}

// systemText is the system prompt, its blocks joined.
func (r *wireRequest) systemText() string {
	parts, _ := texts(r.System)
	return strings.Join(parts, "\n")
}

// userText is every user message's text, joined.
func (r *wireRequest) userText() string {
	var out []string
	for _, m := range r.Messages {
		if m.Role == "user" {
			parts, _ := texts(m.Content)
			out = append(out, parts...)
		}
	}
	return strings.Join(out, "\n")
}

func newFakeAPI(t *testing.T, key string, script func(n int, req *wireRequest) reply) *fakeAPI {
	t.Helper()
	f := &fakeAPI{t: t, key: key, script: script, done: make(chan struct{})}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(func() {
		close(f.done)
		f.srv.Close()
	})
	return f
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/messages" {
		writeError(w, http.StatusNotFound, "not_found_error", "Not found: "+r.Method+" "+r.URL.Path)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "unreadable body")
		return
	}
	if !f.authorized(r.Header) {
		writeError(w, http.StatusUnauthorized, "authentication_error", "invalid x-api-key")
		return
	}
	if r.Header.Get("anthropic-version") == "" {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "anthropic-version: header is required")
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "content-type must be application/json, got "+ct)
		return
	}
	var req wireRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "request body: "+err.Error())
		return
	}
	if msg := validate(&req); msg != "" {
		writeError(w, http.StatusBadRequest, "invalid_request_error", msg)
		return
	}

	f.mu.Lock()
	f.seen = append(f.seen, seenRequest{header: r.Header.Clone(), body: body, req: req})
	n := len(f.seen)
	f.mu.Unlock()

	rep := reply{status: http.StatusOK, body: toolUse(req.Model, "tool_use", goodInput)}
	if f.script != nil {
		rep = f.script(n, &req)
	}
	if rep.hang {
		select {
		case <-r.Context().Done():
		case <-f.done:
		}
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("request-id", fmt.Sprintf("req_fake%03d", n))
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(rep.status)
	_, _ = io.WriteString(w, rep.body)
}

// authorized accepts the key where the API does: x-api-key, or a bearer
// token (what this SDK version sends for an API key).
func (f *fakeAPI) authorized(h http.Header) bool {
	return h.Get("x-api-key") == f.key || h.Get("Authorization") == "Bearer "+f.key
}

// validate checks the fields the API requires, as it does.
func validate(r *wireRequest) string {
	switch {
	case r.Model == "":
		return "model: Field required"
	case r.MaxTokens < 1:
		return "max_tokens: must be at least 1"
	case len(r.Messages) == 0:
		return "messages: at least one message is required"
	case r.Messages[0].Role != "user":
		return "messages: first message must use the \"user\" role"
	}
	if _, err := texts(r.System); err != nil {
		return "system: " + err.Error()
	}
	for i, m := range r.Messages {
		if _, err := texts(m.Content); err != nil {
			return fmt.Sprintf("messages.%d.content: %v", i, err)
		}
	}
	names := map[string]bool{}
	for i, t := range r.Tools {
		var schema struct {
			Type string `json:"type"`
		}
		if t.Name == "" || json.Unmarshal(t.InputSchema, &schema) != nil || schema.Type != "object" {
			return fmt.Sprintf("tools.%d: a custom tool needs a name and an input_schema of type object", i)
		}
		names[t.Name] = true
	}
	if c := r.ToolChoice; c != nil {
		switch c.Type {
		case "auto", "any", "none":
		case "tool":
			if !names[c.Name] {
				return fmt.Sprintf("tool_choice: tool %q not found in tools", c.Name)
			}
		default:
			return fmt.Sprintf("tool_choice.type: %q is not one of auto, any, tool, none", c.Type)
		}
	}
	return ""
}

// requests is what the fake has seen so far.
func (f *fakeAPI) requests() []seenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seenRequest(nil), f.seen...)
}

func (f *fakeAPI) last(t *testing.T) seenRequest {
	t.Helper()
	seen := f.requests()
	if len(seen) == 0 {
		t.Fatal("the fake API saw no request")
	}
	return seen[len(seen)-1]
}

func writeError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, errorBody(typ, msg))
}

func errorBody(typ, msg string) string {
	return fmt.Sprintf(`{"type":"error","error":{"type":%s,"message":%s}}`, quote(typ), quote(msg))
}

// errorReply is an API error with optional headers (retry-after...).
func errorReply(status int, typ, msg string, header map[string]string) reply {
	return reply{status: status, header: header, body: errorBody(typ, msg)}
}

// Token counts every fake message reports.
const (
	fakeInputTokens  = 1200
	fakeOutputTokens = 240
)

// toolUse is a message whose content is one call of the diagnosis tool.
// input goes in as written, so a test can check it comes back byte for byte.
func toolUse(model, stop, input string) string {
	return message(model, stop, `[{"type":"tool_use","id":"toolu_01FakeFakeFake","name":"record_diagnosis","input":`+input+`}]`)
}

// textOnly is a message of prose alone.
func textOnly(model, stop, text string) string {
	return message(model, stop, `[{"type":"text","text":`+quote(text)+`}]`)
}

func message(model, stop, content string) string {
	return `{"id":"msg_01FakeFakeFake","type":"message","role":"assistant","model":` + quote(model) +
		`,"content":` + content + `,"stop_reason":` + quote(stop) + `,"stop_sequence":null,` +
		fmt.Sprintf(`"usage":{"input_tokens":%d,"output_tokens":%d}}`, fakeInputTokens, fakeOutputTokens)
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
