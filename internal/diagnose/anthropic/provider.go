// Package anthropic is a diagnose.Provider backed by Claude through the
// official Anthropic Go SDK. It sends the ticket's context as JSON inside a
// delimited block the model is told is untrusted, offers one tool whose
// input schema is the answer schema, and returns the tool's input exactly as
// the model wrote it; diagnose.Check judges it afterwards.
package anthropic

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/anthropics/anthropic-sdk-go/v2/packages/param"

	"github.com/operator-dev/operator/internal/diagnose"
)

// Provider asks Claude for a diagnosis. It is safe for concurrent use.
type Provider struct {
	cfg    Config // APIKey cleared: the key lives only in the client's credential option
	client anthropic.Client
	log    *slog.Logger
	// redactErr and redactText strip the key from text that came from
	// elsewhere; they hold the key in a closure, so printing a Provider
	// never shows it.
	redactErr  func(error) error
	redactText func(string) string
}

var _ diagnose.Provider = (*Provider)(nil)

// New builds a provider. Nothing is sent until the first Diagnose.
func New(cfg Config) (*Provider, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	client := anthropic.NewClient(
		// The config is the only input: no ANTHROPIC_BASE_URL, no profile on
		// disk, no ANTHROPIC_CUSTOM_HEADERS from the environment.
		option.WithoutEnvironmentDefaults(),
		option.WithAPIKey(cfg.APIKey),
		option.WithBaseURL(cfg.BaseURL),
		option.WithHTTPClient(cfg.HTTPClient),
		option.WithMaxRetries(cfg.MaxRetries),
		// Tells the server (X-Stainless-Timeout) how long we wait. Each
		// call's context carries the real deadline, which spans retries.
		option.WithRequestTimeout(cfg.Timeout),
	)
	redactErr, redactText := redactor(cfg.APIKey)
	cfg.APIKey = ""
	return &Provider{cfg: cfg, client: client, log: cfg.Logger, redactErr: redactErr, redactText: redactText}, nil
}

// Name is the provider's name in diagnosis records.
func (p *Provider) Name() string { return "anthropic" }

// Model is the model id the provider asks for.
func (p *Provider) Model() string { return p.cfg.Model }

// Diagnose asks the model for one diagnosis of the ticket in req.
//
// On success Answer.Raw is the tool input byte for byte. On error Answer
// carries no Raw, only Model and Usage: what the failed call cost, so a
// budget counts truncated answers and retries too. The error says what was
// being done ("anthropic: diagnose ticket 7: ...") and, for an API error,
// the status, error type and message; errors.As reaches *anthropic.Error,
// and an exhausted credit balance also matches diagnose.ErrBudget.
func (p *Provider) Diagnose(ctx context.Context, req diagnose.Request) (diagnose.Answer, error) {
	ans := diagnose.Answer{Model: p.cfg.Model}
	if req.Context == nil {
		return ans, errors.New("anthropic: diagnose: the request has no context")
	}
	id := req.Context.Ticket.ID
	fail := func(err error) (diagnose.Answer, error) {
		err = p.redactErr(fmt.Errorf("anthropic: diagnose ticket %d: %w", id, err))
		p.log.Warn("anthropic diagnosis failed", "ticket", id, "model", ans.Model, "attempts", ans.Usage.Attempts, "err", err)
		return ans, err
	}

	params, err := p.params(req)
	if err != nil {
		return fail(fmt.Errorf("build the request: %w", err))
	}
	call, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	var tries attempts
	msg, err := p.client.Messages.New(call, params, option.WithMiddleware(tries.middleware(p.log, p.redactText, id)))
	ans.Usage.Attempts = tries.count()
	if err != nil {
		return fail(callError(ctx, call, err, tries.count(), tries.lastRefusal(), p.cfg.Timeout))
	}
	if msg == nil {
		// The SDK decodes a 2xx body of `null` to no message and no error.
		return fail(errors.New("the API answered a null message"))
	}
	if msg.Model != "" {
		ans.Model = msg.Model
	}
	ans.Usage = usage(msg.Usage, tries.count(), p.cfg.InputPricePerMTok, p.cfg.OutputPricePerMTok)
	raw, err := toolInput(msg, p.cfg.MaxTokens)
	if err != nil {
		return fail(err)
	}
	ans.Raw = raw
	p.log.Info("anthropic diagnosis answered", "ticket", id, "model", ans.Model, "attempts", ans.Usage.Attempts,
		"input_tokens", ans.Usage.InputTokens, "output_tokens", ans.Usage.OutputTokens, "cost_usd", ans.Usage.CostUSD)
	return ans, nil
}

// params is the Messages API request: the system prompt, the data block,
// and the one tool, whose input schema is the answer schema verbatim.
func (p *Provider) params(req diagnose.Request) (anthropic.MessageNewParams, error) {
	if len(req.Schema) == 0 {
		return anthropic.MessageNewParams{}, errors.New("the request has no answer schema")
	}
	schema, err := json.Marshal(req.Schema)
	if err != nil {
		return anthropic.MessageNewParams{}, fmt.Errorf("encode the answer schema: %w", err)
	}
	user, err := userMessage(req.Context, req.Actions)
	if err != nil {
		return anthropic.MessageNewParams{}, err
	}
	tool := anthropic.ToolParam{
		Name:        toolName,
		Description: anthropic.String(toolDescription),
		// Override sends the schema as it is; the typed fields would drop
		// everything but properties and required.
		InputSchema: param.Override[anthropic.ToolInputSchemaParam](json.RawMessage(schema)),
	}
	choice := anthropic.ToolChoiceUnionParam{OfTool: &anthropic.ToolChoiceToolParam{
		Name: toolName, DisableParallelToolUse: anthropic.Bool(true),
	}}
	if p.cfg.AutoToolChoice {
		choice = anthropic.ToolChoiceUnionParam{OfAuto: &anthropic.ToolChoiceAutoParam{DisableParallelToolUse: anthropic.Bool(true)}}
	}
	return anthropic.MessageNewParams{
		Model:      p.cfg.Model,
		MaxTokens:  p.cfg.MaxTokens,
		System:     []anthropic.TextBlockParam{{Text: diagnose.SystemPrompt(req.Watched)}},
		Messages:   []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(user))},
		Tools:      []anthropic.ToolUnionParam{{OfTool: &tool}},
		ToolChoice: choice,
	}, nil
}
