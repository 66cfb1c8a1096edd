package anthropic

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/operator-dev/operator/internal/diagnose"
)

// Defaults for the zero values of Config.
const (
	// DefaultModel is Claude Sonnet 4.6: a current model that accepts a
	// forced tool choice. (claude-sonnet-4-5 reaches end of life on
	// 2026-11-30; the 5.x models think by default and answer a forced tool
	// choice with a 400, see Config.AutoToolChoice.)
	DefaultModel = "claude-sonnet-4-6"
	// DefaultInputPricePerMTok and DefaultOutputPricePerMTok are
	// DefaultModel's list prices in US dollars per million tokens.
	DefaultInputPricePerMTok  = 3.0
	DefaultOutputPricePerMTok = 15.0
	DefaultBaseURL            = "https://api.anthropic.com"
	DefaultMaxTokens          = 2048
	DefaultTimeout            = 60 * time.Second
	DefaultMaxRetries         = 3
)

// Config says which API and model to ask, and what they cost.
type Config struct {
	// APIKey authenticates to the API. It is required, and it is never
	// logged, never put in an error, a prompt or an answer: it lives only in
	// the SDK client's credential option.
	APIKey string
	// BaseURL is the API root, without /v1 (default DefaultBaseURL); a
	// proxy's address, or a test server's.
	BaseURL string
	// Model is the model id (default DefaultModel). A model other than the
	// default needs its prices set, so that cost is never silently zero.
	Model string
	// MaxTokens bounds the answer (default 2048). An answer cut at the
	// bound is an error, never half a diagnosis.
	MaxTokens int64
	// Timeout bounds one Diagnose call, retries and their waits included
	// (default 60s). A server that never answers is therefore not retried:
	// the whole allowance goes to the attempt that hangs.
	Timeout time.Duration
	// MaxRetries is how many times the SDK retries a 408, 409, 429, 5xx
	// (529 overloaded included) or a connection failure, with its backoff,
	// honouring retry-after (default 3; negative: never retry).
	MaxRetries int
	// Prices in US dollars per million tokens, for Usage.CostUSD. Both zero
	// means DefaultModel's prices, which only DefaultModel may use.
	InputPricePerMTok, OutputPricePerMTok float64
	// AutoToolChoice offers the diagnosis tool with tool_choice "auto"
	// instead of forcing it. Models that think by default
	// (claude-sonnet-5-5, claude-opus-5-5) reject a forced tool choice; with
	// this set the prompt alone asks for the tool, and an answer without it
	// is still an error.
	AutoToolChoice bool
	// HTTPClient carries the requests (a proxy, a private CA); default a
	// plain client. Its Timeout should be zero: Timeout does that job.
	HTTPClient *http.Client
	// Logger gets one line per diagnosis and one per failed attempt
	// (default: discard). It never sees the key.
	Logger *slog.Logger
}

// printable is what the Config may show of itself.
func (c Config) printable() diagnose.Printable {
	return diagnose.Printable{Provider: "anthropic", BaseURL: c.BaseURL, Model: c.Model, MaxTokens: c.MaxTokens,
		Timeout: c.Timeout, MaxRetries: c.MaxRetries, KeySet: c.APIKey != ""}
}

// String keeps the key out of anything that prints a Config.
func (c Config) String() string { return c.printable().String() }

// GoString covers %#v, which would otherwise print every field.
func (c Config) GoString() string { return c.String() }

// LogValue keeps the key out of structured logs.
func (c Config) LogValue() slog.Value { return c.printable().LogValue() }

// withDefaults fills the zero values and checks the rest. Its errors name
// the model and the server, never the key.
func (c Config) withDefaults() (Config, error) {
	if strings.TrimSpace(c.APIKey) == "" {
		return c, errors.New("anthropic: no API key configured")
	}
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// The URL may carry credentials; say what is wrong without it.
		return c, errors.New("anthropic: base URL must be an absolute http or https URL")
	}
	if c.Model == "" {
		c.Model = DefaultModel
	}
	if c.MaxTokens == 0 {
		c.MaxTokens = DefaultMaxTokens
	}
	if c.MaxTokens < 0 {
		return c, fmt.Errorf("anthropic %s: max tokens %d is negative", c.Model, c.MaxTokens)
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Timeout < 0 {
		return c, fmt.Errorf("anthropic %s: timeout %s is negative", c.Model, c.Timeout)
	}
	switch {
	case c.MaxRetries == 0:
		c.MaxRetries = DefaultMaxRetries
	case c.MaxRetries < 0:
		c.MaxRetries = 0
	}
	switch {
	case c.InputPricePerMTok < 0 || c.OutputPricePerMTok < 0:
		return c, fmt.Errorf("anthropic %s: a token price is negative", c.Model)
	case c.InputPricePerMTok == 0 && c.OutputPricePerMTok == 0:
		if c.Model != DefaultModel {
			// A budget in dollars would never bind on a cost of zero.
			return c, fmt.Errorf("anthropic %s: no token prices configured: set InputPricePerMTok and OutputPricePerMTok (USD per million tokens) for this model", c.Model)
		}
		c.InputPricePerMTok, c.OutputPricePerMTok = DefaultInputPricePerMTok, DefaultOutputPricePerMTok
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}
