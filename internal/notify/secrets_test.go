package notify

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The webhook URL is a credential. This drives every way a delivery can
// fail (an error answer that echoes the URL back, retries running out, no
// server, no answer in time, a redirect) and checks that the URL is in no
// error, dead letter or log line, nor in the channel printed by fmt or slog.
func TestURLNeverLeaks(t *testing.T) {
	const secret = "SECRETxyz"
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A hostile or buggy server quotes the request back.
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, "invalid_payload for http://%s%s", r.Host, r.URL.RequestURI())
	}))
	defer echo.Close()
	failing := newHook(t, reply{status: 500, body: "internal"})
	redirect := newHook(t, reply{status: 302})
	release := make(chan struct{})
	stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // so that the server notices the client leaving
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer stuck.Close()
	defer close(release)
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()

	path := "/services/T000/B000/" + secret + "?token=" + secret
	urls := map[string]string{
		"echo":     echo.URL + path,
		"failing":  failing.srv.URL + path,
		"redirect": redirect.srv.URL + path,
		"stuck":    stuck.URL + path,
		"gone":     gone.URL + path,
		"userinfo": strings.Replace(failing.srv.URL, "http://", "http://user:"+secret+"@", 1) + "/hook",
	}
	var chans []Channel
	for _, name := range []string{"echo", "failing", "redirect", "stuck", "gone", "userinfo"} {
		s, err := NewSlack(SlackConfig{Name: "slack " + name, URL: urls[name], Timeout: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		w, err := NewWebhook(WebhookConfig{Name: "webhook " + name, URL: urls[name], Timeout: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		chans = append(chans, s, w)
	}
	r := newRig(t, Routes{Critical: chans})
	err := r.n.Send(context.Background(), critical("x"))
	if err == nil {
		t.Fatal("send succeeded; every channel should have failed")
	}

	var texts []string
	texts = append(texts, err.Error(), r.logs.String())
	for _, l := range r.letters.all() {
		texts = append(texts, l.err.Error())
	}
	if got := len(r.letters.all()); got != len(chans) {
		t.Errorf("dead letters = %d, want %d", got, len(chans))
	}
	var printed strings.Builder
	log := slog.New(slog.NewJSONHandler(&printed, nil))
	for _, ch := range chans {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%x"} {
			fmt.Fprintf(&printed, verb+"\n", ch)
		}
		log.Info("channel", "ch", ch)
	}
	texts = append(texts, printed.String())

	for _, text := range texts {
		if strings.Contains(text, secret) {
			t.Errorf("the secret leaked:\n%s", text)
		}
		for _, u := range []string{echo.URL, failing.srv.URL, redirect.srv.URL, stuck.URL, gone.URL} {
			if strings.Contains(text, u) {
				t.Errorf("a webhook URL (%s) leaked:\n%s", u, text)
			}
		}
	}
	// The failures are still described: names, statuses, reasons.
	for _, want := range []string{
		"post to slack echo: 400 Bad Request: invalid_payload for ",
		"post to webhook failing: 500 Internal Server Error: internal",
		"post to slack redirect: 302 Found (permanent)",
		"post to webhook stuck: no answer: no answer within 20ms",
		"post to slack gone: no answer: ",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%s", want, err)
		}
	}
}

func TestConfigErrorsHideURL(t *testing.T) {
	for _, raw := range []string{
		"ftp://hooks.example/SECRET",
		"hooks.example/SECRET",
		"http://[::1/SECRET",
		"http://hooks.example/%zzSECRET",
		"",
	} {
		_, err := NewSlack(SlackConfig{Name: "slack webhook #1", URL: raw})
		if err == nil || strings.Contains(err.Error(), "SECRET") || !strings.Contains(err.Error(), "slack webhook #1") {
			t.Errorf("NewSlack(%q): err = %v; want a refusal naming the channel, not the URL", raw, err)
		}
		_, err = NewWebhook(WebhookConfig{Name: "hook", URL: raw})
		if err == nil || strings.Contains(err.Error(), "SECRET") {
			t.Errorf("NewWebhook(%q): err = %v", raw, err)
		}
	}
	if _, err := NewSlack(SlackConfig{URL: "https://hooks.slack.com/services/x"}); err == nil {
		t.Error("a channel without a name was accepted")
	}
}

// The scrubber is the last line: a transport error quoting the URL (as
// *url.Error does) loses it.
func TestCauseScrubsURL(t *testing.T) {
	e, err := newEndpoint("hook", "http://example.invalid/p/SECRET?k=SECRET2", nil, time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := e.cause(context.Background(), fmt.Errorf("dial http://example.invalid/p/SECRET?k=SECRET2 and /p/SECRET: %w", io.EOF))
	if strings.Contains(got.Error(), "SECRET") {
		t.Errorf("cause = %q", got)
	}
}

// An error answer is cut to a short reason after the URL is taken out of
// it, never before: a cut through an echoed URL would keep half a secret.
func TestReasonIsCutAfterScrubbing(t *testing.T) {
	var hookURL string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		prefix := "invalid_payload " + strings.Repeat("x", reasonLimit)
		// Put the secret right where the reason is cut.
		prefix = prefix[:reasonLimit-len(hookURL)]
		io.WriteString(w, prefix+hookURL+" "+strings.Repeat("y", 1000))
	}))
	defer srv.Close()
	hookURL = srv.URL + "/services/T000/B000/SECRETxyz"
	err := webhookOn(t, "hook", hookURL).Send(context.Background(), critical("x"))
	if err == nil {
		t.Fatal("want the 400")
	}
	if strings.Contains(err.Error(), "SEC") || strings.Contains(err.Error(), srv.URL) {
		t.Errorf("reason keeps part of the URL: %s", err)
	}
	if !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("reason = %s; want the URL replaced within the kept part (the test's premise)", err)
	}
}
