package notify

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// reply is one scripted answer of a fake webhook.
type reply struct {
	status     int
	body       string
	retryAfter string
}

// hook is a fake webhook: a real HTTP server that answers from a script
// (the last reply repeats) and keeps every request body.
type hook struct {
	srv *httptest.Server

	mu      sync.Mutex
	script  []reply
	bodies  [][]byte
	ctypes  []string
	methods []string
}

func newHook(t *testing.T, script ...reply) *hook {
	t.Helper()
	if len(script) == 0 {
		script = []reply{{status: 200, body: "ok"}}
	}
	h := &hook{script: script}
	h.srv = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hook) serve(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	i := len(h.bodies)
	h.bodies = append(h.bodies, b)
	h.ctypes = append(h.ctypes, r.Header.Get("Content-Type"))
	h.methods = append(h.methods, r.Method)
	rep := h.script[min(i, len(h.script)-1)]
	h.mu.Unlock()
	if rep.retryAfter != "" {
		w.Header().Set("Retry-After", rep.retryAfter)
	}
	w.WriteHeader(rep.status)
	_, _ = io.WriteString(w, rep.body)
}

func (h *hook) requests() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.bodies)
}

func (h *hook) body(i int) []byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.bodies[i]
}

// url is the hook's address with a path that plays the webhook's secret.
func (h *hook) url() string { return h.srv.URL + "/services/T000/B000/SECRETxyz" }

// sleeps records the waits the Notifier asked for, and waits for none.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// letter is one dead letter as the sink saw it.
type letter struct {
	channel string
	m       Message
	err     error
	ctxErr  error // the sink's context's error when it was called
}

type letters struct {
	mu  sync.Mutex
	got []letter
}

func (l *letters) sink(ctx context.Context, channel string, m Message, err error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.got = append(l.got, letter{channel: channel, m: m, err: err, ctxErr: ctx.Err()})
	return nil
}

func (l *letters) all() []letter {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]letter(nil), l.got...)
}

// logBuffer is slog output kept for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func slackOn(t *testing.T, name, url string) *Slack {
	t.Helper()
	s, err := NewSlack(SlackConfig{Name: name, URL: url})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func webhookOn(t *testing.T, name, url string) *Webhook {
	t.Helper()
	w, err := NewWebhook(WebhookConfig{Name: name, URL: url})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// rig is a Notifier with recorded sleeps, dead letters and logs.
type rig struct {
	n       *Notifier
	sleeps  *sleeps
	letters *letters
	logs    *logBuffer
}

var epoch = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

func newRig(t *testing.T, routes Routes, tweak ...func(*Config)) *rig {
	t.Helper()
	r := &rig{sleeps: &sleeps{}, letters: &letters{}, logs: &logBuffer{}}
	cfg := Config{
		Routes:     routes,
		Retry:      Retry{Attempts: 3, Backoff: time.Second, MaxBackoff: 30 * time.Second},
		DeadLetter: r.letters.sink,
		Log:        r.logs.logger(),
		Now:        func() time.Time { return epoch },
		Sleep:      r.sleeps.sleep,
	}
	for _, f := range tweak {
		f(&cfg)
	}
	n, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.n = n
	return r
}

func critical(title string) Message {
	return Message{Tier: Critical, Kind: KindFailure, Title: title, At: epoch}
}

func seconds(n ...int) []time.Duration {
	out := make([]time.Duration, len(n))
	for i, s := range n {
		out[i] = time.Duration(s) * time.Second
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }
