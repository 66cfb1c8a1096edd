package openai

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
	DefaultBaseURL    = "https://api.openai.com/v1"
	DefaultMaxTokens  = 2048
	DefaultTimeout    = 60 * time.Second
	DefaultMaxRetries = 3
)

// The two names servers use for the output token limit.
const (
	// TokenLimitMaxTokens is what every OpenAI-compatible server understands
	// (Ollama, LM Studio and older llama.cpp builds know no other).
	TokenLimitMaxTokens = "max_tokens"
	// TokenLimitMaxCompletionTokens is OpenAI's newer name; its reasoning
	// models (o-series, gpt-5) refuse max_tokens.
	TokenLimitMaxCompletionTokens = "max_completion_tokens"
)

// Config says which server and model to ask, and what it costs.
type Config struct {
	// BaseURL is the API root, the part before /chat/completions:
	// "http://localhost:11434/v1" (Ollama), "http://localhost:8000/v1"
	// (vLLM), "http://localhost:8080/v1" (llama.cpp), "http://localhost:1234/v1"
	// (LM Studio). Default: OpenAI's.
	BaseURL string
	// APIKey is sent as "Authorization: Bearer <key>" when set; local
	// servers usually want none, and then no Authorization header is sent.
	// It is never logged, never put in an error or a prompt.
	APIKey string
	// Model is required: a local server's model names are its own
	// ("qwen2.5:14b", "meta-llama/Llama-3.1-8B-Instruct").
	Model string
	// MaxTokens bounds the answer (default 2048). An answer cut at the bound
	// is an error, never half a diagnosis.
	MaxTokens int64
	// TokenLimitParam is the request field MaxTokens goes in:
	// TokenLimitMaxTokens (default) or TokenLimitMaxCompletionTokens.
	TokenLimitParam string
	// ToolChoiceRequired sends tool_choice "required" instead of naming the
	// diagnosis function. With one tool the two mean the same; some servers
	// (llama.cpp) honour only the string forms and fall back to "auto" for
	// a named function.
	ToolChoiceRequired bool
	// Timeout bounds each attempt (default 60s). A server that has not
	// answered by then is not retried; the caller's context bounds the
	// whole call, retries included.
	Timeout time.Duration
	// MaxRetries is how many times a 408, 409, 429, 5xx or connection
	// failure is retried, with the SDK's backoff, honouring Retry-After
	// (default 3; negative: never retry).
	MaxRetries int
	// Prices in US dollars per million tokens; zero (the default) for a
	// local model, which costs nothing per token.
	InputPricePerMTok, OutputPricePerMTok float64
	// HTTPClient, when set, carries the requests (a private CA, a proxy);
	// its Transport is wrapped, never replaced. Its Timeout should be zero:
	// Timeout above does that job per attempt.
	HTTPClient *http.Client
	// Logger gets one line per diagnosis (default: discard).
	Logger *slog.Logger
}

// withDefaults fills the zero values and checks the rest.
func (c Config) withDefaults() (Config, error) {
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// The URL may carry credentials; say what is wrong without it.
		return c, errors.New("openai-compatible: base URL must be an absolute http or https URL")
	}
	if strings.TrimSpace(c.Model) == "" {
		return c, fmt.Errorf("openai-compatible %s: no model configured: a server's model names are its own (GET %s/models lists them)", diagnose.RedactURL(c.BaseURL), diagnose.RedactURL(c.BaseURL))
	}
	if c.MaxTokens == 0 {
		c.MaxTokens = DefaultMaxTokens
	}
	if c.MaxTokens < 0 {
		return c, fmt.Errorf("openai-compatible %s: max tokens %d is negative", diagnose.RedactURL(c.BaseURL), c.MaxTokens)
	}
	switch c.TokenLimitParam {
	case "":
		c.TokenLimitParam = TokenLimitMaxTokens
	case TokenLimitMaxTokens, TokenLimitMaxCompletionTokens:
	default:
		return c, fmt.Errorf("openai-compatible %s: token limit parameter %q is neither %s nor %s",
			diagnose.RedactURL(c.BaseURL), c.TokenLimitParam, TokenLimitMaxTokens, TokenLimitMaxCompletionTokens)
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Timeout < 0 {
		return c, fmt.Errorf("openai-compatible %s: timeout %s is negative", diagnose.RedactURL(c.BaseURL), c.Timeout)
	}
	switch {
	case c.MaxRetries == 0:
		c.MaxRetries = DefaultMaxRetries
	case c.MaxRetries < 0:
		c.MaxRetries = 0
	}
	if c.InputPricePerMTok < 0 || c.OutputPricePerMTok < 0 {
		return c, fmt.Errorf("openai-compatible %s: a token price is negative", diagnose.RedactURL(c.BaseURL))
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// printable is what the Config may show of itself.
func (c Config) printable() diagnose.Printable {
	return diagnose.Printable{Provider: "openai", BaseURL: c.BaseURL, Model: c.Model, MaxTokens: c.MaxTokens,
		Timeout: c.Timeout, MaxRetries: c.MaxRetries, KeySet: c.APIKey != ""}
}

// String keeps the key out of anything that prints a Config.
func (c Config) String() string { return c.printable().String() }

// GoString covers %#v, which would otherwise print every field.
func (c Config) GoString() string { return c.String() }

// LogValue keeps the key out of structured logs.
func (c Config) LogValue() slog.Value { return c.printable().LogValue() }
