package anthropic

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The key goes in the credential header and nowhere else: not in a log
// line, an error, a request body, another header or an answer, whatever
// the call's fate, and not when a Config or a Provider is printed.
func TestKeyStaysInTheCredentialHeader(t *testing.T) {
	echo := "invalid header x-api-key: " + testKey // a proxy that echoes what it got
	scenarios := map[string]func(n int, req *wireRequest) reply{
		"answer": nil,
		"429 then answer": func(n int, req *wireRequest) reply {
			if n == 1 {
				return errorReply(429, "rate_limit_error", "slow down", map[string]string{"retry-after": "0"})
			}
			return reply{status: 200, body: toolUse(req.Model, "tool_use", goodInput)}
		},
		"529 always": func(int, *wireRequest) reply {
			return errorReply(529, "overloaded_error", "Overloaded", map[string]string{"retry-after": "0"})
		},
		"400": func(int, *wireRequest) reply { return errorReply(400, "invalid_request_error", "bad", nil) },
		"401": func(int, *wireRequest) reply {
			return errorReply(401, "authentication_error", "invalid x-api-key", nil)
		},
		"an echoed key": func(int, *wireRequest) reply { return errorReply(400, "invalid_request_error", echo, nil) },
		"truncated": func(n int, req *wireRequest) reply {
			return reply{status: 200, body: toolUse(req.Model, "max_tokens", `{"summary":"x"}`)}
		},
		"prose": func(n int, req *wireRequest) reply {
			return reply{status: 200, body: textOnly(req.Model, "end_turn", "no tool")}
		},
		"no answer ever": func(int, *wireRequest) reply { return reply{hang: true} },
	}
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	for name, script := range scenarios {
		t.Run(name, func(t *testing.T) {
			f := newFakeAPI(t, testKey, script)
			cfg := Config{APIKey: testKey, BaseURL: f.srv.URL, Timeout: 300 * time.Millisecond, MaxRetries: 2, Logger: logger}
			p, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			logger.Info("provider configured", "config", cfg)
			ans, err := p.Diagnose(context.Background(), testRequest(map[string]string{"zone": "z1"}))
			if err != nil {
				if strings.Contains(err.Error(), testKey) {
					t.Errorf("the error shows the key: %v", err)
				}
				if name == "an echoed key" && !strings.Contains(err.Error(), "[redacted]") {
					t.Errorf("the echoed key was not replaced: %v", err)
				}
			}
			if strings.Contains(string(ans.Raw), testKey) {
				t.Errorf("the answer holds the key")
			}
			seen := f.requests()
			if len(seen) == 0 {
				t.Fatal("no request reached the fake")
			}
			for i, s := range seen {
				if strings.Contains(string(s.body), testKey) {
					t.Errorf("request %d: the body holds the key", i)
				}
				carriers := headersHolding(s.header, testKey)
				if len(carriers) != 1 || (carriers[0] != "Authorization" && carriers[0] != "X-Api-Key") {
					t.Errorf("request %d: the key is in headers %v, want exactly the credential header", i, carriers)
				}
			}
			for _, shown := range []string{
				fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), fmt.Sprintf("%v", &cfg),
				fmt.Sprintf("%+v", p), fmt.Sprintf("%#v", p),
			} {
				if strings.Contains(shown, testKey) {
					t.Errorf("printing shows the key: %s", shown)
				}
			}
		})
	}
	if strings.Contains(logs.String(), testKey) {
		t.Errorf("the logs show the key:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "anthropic attempt refused") || !strings.Contains(logs.String(), "api_key=(set)") {
		t.Errorf("the logs lack the lines this test means to check:\n%s", logs.String())
	}
}

func headersHolding(h http.Header, s string) []string {
	var out []string
	for k, vs := range h {
		for _, v := range vs {
			if strings.Contains(v, s) {
				out = append(out, k)
			}
		}
	}
	return out
}
