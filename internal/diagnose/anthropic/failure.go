package anthropic

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/shared"

	"github.com/operator-dev/operator/internal/diagnose"
)

// apiError is an error status from the API, said briefly: status, error
// type, message, request id and how many attempts it took. The SDK's own
// text adds the URL and the raw body; errors.As still reaches it.
type apiError struct {
	text string
	err  *anthropic.Error
}

func (e *apiError) Error() string { return e.text }

func (e *apiError) Unwrap() []error {
	if e.err.Type() == shared.ErrorTypeBillingError {
		// Out of credit is a budget the operator cannot spend past either.
		return []error{e.err, diagnose.ErrBudget}
	}
	return []error{e.err}
}

// callError says why the call gave no response: the API refused it (after
// retries, if it was worth retrying), time ran out, or the server could not
// be reached.
// refused is the last error status an attempt got, if any.
func callError(parent, call context.Context, err error, attempts int, refused string, timeout time.Duration) error {
	var ae *anthropic.Error
	tries := plural(attempts, "attempt")
	if refused != "" {
		tries += "; the last refused with " + refused
	}
	switch {
	case errors.As(err, &ae):
		return &apiError{text: describeAPIError(ae, attempts), err: ae}
	case attempts == 0:
		return fmt.Errorf("request not sent: %w", err)
	case parent.Err() != nil:
		return fmt.Errorf("stopped by the caller after %s: %w", tries, err)
	case call.Err() != nil:
		return fmt.Errorf("no answer within %s (%s): %w", timeout, tries, err)
	case attempts > 1:
		return fmt.Errorf("gave up after %s: %w", tries, err)
	}
	return err
}

func describeAPIError(e *anthropic.Error, attempts int) string {
	kind := string(e.Type())
	if kind == "" {
		kind = strings.ToLower(http.StatusText(e.StatusCode))
	}
	s := fmt.Sprintf("%d %s", e.StatusCode, kind)
	if e.Message != "" {
		s += ": " + excerpt(e.Message)
	}
	if e.RequestID != "" {
		s += " (request " + e.RequestID + ")"
	}
	switch {
	case attempts > 1 && retryable(e.StatusCode):
		return fmt.Sprintf("gave up after %d attempts: %s", attempts, s)
	case attempts > 1:
		return fmt.Sprintf("after %d attempts: %s", attempts, s)
	}
	return s + " (not retried)"
}

// retryable is what the SDK retries (unless x-should-retry says otherwise).
func retryable(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusConflict ||
		status == http.StatusTooManyRequests || status >= http.StatusInternalServerError
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// redactedError is an error whose text carried the key, with the key
// replaced; the chain stays for errors.Is and errors.As.
type redactedError struct {
	text string
	err  error
}

func (e *redactedError) Error() string { return e.text }
func (e *redactedError) Unwrap() error { return e.err }

// redactor returns what strips key from errors and log text. Nothing the
// provider writes should contain it; this is the last line, for text that
// came from elsewhere (a server echoing a header, a URL).
func redactor(key string) (func(error) error, func(string) string) {
	text := func(s string) string { return strings.ReplaceAll(s, key, "[redacted]") }
	errf := func(err error) error {
		if err == nil || !strings.Contains(err.Error(), key) {
			return err
		}
		return &redactedError{text: text(err.Error()), err: err}
	}
	return errf, text
}
