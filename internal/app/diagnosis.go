package app

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/operator-dev/operator/internal/config"
	"github.com/operator-dev/operator/internal/diagnose"
	"github.com/operator-dev/operator/internal/diagnose/anthropic"
	"github.com/operator-dev/operator/internal/diagnose/openai"
	"github.com/operator-dev/operator/internal/store/backend"
	"github.com/operator-dev/operator/internal/tikv/observe"
	"github.com/operator-dev/operator/internal/tikv/rules"
)

// newRunner wires the diagnosis runner: the offline rules provider always,
// and the configured model beside it when its key is in the environment.
// Without a key the daemon still diagnoses every ticket, with the rules
// alone, and says so once at start.
func newRunner(cfg *config.Config, st backend.Store, subj *observe.Subject, env func(string) (string, bool),
	log *slog.Logger, reg prometheus.Registerer) (*diagnose.Runner, error) {
	model, err := newModel(cfg, env, log)
	if err != nil {
		return nil, err
	}
	d := cfg.Diagnosis
	rc := diagnose.Config{
		Interval:        time.Duration(d.Interval),
		RediagnoseAfter: time.Duration(d.RediagnoseAfter),
		// The provider bounds each request; this bounds the whole call,
		// retries and their backoff included.
		Timeout: time.Duration(d.Timeout)*time.Duration(d.MaxRetries+1) + 30*time.Second,
		Budget:  diagnose.Budget{MaxTokens: int64(d.MaxTokensPerTicket), MaxCostUSD: d.MaxCostPerTicket},
	}
	if d.RediagnoseAfter == 0 {
		rc.RediagnoseAfter = -1 // config's 0 means no wait; the runner's 0 means its default
	}
	r, err := diagnose.NewRunner(rc, st, rules.New(), model, log, diagnose.NewMetrics(reg), time.Now)
	if err != nil {
		return nil, fmt.Errorf("set up diagnosis: %w", err)
	}
	r.AddSubject(subj.Name(), subj, subj.Actions())
	return r, nil
}

// newModel returns the configured model provider, or nil for rules only.
func newModel(cfg *config.Config, env func(string) (string, bool), log *slog.Logger) (diagnose.Provider, error) {
	d := cfg.Diagnosis
	key, envName := cfg.DiagnosisAPIKey(env)
	retries := d.MaxRetries
	if retries == 0 {
		retries = -1 // config's 0 means no retry; the providers' 0 means their default
	}
	switch d.Provider {
	case config.ProviderAnthropic:
		if key == "" {
			log.Warn("no API key in the environment: diagnosing with the offline rules provider only",
				"provider", d.Provider, "env", envName)
			return nil, nil
		}
		p, err := anthropic.New(anthropic.Config{APIKey: key, BaseURL: d.Anthropic.BaseURL, Model: d.Anthropic.Model,
			Timeout: time.Duration(d.Timeout), MaxRetries: retries, Logger: log,
			InputPricePerMTok: d.Anthropic.InputPricePerMTok, OutputPricePerMTok: d.Anthropic.OutputPricePerMTok})
		if err != nil {
			return nil, fmt.Errorf("set up the anthropic diagnosis provider: %w", err)
		}
		log.Info("diagnosing with the rules provider and a model", "provider", d.Provider, "model", d.Anthropic.Model)
		return p, nil
	case config.ProviderOpenAI:
		// A local OpenAI-compatible server needs no key.
		p, err := openai.New(openai.Config{APIKey: key, BaseURL: d.OpenAI.BaseURL, Model: d.OpenAI.Model,
			Timeout: time.Duration(d.Timeout), MaxRetries: retries, Logger: log,
			InputPricePerMTok: d.OpenAI.InputPricePerMTok, OutputPricePerMTok: d.OpenAI.OutputPricePerMTok})
		if err != nil {
			return nil, fmt.Errorf("set up the OpenAI-compatible diagnosis provider: %w", err)
		}
		if d.MaxCostPerTicket > 0 && d.OpenAI.InputPricePerMTok == 0 && d.OpenAI.OutputPricePerMTok == 0 {
			log.Warn("diagnosis.max-cost-per-ticket cannot apply: tokens are counted, but at the configured prices "+
				"(diagnosis.openai.input-price-per-mtok and output-price-per-mtok, both 0) they cost $0; "+
				"the token budget (diagnosis.max-tokens-per-ticket) still applies",
				"provider", d.Provider, "model", d.OpenAI.Model, "max_cost_per_ticket", d.MaxCostPerTicket,
				"max_tokens_per_ticket", d.MaxTokensPerTicket)
		}
		log.Info("diagnosing with the rules provider and a model", "provider", d.Provider, "model", d.OpenAI.Model, "base_url", diagnose.RedactURL(d.OpenAI.BaseURL))
		return p, nil
	}
	log.Info("diagnosing with the offline rules provider (no model configured)")
	return nil, nil
}
