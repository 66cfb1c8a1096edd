package openai

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	oai "github.com/openai/openai-go/v3"

	"github.com/operator-dev/operator/internal/ticket"
)

// Scenarios 2–4: the SDK retries 429 and 5xx (honouring Retry-After), not 4xx.
func TestDiagnoseRetries(t *testing.T) {
	cases := []struct {
		name     string
		reply    func(n int) reply
		attempts int
		err      []string // substrings of the error; none: success
	}{
		{name: "429 then success", attempts: 2, reply: func(n int) reply {
			if n == 1 {
				r := retryable(http.StatusTooManyRequests, "Rate limit reached for requests")
				r.body.(map[string]any)["error"].(map[string]any)["type"] = "requests"
				return r
			}
			return diagnosisCall(answerJSON(4))
		}},
		{name: "503 always", attempts: DefaultMaxRetries + 1,
			reply: func(int) reply { return retryable(http.StatusServiceUnavailable, "The engine is currently overloaded") },
			err:   []string{"503 Service Unavailable", "The engine is currently overloaded"}},
		{name: "500 always", attempts: DefaultMaxRetries + 1,
			reply: func(int) reply { return retryable(http.StatusInternalServerError, "upstream model crashed") },
			err:   []string{"500 Internal Server Error", "upstream model crashed"}},
		{name: "400 at once", attempts: 1,
			reply: func(int) reply {
				return apiError(http.StatusBadRequest, "Invalid schema for function 'record_diagnosis'", "invalid_request_error", "invalid_function_parameters")
			},
			err: []string{"400 Bad Request", "Invalid schema for function 'record_diagnosis'", "invalid_request_error", "invalid_function_parameters"}},
		{name: "401 at once", attempts: 1,
			reply: func(int) reply {
				return apiError(http.StatusUnauthorized, "Incorrect API key provided", "invalid_request_error", "invalid_api_key")
			},
			err: []string{"401 Unauthorized", "Incorrect API key provided"}},
		{name: "404 unknown model at once (Ollama)", attempts: 1,
			reply: func(int) reply {
				return apiError(http.StatusNotFound, `model "qwen2.5:14b" not found, try pulling it first`, "api_error", "")
			},
			err: []string{"404 Not Found", `model "qwen2.5:14b" not found`}},
		{name: "llama.cpp error with a numeric code", attempts: 1,
			reply: func(int) reply {
				return reply{status: http.StatusBadRequest, body: map[string]any{"error": map[string]any{
					"code": 400, "message": "the request exceeds the available context size", "type": "exceed_context_size_error"}}}
			},
			err: []string{"400 Bad Request", "exceeds the available context size"}},
		{name: "error as a bare string", attempts: 1,
			reply: func(int) reply {
				return reply{status: http.StatusBadRequest, body: map[string]any{"error": "invalid tool_choice: record_diagnosis"}}
			},
			err: []string{"400 Bad Request", "invalid tool_choice: record_diagnosis"}},
		{name: "a proxy's HTML page", attempts: DefaultMaxRetries + 1,
			reply: func(int) reply {
				return reply{status: http.StatusBadGateway, header: map[string]string{"Content-Type": "text/html", "Retry-After": "0"},
					body: "<html><body><h1>502 Bad Gateway</h1>\n<p>nginx</p></body></html>"}
			},
			err: []string{"502 Bad Gateway", "nginx"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeServer(t, func(n int, _ chatRequest) reply { return tc.reply(n) })
			p := newProvider(t, f, nil)
			c := testContext("z1")
			ans, err := p.Diagnose(context.Background(), testRequest(c))
			if got := len(f.seen()); got != tc.attempts {
				t.Errorf("server saw %d requests, want %d", got, tc.attempts)
			}
			if ans.Usage.Attempts != tc.attempts {
				t.Errorf("Attempts = %d, want %d", ans.Usage.Attempts, tc.attempts)
			}
			if len(tc.err) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if got := check(t, ans, c); got.Status != ticket.DiagnosisOK {
					t.Errorf("Check: %+v", got)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error; answer %s", ans.Raw)
			}
			t.Log(err)
			if ans.Raw != nil {
				t.Errorf("an error came with an answer: %s", ans.Raw)
			}
			want := "openai-compatible " + f.baseURL() + ": diagnose ticket 7: "
			if !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q does not start with %q", err, want)
			}
			for _, s := range tc.err {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
		})
	}
}

