package pd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"time"
)

// Client talks to one PD endpoint with one credential. It is safe for
// concurrent use. Build it with New.
type Client struct {
	cfg  Config
	base *url.URL
	hc   *http.Client
}

// New checks cfg, loads the TLS files and returns a client. It does not
// contact PD.
func New(cfg Config) (*Client, error) {
	cfg, base, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	tlsCfg, err := cfg.TLS.tlsConfig()
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 8
	if tlsCfg != nil {
		tr.TLSClientConfig = tlsCfg
	}
	return &Client{cfg: cfg, base: base, hc: &http.Client{Transport: tr}}, nil
}

// Endpoint returns the configured PD URL.
func (c *Client) Endpoint() string { return c.base.String() }

// ReadOnly reports whether the client refuses writes.
func (c *Client) ReadOnly() bool { return c.cfg.ReadOnly }

// Close releases idle connections.
func (c *Client) Close() { c.hc.CloseIdleConnections() }

// decodeFunc reads a success body.
type decodeFunc func(io.Reader) error

// request is one API call.
type request struct {
	op          string // what is being done, for errors of writes
	method      string
	path        string // e.g. /pd/api/v1/store/1
	query       url.Values
	body        []byte
	contentType string
	bulk        bool // use BulkTimeout
	// onHeader, if set, sees the headers of a successful answer.
	onHeader func(http.Header)
}

func (c *Client) get(ctx context.Context, path string, q url.Values, dec decodeFunc) error {
	return c.do(ctx, request{method: http.MethodGet, path: path, query: q}, dec)
}

// writeJSON sends a write with a JSON body (nil body: none).
func (c *Client) writeJSON(ctx context.Context, op, method, path string, q url.Values, body any) error {
	req := request{op: op, method: method, path: path, query: q}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("pd: %s: encode body: %w", op, err)
		}
		req.body, req.contentType = b, "application/json"
	}
	return c.do(ctx, req, nil)
}

func (c *Client) do(ctx context.Context, req request, dec decodeFunc) error {
	shown := req.path
	if len(req.query) > 0 {
		shown += "?" + req.query.Encode()
	}
	if req.method != http.MethodGet && c.cfg.ReadOnly {
		what := req.op
		if what == "" {
			what = req.method + " " + shown
		}
		return &refusal{kind: ErrReadOnly, what: what, why: "this client was built with Config.ReadOnly; use the write client"}
	}
	// req.path is already escaped; the base has no query (checked in New).
	target := c.base.String() + req.path
	if len(req.query) > 0 {
		target += "?" + req.query.Encode()
	}

	attempts := 1
	if req.method == http.MethodGet {
		attempts = c.cfg.ReadAttempts
	}
	var last *Error
	for i := 0; i < attempts; i++ {
		if i > 0 {
			if err := c.backoff(ctx, i); err != nil {
				break // the caller gave up; report the last failure
			}
		}
		e := c.attempt(ctx, req, target, dec)
		if e == nil {
			return nil
		}
		e.Op, e.Method, e.Path, e.Attempts = req.op, req.method, shown, i+1
		last = e
		if e.Kind != ErrUnavailable || e.final || ctx.Err() != nil {
			break
		}
	}
	return last
}

// backoff waits before retry n (1-based): RetryBackoff doubled n-1 times,
// capped, with jitter in [d/2, d].
func (c *Client) backoff(ctx context.Context, n int) error {
	d := c.cfg.RetryBackoff
	for i := 1; i < n && d < c.cfg.MaxRetryBackoff; i++ {
		d *= 2
	}
	d = min(d, c.cfg.MaxRetryBackoff)
	if half := int64(d / 2); half > 0 {
		d = time.Duration(half + rand.Int64N(half+1))
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
