package notify

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRetriesServerErrorsThenDelivers(t *testing.T) {
	h := newHook(t, reply{status: 500}, reply{status: 503}, reply{status: 200, body: "ok"})
	r := newRig(t, Routes{Notable: []Channel{slackOn(t, "slack webhook #1", h.url())}})
	if err := r.n.Send(context.Background(), critical("store 5 down")); err != nil {
		t.Fatalf("send: %v", err)
	}
	if h.requests() != 3 {
		t.Errorf("requests = %d, want 3", h.requests())
	}
	if got, want := r.sleeps.got(), seconds(1, 2); !reflect.DeepEqual(got, want) {
		t.Errorf("waits = %v, want %v (exponential backoff)", got, want)
	}
	if l := r.letters.all(); len(l) != 0 {
		t.Errorf("dead letters = %v, want none", l)
	}
	for i := range 3 {
		if string(h.body(i)) != string(h.body(0)) {
			t.Errorf("attempt %d sent a different body", i+1)
		}
	}
}

func TestHonoursRetryAfter(t *testing.T) {
	h := newHook(t, reply{status: 429, body: "rate_limited", retryAfter: "7"}, reply{status: 200, body: "ok"})
	r := newRig(t, Routes{Notable: []Channel{slackOn(t, "slack webhook #1", h.url())}})
	if err := r.n.Send(context.Background(), critical("x")); err != nil {
		t.Fatalf("send: %v", err)
	}
	if got, want := r.sleeps.got(), seconds(7); !reflect.DeepEqual(got, want) {
		t.Errorf("waits = %v, want %v (the Retry-After, not the 1s backoff)", got, want)
	}
	if h.requests() != 2 {
		t.Errorf("requests = %d, want 2", h.requests())
	}
}

func TestHonoursRetryAfterDate(t *testing.T) {
	h := newHook(t, reply{status: 503, retryAfter: epoch.Add(90 * time.Second).Format(http.TimeFormat)}, reply{status: 200})
	w, err := NewWebhook(WebhookConfig{Name: "hook", URL: h.url(), Now: func() time.Time { return epoch }})
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t, Routes{Notable: []Channel{w}}, func(c *Config) { c.Retry.MaxRetryAfter = 2 * time.Minute })
	if err := r.n.Send(context.Background(), critical("x")); err != nil {
		t.Fatalf("send: %v", err)
	}
	if got, want := r.sleeps.got(), seconds(90); !reflect.DeepEqual(got, want) {
		t.Errorf("waits = %v, want %v", got, want)
	}
}

// Asked to wait an hour, the Notifier gives up at once rather than hold
// the queue: the alert would be stale anyway.
func TestRetryAfterBeyondLimitGivesUp(t *testing.T) {
	h := newHook(t, reply{status: 429, retryAfter: "3600"})
	r := newRig(t, Routes{Notable: []Channel{slackOn(t, "slack webhook #1", h.url())}})
	err := r.n.Send(context.Background(), critical("x"))
	if err == nil || !strings.Contains(err.Error(), "asked to retry after 1h0m0s, longer than 1m0s") {
		t.Errorf("err = %v", err)
	}
	if h.requests() != 1 || len(r.sleeps.got()) != 0 {
		t.Errorf("requests = %d, waits = %v; want 1 and none", h.requests(), r.sleeps.got())
	}
	if len(r.letters.all()) != 1 {
		t.Errorf("dead letters = %d, want 1", len(r.letters.all()))
	}
}

func TestNoRetryOnPermanentError(t *testing.T) {
	h := newHook(t, reply{status: 400, body: "invalid_payload"})
	r := newRig(t, Routes{Notable: []Channel{slackOn(t, "slack webhook #1", h.url())}})
	err := r.n.Send(context.Background(), critical("x"))
	if h.requests() != 1 || len(r.sleeps.got()) != 0 {
		t.Errorf("requests = %d, waits = %v; want one attempt, no wait", h.requests(), r.sleeps.got())
	}
	var de *DeliveryError
	if !errors.As(err, &de) || de.Status != 400 {
		t.Fatalf("err = %v, want the 400", err)
	}
	if want := "notify critical failure: not retried (1 attempt): post to slack webhook #1: 400 Bad Request: invalid_payload (permanent)"; err.Error() != want {
		t.Errorf("err = %q\nwant  %q", err, want)
	}
	l := r.letters.all()
	if len(l) != 1 || l[0].channel != "slack webhook #1" || !strings.Contains(l[0].err.Error(), "invalid_payload") {
		t.Errorf("dead letters = %+v", l)
	}
}

