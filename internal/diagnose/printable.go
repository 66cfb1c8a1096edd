package diagnose

import (
	"fmt"
	"log/slog"
	"net/url"
	"time"
)

// Printable is what a model provider's configuration may show of itself in
// logs and error messages: the key only as set or unset, the URL with any
// password masked. Providers print their Config through it.
type Printable struct {
	Provider   string
	BaseURL    string
	Model      string
	MaxTokens  int64
	Timeout    time.Duration
	MaxRetries int
	KeySet     bool
}

func (p Printable) String() string {
	return fmt.Sprintf("%s.Config{BaseURL: %q, Model: %q, MaxTokens: %d, Timeout: %s, MaxRetries: %d, APIKey: %s}",
		p.Provider, RedactURL(p.BaseURL), p.Model, p.MaxTokens, p.Timeout, p.MaxRetries, p.key())
}

// LogValue keeps the key out of structured logs.
func (p Printable) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("base_url", RedactURL(p.BaseURL)),
		slog.String("model", p.Model),
		slog.Int64("max_tokens", p.MaxTokens),
		slog.Duration("timeout", p.Timeout),
		slog.Int("max_retries", p.MaxRetries),
		slog.String("api_key", p.key()),
	)
}

func (p Printable) key() string {
	if p.KeySet {
		return "(set)"
	}
	return "(unset)"
}

// RedactURL is a base URL with any password in it masked.
func RedactURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
