package notify

import (
	"context"
	"fmt"
	"time"
)

// Retry says how hard the Notifier tries one channel before the message
// goes to the dead letter.
type Retry struct {
	// Attempts counts every try, the first included (default 3).
	Attempts int
	// Backoff is the wait after the first failure; it doubles after each
	// further one (default 1s). No jitter: a few messages to a few
	// webhooks make no thundering herd, and fixed waits keep tests exact.
	Backoff time.Duration
	// MaxBackoff caps the doubled wait (default 30s).
	MaxBackoff time.Duration
	// MaxRetryAfter is the longest Retry-After honoured (default 60s).
	// Asked to wait longer, the Notifier gives up at once: waiting would
	// hold the caller (or the queue) for longer than the alert is fresh.
	MaxRetryAfter time.Duration
}

func (r Retry) withDefaults() Retry {
	if r.Attempts <= 0 {
		r.Attempts = 3
	}
	if r.Backoff <= 0 {
		r.Backoff = time.Second
	}
	if r.MaxBackoff <= 0 {
		r.MaxBackoff = 30 * time.Second
	}
	if r.MaxBackoff < r.Backoff {
		r.MaxBackoff = r.Backoff
	}
	if r.MaxRetryAfter <= 0 {
		r.MaxRetryAfter = time.Minute
	}
	return r
}

// backoff is the wait after the failed-th failed attempt (1-based).
func (r Retry) backoff(failed int) time.Duration {
	d := r.Backoff
	for i := 1; i < failed; i++ {
		d *= 2
		if d >= r.MaxBackoff || d <= 0 {
			return r.MaxBackoff
		}
	}
	return min(d, r.MaxBackoff)
}

// SleepFunc waits d or until ctx is done, whichever is first, and returns
// ctx's error in the second case. Tests pass one that records and returns.
type SleepFunc func(ctx context.Context, d time.Duration) error

// Sleep is the real SleepFunc.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// deliver sends m to ch, retrying as n.retry says. The error, if any, is
// the last attempt's, said with how many attempts were made.
func (n *Notifier) deliver(ctx context.Context, ch Channel, m Message) error {
	r := n.retry
	for attempt := 1; ; attempt++ {
		err := ch.Send(ctx, m)
		if err == nil {
			n.log.Info("notification sent", "channel", ch.Name(), "message", m, "attempt", attempt)
			return nil
		}
		switch {
		case ctx.Err() != nil:
			return fmt.Errorf("stopped after %s: %w", plural(attempt, "attempt"), err)
		case permanent(err):
			return fmt.Errorf("not retried (%s): %w", plural(attempt, "attempt"), err)
		case attempt >= r.Attempts:
			return fmt.Errorf("gave up after %s: %w", plural(attempt, "attempt"), err)
		}
		wait := r.backoff(attempt)
		if ra := retryAfter(err); ra > 0 {
			if ra > r.MaxRetryAfter {
				return fmt.Errorf("gave up after %s: asked to retry after %s, longer than %s: %w",
					plural(attempt, "attempt"), ra, r.MaxRetryAfter, err)
			}
			wait = ra
		}
		n.log.Warn("notification attempt failed", "channel", ch.Name(), "message", m,
			"attempt", attempt, "retry_in", wait, "err", err)
		if serr := n.sleep(ctx, wait); serr != nil {
			return fmt.Errorf("stopped after %s while waiting to retry (%v): %w", plural(attempt, "attempt"), serr, err)
		}
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
