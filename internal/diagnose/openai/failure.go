package openai

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	oai "github.com/openai/openai-go/v3"
)

// maxBodyInError bounds how much of a non-JSON error body an error quotes.
const maxBodyInError = 200

// requestFailure says why a request got no reply: the HTTP status and the
// server's own message when there is one, a timeout as a timeout. resp is
// the last response when the SDK kept it; lastStatus is the last status
// seen on the wire (0: none).
func requestFailure(ctx context.Context, err error, resp *http.Response, timeout time.Duration, lastStatus int) error {
	var apiErr *oai.Error
	switch {
	case errors.As(err, &apiErr):
		// The SDK's Error() is the status alone; the server's message is
		// what tells an operator "model not found" from "bad request".
		msg := fmt.Sprintf("server answered %s", status(apiErr.StatusCode))
		if m := strings.TrimSpace(apiErr.Message); m != "" {
			msg += ": " + m
		} else if apiErr.Response != nil {
			// No {"error": {"message"}}: a proxy's page, a server's own
			// shape. Its first words are all there is to go on.
			msg += ": " + bodySnippet(apiErr.Response)
		}
		var kinds []string
		for _, k := range []string{apiErr.Type, apiErr.Code} {
			if k != "" {
				kinds = append(kinds, k)
			}
		}
		if len(kinds) > 0 {
			msg += " (" + strings.Join(kinds, ", ") + ")"
		}
		// The SDK's own text would only repeat the status.
		return &describedError{msg: msg, err: err}
	case resp != nil && resp.StatusCode >= 400:
		// An error body the SDK could not read as {"error": {...}}, such as
		// {"error": "a string"}: the SDK then returns its JSON decoding
		// error and drops the status, so the status and body say it here.
		return &describedError{msg: fmt.Sprintf("server answered %s: %s", status(resp.StatusCode), bodySnippet(resp)), err: err}
	case ctx.Err() != nil:
		return fmt.Errorf("gave up: %w", err)
	case errors.Is(err, context.DeadlineExceeded):
		// The SDK waits for a retry inside the attempt's timeout: a long
		// Retry-After ends as a timeout, with the reply that asked for it
		// forgotten unless said here.
		if lastStatus != 0 {
			return fmt.Errorf("no answer within %s (last reply: %s): %w", timeout, status(lastStatus), err)
		}
		return fmt.Errorf("no answer within %s: %w", timeout, err)
	}
	return err
}

func status(code int) string {
	if t := http.StatusText(code); t != "" {
		return fmt.Sprintf("%d %s", code, t)
	}
	return fmt.Sprint(code)
}

// bodySnippet is the start of a response body on one line. The SDK leaves
// an error response's body readable again.
func bodySnippet(resp *http.Response) string {
	if resp.Body == nil {
		return "(no body)"
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxBodyInError+1))
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > maxBodyInError {
		s = s[:maxBodyInError] + "…"
	}
	if s == "" {
		return "(empty body)"
	}
	return fmt.Sprintf("%q", s)
}

// describedError says what happened in its own words while errors.Is and
// errors.As still reach the cause (an *openai.Error, a context error).
type describedError struct {
	msg string
	err error
}

func (e *describedError) Error() string { return e.msg }
func (e *describedError) Unwrap() error { return e.err }

// redact cuts the API key out of an error's text, wherever a server (one
// that echoes the key it refused) or a layer below put it.
func redact(err error, key string) error {
	if err == nil || key == "" || !strings.Contains(err.Error(), key) {
		return err
	}
	return &describedError{msg: strings.ReplaceAll(err.Error(), key, "[redacted]"), err: err}
}
