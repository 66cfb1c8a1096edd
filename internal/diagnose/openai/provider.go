// Package openai is a diagnosis provider for any server that speaks
// OpenAI's chat completions API: OpenAI itself, vLLM, Ollama, llama.cpp's
// server, LM Studio. It asks the model to call one function whose
// parameters are the answer's JSON Schema and hands back the call's
// arguments as the model wrote them; diagnose.Check judges them.
package openai

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	oai "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"

	"github.com/operator-dev/operator/internal/diagnose"
	"github.com/operator-dev/operator/internal/ticket"
)

// Provider diagnoses tickets with a model behind an OpenAI-compatible
// server. It is safe for concurrent use.
type Provider struct {
	cfg         Config
	completions oai.ChatCompletionService
}

var _ diagnose.Provider = (*Provider)(nil)

// New returns a provider for the configured server and model. It sends
// nothing until Diagnose.
func New(cfg Config) (*Provider, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	opts := []option.RequestOption{
		option.WithBaseURL(cfg.BaseURL),
		option.WithHTTPClient(countingClient(cfg.HTTPClient)),
		option.WithMaxRetries(cfg.MaxRetries),
		option.WithRequestTimeout(cfg.Timeout),
	}
	if cfg.APIKey != "" {
		opts = append(opts, option.WithAPIKey(cfg.APIKey))
	}
	// The service, not oai.NewClient: the client reads OPENAI_API_KEY,
	// OPENAI_BASE_URL, OPENAI_CUSTOM_HEADERS and more from the environment,
	// which would send an OpenAI key to a local server configured without
	// one. Only Config decides where requests go and what they carry.
	return &Provider{cfg: cfg, completions: oai.NewChatCompletionService(opts...)}, nil
}

// Name is the provider's name in diagnosis records.
func (p *Provider) Name() string { return "openai" }

// Diagnose asks the model for one ticket's diagnosis. An error means no
// answer: the server failed, was out of retries or time, cut the answer at
// the token limit, or the model did not call the diagnosis tool. The Answer
// returned with an error has no Raw, but its Usage says what was spent.
func (p *Provider) Diagnose(ctx context.Context, req diagnose.Request) (diagnose.Answer, error) {
	if req.Context == nil {
		return diagnose.Answer{}, fmt.Errorf("openai-compatible %s: diagnose: no context", diagnose.RedactURL(p.cfg.BaseURL))
	}
	id := req.Context.Ticket.ID
	start := time.Now()
	ans, err := p.diagnose(ctx, req)
	log := p.cfg.Logger.With("provider", p.Name(), "base_url", diagnose.RedactURL(p.cfg.BaseURL), "model", ans.Model,
		"ticket", int64(id), "attempts", ans.Usage.Attempts, "input_tokens", ans.Usage.InputTokens,
		"output_tokens", ans.Usage.OutputTokens, "cost_usd", ans.Usage.CostUSD, "elapsed", time.Since(start))
	if err != nil {
		err = redact(fmt.Errorf("openai-compatible %s: diagnose ticket %d: %w", diagnose.RedactURL(p.cfg.BaseURL), id, err), p.cfg.APIKey)
		log.Warn("diagnosis failed", "err", err.Error())
		return ans, err
	}
	log.Info("diagnosis answered", "answer_bytes", len(ans.Raw))
	return ans, nil
}

func (p *Provider) diagnose(ctx context.Context, req diagnose.Request) (diagnose.Answer, error) {
	ans := diagnose.Answer{Model: p.cfg.Model}
	params, err := p.params(req)
	if err != nil {
		return ans, err
	}
	ctx, tl := withTally(ctx)
	var last *http.Response
	resp, err := p.completions.New(ctx, params, option.WithResponseInto(&last))
	ans.Usage.Attempts = int(tl.attempts.Load())
	if err != nil {
		return ans, requestFailure(ctx, err, last, p.cfg.Timeout, int(tl.lastStatus.Load()))
	}
	if resp == nil {
		return ans, errors.New("server answered with an empty body")
	}
	if resp.Model != "" {
		ans.Model = resp.Model
	}
	ans.Usage = p.usage(resp.Usage, ans.Usage.Attempts)
	raw, err := toolArguments(resp, p.cfg.MaxTokens)
	if err != nil {
		return ans, err
	}
	ans.Raw = raw
	return ans, nil
}

// params is the request: the system prompt, the data block, and the one
// tool the model must call. strict is left unset: many local servers
// reject or ignore it, and Check enforces the schema anyway.
func (p *Provider) params(req diagnose.Request) (oai.ChatCompletionNewParams, error) {
	user, err := userMessage(req.Context, req.Actions)
	if err != nil {
		return oai.ChatCompletionNewParams{}, err
	}
	schema := req.Schema
	if schema == nil {
		schema = diagnose.AnswerSchema(req.Context, req.Actions)
	}
	params := oai.ChatCompletionNewParams{
		Model: shared.ChatModel(p.cfg.Model),
		Messages: []oai.ChatCompletionMessageParamUnion{
			oai.SystemMessage(diagnose.SystemPrompt(req.Watched)),
			oai.UserMessage(user),
		},
		Tools: []oai.ChatCompletionToolUnionParam{
			oai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{
				Name:        toolName,
				Description: oai.String(toolDescription),
				Parameters:  shared.FunctionParameters(schema),
			}),
		},
	}
	if p.cfg.ToolChoiceRequired {
		params.ToolChoice = oai.ChatCompletionToolChoiceOptionUnionParam{OfAuto: oai.String("required")}
	} else {
		params.ToolChoice = oai.ToolChoiceOptionFunctionToolChoice(oai.ChatCompletionNamedToolChoiceFunctionParam{Name: toolName})
	}
	if p.cfg.TokenLimitParam == TokenLimitMaxCompletionTokens {
		params.MaxCompletionTokens = oai.Int(p.cfg.MaxTokens)
	} else {
		params.MaxTokens = oai.Int(p.cfg.MaxTokens)
	}
	return params, nil
}

// usage is what the reply cost. A server that reports no usage (some
// local ones) costs zero tokens here, not a guess.
func (p *Provider) usage(u oai.CompletionUsage, attempts int) ticket.Usage {
	// A negative count (a broken server) would credit the budget; a huge
	// one is capped far above any real reply.
	in, out := min(max(u.PromptTokens, 0), 1<<40), min(max(u.CompletionTokens, 0), 1<<40)
	return ticket.Usage{
		InputTokens:  in,
		OutputTokens: out,
		CostUSD:      float64(in)*p.cfg.InputPricePerMTok/1e6 + float64(out)*p.cfg.OutputPricePerMTok/1e6,
		Attempts:     attempts,
	}
}
