package pd

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
)

// maxErrorBody bounds how much of an error body is read.
const maxErrorBody = 64 << 10

// attempt sends the request once and decodes a success with dec (nil: the
// body is drained and ignored). The body is read under the attempt's own
// timeout.
func (c *Client) attempt(ctx context.Context, req request, target string, dec decodeFunc) *Error {
	timeout := c.cfg.Timeout
	if req.bulk {
		timeout = c.cfg.BulkTimeout
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	hreq, err := http.NewRequestWithContext(actx, req.method, target, body)
	if err != nil {
		return &Error{Kind: ErrInternal, Message: "cannot build the request", Err: err, final: true}
	}
	for k, vs := range c.cfg.Header {
		for _, v := range vs {
			hreq.Header.Add(k, v)
		}
	}
	hreq.Header.Set("Accept", "application/json")
	hreq.Header.Set("User-Agent", c.cfg.UserAgent)
	if req.contentType != "" {
		hreq.Header.Set("Content-Type", req.contentType)
	}

	resp, err := c.hc.Do(hreq)
	if err != nil {
		return transportError(ctx, actx, err, timeout.String())
	}
	defer resp.Body.Close()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		raw, rerr := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		if rerr != nil && len(raw) == 0 {
			return transportError(ctx, actx, rerr, timeout.String())
		}
		msg, existing, plain := errorBody(raw)
		code := pdCode(msg)
		return &Error{
			Status: resp.StatusCode, Kind: classify(resp.StatusCode, code),
			Code: code, Message: msg, Existing: existing, plainText: plain,
		}
	}

	if req.onHeader != nil {
		req.onHeader(resp.Header)
	}
	if dec == nil {
		// Writes answer a short confirmation string; nothing to keep.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		return nil
	}
	if err := dec(&limitedBody{r: resp.Body, left: c.cfg.MaxBodyBytes, max: c.cfg.MaxBodyBytes}); err != nil {
		if actx.Err() != nil {
			// The body stopped arriving: a timeout or cancellation, not a
			// bad answer.
			return transportError(ctx, actx, err, timeout.String())
		}
		return &Error{
			Status: resp.StatusCode, Kind: ErrBadResponse,
			Message: "cannot decode the answer: " + err.Error(), Err: err, final: true,
		}
	}
	return nil
}

// transportError describes a request that got no (complete) answer.
func transportError(ctx, actx context.Context, err error, timeout string) *Error {
	switch {
	case ctx.Err() != nil:
		return &Error{Kind: ErrUnavailable, Message: "gave up before PD answered: " + ctx.Err().Error(), Err: ctx.Err(), final: true}
	case errors.Is(actx.Err(), context.DeadlineExceeded):
		return &Error{Kind: ErrUnavailable, Message: fmt.Sprintf("no answer within %s (Config.Timeout)", timeout), Err: context.DeadlineExceeded}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // the URL is already in the message
	}
	e := &Error{Kind: ErrUnavailable, Message: err.Error(), Err: err}
	// Certificate problems will not fix themselves between retries: our
	// check of PD's certificate failed, or PD sent a TLS alert (crypto/tls
	// reports those as a net.OpError with Op "remote error"), typically
	// "certificate required" or "bad certificate".
	var certErr *tls.CertificateVerificationError
	var opErr *net.OpError
	if errors.As(err, &certErr) || errors.As(err, &opErr) && opErr.Op == "remote error" {
		e.final = true
	}
	return e
}