func TestDeadLetterAfterLastAttempt(t *testing.T) {
	h := newHook(t, reply{status: 500, body: "internal"})
	s := slackOn(t, "slack webhook #1", h.url())
	r := newRig(t, Routes{Notable: []Channel{s}}, func(c *Config) {
		c.Retry = Retry{Attempts: 5, Backoff: time.Second, MaxBackoff: 5 * time.Second}
	})
	m := critical("store 5 down")
	m.RunID = 9
	err := r.n.Send(context.Background(), m)
	if err == nil {
		t.Fatal("send succeeded against a server that always fails")
	}
	if h.requests() != 5 {
		t.Errorf("requests = %d, want 5", h.requests())
	}
	if got, want := r.sleeps.got(), seconds(1, 2, 4, 5); !reflect.DeepEqual(got, want) {
		t.Errorf("waits = %v, want %v (doubling, capped at 5s)", got, want)
	}
	l := r.letters.all()
	if len(l) != 1 {
		t.Fatalf("dead letters = %d, want 1", len(l))
	}
	if l[0].channel != "slack webhook #1" || !reflect.DeepEqual(l[0].m, m) {
		t.Errorf("dead letter = %+v, want the message for slack webhook #1", l[0])
	}
	if want := "gave up after 5 attempts: post to slack webhook #1: 500 Internal Server Error: internal"; l[0].err.Error() != want {
		t.Errorf("dead letter err = %q, want %q", l[0].err, want)
	}
	for _, text := range []string{l[0].err.Error(), err.Error()} {
		if strings.Contains(text, h.srv.URL) || strings.Contains(text, "SECRET") {
			t.Errorf("error shows the URL: %s", text)
		}
	}
}

// A caller that gives up (ctx cancelled while waiting to retry) stops the
// retries, and the message is still dead-lettered on a live context.
func TestCancelStopsRetryingAndStillDeadLetters(t *testing.T) {
	h := newHook(t, reply{status: 500})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := newRig(t, Routes{Notable: []Channel{slackOn(t, "slack webhook #1", h.url())}}, func(c *Config) {
		c.Sleep = func(ctx context.Context, d time.Duration) error {
			cancel()
			return ctx.Err()
		}
	})
	err := r.n.Send(ctx, critical("x"))
	if err == nil || !strings.Contains(err.Error(), "stopped after 1 attempt while waiting to retry (context canceled)") {
		t.Errorf("err = %v", err)
	}
	if h.requests() != 1 {
		t.Errorf("requests = %d, want 1", h.requests())
	}
	l := r.letters.all()
	if len(l) != 1 || l[0].ctxErr != nil {
		t.Errorf("dead letters = %+v, want one recorded on a live context", l)
	}
}

func TestTransportErrorIsRetried(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/services/T000/B000/SECRETxyz"
	srv.Close() // connection refused from here on
	r := newRig(t, Routes{Notable: []Channel{webhookOn(t, "hook", url)}})
	err := r.n.Send(context.Background(), critical("x"))
	if err == nil || !strings.Contains(err.Error(), "gave up after 3 attempts: post to hook: no answer: ") {
		t.Errorf("err = %v", err)
	}
	if strings.Contains(err.Error(), srv.URL) || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("error shows the URL: %v", err)
	}
	// Nor may the chain hand the URL to a caller who digs for it.
	var ue *neturl.Error
	if errors.As(err, &ue) {
		t.Errorf("error chain holds a *url.Error with the URL %s", ue.URL)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("err = %v, want the cause (connection refused) still reachable", err)
	}
}

func TestRequestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // so that the server notices the client leaving
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	w, err := NewWebhook(WebhookConfig{Name: "slow hook", URL: srv.URL + "/x", Timeout: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	err = w.Send(context.Background(), critical("x"))
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "post to slow hook: no answer: no answer within 20ms") {
		t.Errorf("err = %v, want the request's timeout", err)
	}
	if permanent(err) {
		t.Error("a timeout is worth retrying")
	}
}

func TestBackoff(t *testing.T) {
	r := Retry{Backoff: time.Second, MaxBackoff: 10 * time.Second}.withDefaults()
	var got []time.Duration
	for i := 1; i <= 6; i++ {
		got = append(got, r.backoff(i))
	}
	if want := seconds(1, 2, 4, 8, 10, 10); !reflect.DeepEqual(got, want) {
		t.Errorf("backoff = %v, want %v", got, want)
	}
	huge := Retry{Backoff: time.Hour, MaxBackoff: 1<<63 - 1}.withDefaults()
	if d := huge.backoff(80); d <= 0 {
		t.Errorf("backoff overflowed to %v", d)
	}
}

func TestParseRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"7", 7 * time.Second, true},
		{" 0 ", 0, true},
		{epoch.Add(30 * time.Second).Format(http.TimeFormat), 30 * time.Second, true},
		{epoch.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"99999999999999999999", time.Duration(1<<63-1) / time.Second * time.Second, true},
		{"", 0, false},
		{"-3", 0, false},
		{"soon", 0, false},
		{"1.5", 0, false},
	} {
		got, ok := parseRetryAfter(tc.in, epoch)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
