package anthropic

import (
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/operator-dev/operator/internal/ticket"
)

// attempts counts the requests of one call. The SDK retries inside
// Messages.New and does not say how often; a middleware of the call sees
// every attempt, so Usage.Attempts is what was really sent.
type attempts struct {
	n atomic.Int32

	mu sync.Mutex
	// refused is the last error status an attempt got, for an error about
	// running out of time: the SDK waits out a retry-after even past the
	// deadline, and the timeout alone would hide the rate limit behind it.
	refused string
}

func (a *attempts) count() int { return int(a.n.Load()) }

func (a *attempts) lastRefusal() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.refused
}

// middleware counts each attempt and logs the failed ones: status and
// request id only, never headers (the key is one).
func (a *attempts) middleware(log *slog.Logger, redact func(string) string, id ticket.ID) option.Middleware {
	return func(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
		n := a.n.Add(1)
		res, err := next(req)
		switch {
		case err != nil:
			log.Warn("anthropic attempt failed", "ticket", id, "attempt", n, "err", redact(err.Error()))
		case res.StatusCode >= 400:
			refused := fmt.Sprintf("%d %s", res.StatusCode, http.StatusText(res.StatusCode))
			if ra := res.Header.Get("retry-after"); ra != "" {
				refused += ", retry-after " + ra
			}
			a.mu.Lock()
			a.refused = refused
			a.mu.Unlock()
			log.Warn("anthropic attempt refused", "ticket", id, "attempt", n, "status", res.StatusCode,
				"request_id", res.Header.Get("request-id"), "retry_after", res.Header.Get("retry-after"))
		}
		return res, err
	}
}
