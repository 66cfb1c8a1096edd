package notify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Channel is one place messages go. Name is how logs, errors and dead
// letters call it; it must not contain the channel's URL or any credential.
// Send makes one attempt: retrying is the Notifier's job, so that every
// channel retries the same way and the dead letter sees the last error.
type Channel interface {
	Name() string
	Send(ctx context.Context, m Message) error
}

// DeliveryError is a failed attempt to deliver to a channel, said so that
// the Notifier can decide whether trying again may help. Its text names the
// channel, never its URL.
type DeliveryError struct {
	Channel string
	// Status is the HTTP status of the answer; 0 when none came.
	Status int
	// Reason is the start of the answer's body (Slack says what was wrong
	// there: "invalid_payload", "no_service").
	Reason string
	// Permanent is true when sending the same message again cannot succeed.
	Permanent bool
	// RetryAfter is how long the server asked to wait (429); 0 if it did not say.
	RetryAfter time.Duration
	// Err is why no answer came (connection refused, timeout), with any
	// URL taken out; nil when an answer came.
	Err error
}

func (e *DeliveryError) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("post to %s: no answer: %v", e.Channel, e.Err)
	}
	s := fmt.Sprintf("post to %s: %d %s", e.Channel, e.Status, http.StatusText(e.Status))
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	if e.Permanent {
		s += " (permanent)"
	}
	return s
}

func (e *DeliveryError) Unwrap() error { return e.Err }

// permanent reports whether err says that retrying cannot help. Errors of
// channels that do not use DeliveryError are taken as worth retrying.
func permanent(err error) bool {
	var de *DeliveryError
	return errors.As(err, &de) && de.Permanent
}

// retryAfter is the wait the server asked for, or 0.
func retryAfter(err error) time.Duration {
	var de *DeliveryError
	if errors.As(err, &de) {
		return de.RetryAfter
	}
	return 0
}

// classify turns an HTTP answer into nil (delivered) or a DeliveryError.
// 408, 429 and 5xx are the server's trouble and may pass; any other status
// (4xx: bad payload, unknown or revoked webhook; 3xx: redirects are not
// followed, see newEndpoint) will be the same next time.
func classify(channel string, a answer) error {
	if a.status >= 200 && a.status < 300 {
		return nil
	}
	retry := a.status == http.StatusRequestTimeout || a.status == http.StatusTooManyRequests || a.status >= 500
	return &DeliveryError{
		Channel:    channel,
		Status:     a.status,
		Reason:     a.body,
		Permanent:  !retry,
		RetryAfter: a.retryAfter,
	}
}