// The SDK's error stays reachable for callers that want the status.
func TestDiagnoseErrorKeepsTheStatus(t *testing.T) {
	f := newFakeServer(t, func(int, chatRequest) reply {
		return apiError(http.StatusBadRequest, "bad", "invalid_request_error", "")
	})
	_, err := newProvider(t, f, nil).Diagnose(context.Background(), testRequest(testContext("z1")))
	var apiErr *oai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest {
		t.Fatalf("error %v does not unwrap to a 400 *openai.Error", err)
	}
}

// Scenario 12: a server that never answers costs one Timeout, not more.
func TestDiagnoseTimesOut(t *testing.T) {
	f := newFakeServer(t, func(int, chatRequest) reply { return reply{status: -1} })
	const timeout = 200 * time.Millisecond
	p := newProvider(t, f, func(c *Config) { c.Timeout = timeout })
	// The test's own bound, far above the provider's, so a hang fails here.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	start := time.Now()
	ans, err := p.Diagnose(ctx, testRequest(testContext("z1")))
	elapsed := time.Since(start)
	if err == nil {
		t.Fatal("no error from a server that never answered")
	}
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no answer within 200ms") {
		t.Errorf("error %v, want a timeout", err)
	}
	if elapsed < timeout || elapsed > timeout+5*time.Second {
		t.Errorf("gave up after %s, want about %s", elapsed, timeout)
	}
	if ans.Usage.Attempts != 1 {
		t.Errorf("Attempts = %d: a timed-out attempt is not retried", ans.Usage.Attempts)
	}
}

// A Retry-After longer than the time left in the attempt ends the call
// when the attempt's time runs out, naming the reply that asked to wait.
func TestDiagnoseRetryAfterBeyondTheTimeout(t *testing.T) {
	f := newFakeServer(t, func(int, chatRequest) reply {
		r := apiError(http.StatusTooManyRequests, "Rate limit reached", "requests", "rate_limit_exceeded")
		r.header = map[string]string{"Retry-After": "30"}
		return r
	})
	const timeout = 200 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	ans, err := newProvider(t, f, func(c *Config) { c.Timeout = timeout }).Diagnose(ctx, testRequest(testContext("z1")))
	if elapsed := time.Since(start); elapsed > timeout+5*time.Second {
		t.Errorf("gave up after %s, want about %s", elapsed, timeout)
	}
	if err == nil || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "last reply: 429 Too Many Requests") {
		t.Fatalf("error %v, want a timeout naming the 429", err)
	}
	if ans.Usage.Attempts != 1 {
		t.Errorf("Attempts = %d, want 1", ans.Usage.Attempts)
	}
}

// The caller's cancellation ends the call, and says so.
func TestDiagnoseCallerCancels(t *testing.T) {
	started := make(chan struct{})
	f := newFakeServer(t, func(int, chatRequest) reply { close(started); return reply{status: -1} })
	p := newProvider(t, f, nil)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-started; cancel() }()
	_, err := p.Diagnose(ctx, testRequest(testContext("z1")))
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "gave up") {
		t.Fatalf("error %v, want the caller's cancellation", err)
	}
}

// One provider serves concurrent diagnoses; each counts its own attempts.
func TestDiagnoseConcurrentAttempts(t *testing.T) {
	var mu sync.Mutex
	seenTicket := map[string]bool{}
	f := newFakeServer(t, func(_ int, req chatRequest) reply {
		first := strings.SplitN(req.text("user"), ".", 2)[0] // "Diagnose ticket N"
		mu.Lock()
		defer mu.Unlock()
		if !seenTicket[first] {
			seenTicket[first] = true
			return retryable(http.StatusTooManyRequests, "slow down")
		}
		return diagnosisCall(answerJSON(4))
	})
	p := newProvider(t, f, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 1; i <= 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := testContext("z1")
			c.Ticket.ID = ticket.ID(i)
			ans, err := p.Diagnose(context.Background(), testRequest(c))
			if err == nil && ans.Usage.Attempts != 2 {
				err = fmt.Errorf("ticket %d: Attempts = %d, want 2", i, ans.Usage.Attempts)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// No retries configured: one request, whatever the status.
func TestDiagnoseNoRetries(t *testing.T) {
	f := newFakeServer(t, func(int, chatRequest) reply { return retryable(http.StatusServiceUnavailable, "busy") })
	_, err := newProvider(t, f, func(c *Config) { c.MaxRetries = -1 }).Diagnose(context.Background(), testRequest(testContext("z1")))
	if err == nil || len(f.seen()) != 1 {
		t.Fatalf("err %v after %d requests, want an error after 1", err, len(f.seen()))
	}
}
