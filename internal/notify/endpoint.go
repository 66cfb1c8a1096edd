package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// DefaultTimeout bounds one request when a channel's config says nothing.
const DefaultTimeout = 10 * time.Second

// reasonLimit is how much of an error answer's body is kept: enough for
// Slack's one-word reasons, not enough to carry a page into the audit log.
const reasonLimit = 200

// endpoint is a webhook URL and how to post to it. The URL is a secret: it
// is used for the request and nowhere else, and an endpoint prints as its
// name whatever verb formats it.
type endpoint struct {
	name    string
	url     string
	secrets []string // the URL and its parts, taken out of any error text
	client  *http.Client
	timeout time.Duration
	now     func() time.Time
}

// answer is what came back from one post.
type answer struct {
	status     int
	body       string // trimmed, printable excerpt
	retryAfter time.Duration
}

func newEndpoint(name, rawURL string, client *http.Client, timeout time.Duration, now func() time.Time) (endpoint, error) {
	if name == "" {
		return endpoint{}, errors.New("channel needs a name (it stands for the URL in logs and errors)")
	}
	// The parse error would quote the URL, so it is not passed on.
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return endpoint{}, fmt.Errorf("%s: URL is not an absolute http or https URL", name)
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if now == nil {
		now = time.Now
	}
	var c http.Client
	if client != nil {
		c = *client
	}
	// A redirect would send the message (and, in the error text, the new
	// URL) somewhere nobody configured. Webhooks do not redirect; a 3xx is
	// reported as a permanent error instead.
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	secrets := []string{rawURL, u.String()}
	if len(u.EscapedPath()) > 1 {
		secrets = append(secrets, u.EscapedPath())
	}
	if len(u.Path) > 1 {
		secrets = append(secrets, u.Path)
	}
	if u.RawQuery != "" {
		secrets = append(secrets, u.RawQuery)
	}
	if u.User != nil {
		secrets = append(secrets, u.User.String())
	}
	return endpoint{name: name, url: rawURL, secrets: secrets, client: &c, timeout: timeout, now: now}, nil
}

// post sends body as JSON and reads the answer. An error means no answer
// came; an error status is an answer (see classify).
func (e endpoint) post(parent context.Context, body []byte) (answer, error) {
	ctx, cancel := context.WithTimeout(parent, e.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader(body))
	if err != nil {
		// The error would quote the URL; newEndpoint checked it already.
		return answer{}, &DeliveryError{Channel: e.name, Err: errors.New("cannot build the request")}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "operator-notify/1")
	res, err := e.client.Do(req)
	if err != nil {
		return answer{}, &DeliveryError{Channel: e.name, Err: e.cause(parent, err)}
	}
	defer res.Body.Close()
	// Read well past what is kept: the URL is scrubbed before the cut, so
	// that a cut cannot leave half of an echoed URL behind. Reading the
	// body also lets the connection be reused.
	b, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	a := answer{status: res.StatusCode, body: clip(e.scrub(printable(string(b))), reasonLimit)}
	if d, ok := parseRetryAfter(res.Header.Get("Retry-After"), e.now()); ok {
		a.retryAfter = d
	}
	return a, nil
}

// cause is why a request got no answer, without the URL: net/http wraps
// transport errors in *url.Error, whose text quotes the whole URL.
func (e endpoint) cause(parent context.Context, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, context.DeadlineExceeded) && parent.Err() == nil {
		// The request's own timeout, not the caller's deadline.
		err = fmt.Errorf("no answer within %s: %w", e.timeout, err)
	}
	if s := e.scrub(err.Error()); s != err.Error() {
		// Last line of defence: the text carried the URL after all. Keep
		// the context errors reachable; drop the rest of the chain.
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			return fmt.Errorf("%s: %w", s, context.DeadlineExceeded)
		case errors.Is(err, context.Canceled):
			return fmt.Errorf("%s: %w", s, context.Canceled)
		}
		return errors.New(s)
	}
	return err
}

// scrub takes the URL and its parts out of s.
func (e endpoint) scrub(s string) string {
	for _, secret := range e.secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	return s
}

// String, GoString, Format and LogValue keep the URL out of anything that
// prints an endpoint (or a channel holding one) by accident.
func (e endpoint) String() string                { return e.name }
func (e endpoint) GoString() string              { return strconv.Quote(e.name) }
func (e endpoint) Format(f fmt.State, verb rune) { _, _ = io.WriteString(f, e.name) }
func (e endpoint) LogValue() slog.Value          { return slog.StringValue(e.name) }

// printable is s on one line, without control or invalid characters.
func printable(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case r == utf8.RuneError || !unicode.IsPrint(r):
			return -1
		}
		return r
	}, s))
}

// clip cuts s to at most limit bytes at a rune boundary, marking the cut.
func clip(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	const more = "…"
	cut := limit - len(more)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + more
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date
// (RFC 9110 §10.2.3). A date in the past means now; anything else unreadable
// is ignored, and the usual backoff applies.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseUint(v, 10, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		// Out of range is all digits too: the longest wait there is.
		const most = uint64(1<<63-1) / uint64(time.Second)
		if err != nil || n > most {
			n = most
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d := t.Sub(now)
	if d < 0 {
		d = 0
	}
	return d, true
}
