package openai

import (
	"context"
	"net/http"
	"sync/atomic"
)

// The SDK retries inside one call and says neither how many requests it
// sent nor, when a wait for a retry runs out of time, what the last reply
// was. A transport keeps both. The tally rides in the request's context:
// one Provider serves concurrent diagnoses, each with its own.

type tallyKey struct{}

// tally is one call's requests.
type tally struct {
	attempts   atomic.Int64
	lastStatus atomic.Int64 // 0 until a reply arrives
}

func withTally(ctx context.Context) (context.Context, *tally) {
	t := new(tally)
	return context.WithValue(ctx, tallyKey{}, t), t
}

// countingTransport counts every request that reaches the wire.
type countingTransport struct {
	next http.RoundTripper
}

func (t countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	tl, _ := req.Context().Value(tallyKey{}).(*tally)
	if tl != nil {
		tl.attempts.Add(1)
	}
	resp, err := t.next.RoundTrip(req)
	if tl != nil && resp != nil {
		tl.lastStatus.Store(int64(resp.StatusCode))
	}
	return resp, err
}

// countingClient is a copy of base (or a fresh client) whose transport
// counts requests.
func countingClient(base *http.Client) *http.Client {
	var c http.Client
	if base != nil {
		c = *base
	}
	next := c.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	c.Transport = countingTransport{next: next}
	return &c
}
