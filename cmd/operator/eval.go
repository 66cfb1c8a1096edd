package main

import (
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/operator-dev/operator/internal/config"
	"github.com/operator-dev/operator/internal/diagnose"
	"github.com/operator-dev/operator/internal/diagnose/anthropic"
	"github.com/operator-dev/operator/internal/diagnose/openai"
	"github.com/operator-dev/operator/internal/eval"
)

func newEvalCmd(stdout, stderr io.Writer, env lookupEnv) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "eval",
		Short: "Score a diagnosis provider on the benchmark's incident scenarios",
		Long: `eval plays each incident scenario (eval/scenarios, built in; or --scenarios DIR)
on its own simulated cluster, lets the monitor raise tickets and the diagnosis
runner diagnose them, and judges the provider's diagnosis of each scenario's
ticket against what a senior TiKV SRE would do: the action (or none), its
parameters, and the words its probable cause must name.

It prints one line per scenario and the figures: action accuracy, precision
of the proposed actions, parameter correctness, refusals. The exit code is 1
if any scenario is judged wrong, so CI can hold the rules provider at 100%.

The model providers are set up from the config as the daemon does (--config,
OPERATOR_DIAGNOSIS_*, the key from the environment variable the config
names); each is asked about one ticket per scenario. A scenario that needs
Prometheus runs only if a prometheus binary is on PATH.`,
		Args: cobra.NoArgs,
	}
	f := cmd.Flags()
	f.String("provider", "", "rules, anthropic or openai (default: diagnosis.provider)")
	f.String("scenarios", "", "directory of *.yaml scenarios (default: the built-in set)")
	f.StringP("output", "o", "table", "table or json")
	f.String("run", "", "only the scenarios whose name matches this regular expression")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		cfg, err := loadConfig(cmd, env)
		if err != nil {
			return err
		}
		if f.Changed("provider") {
			cfg.Diagnosis.Provider, _ = f.GetString("provider")
		}
		out, _ := f.GetString("output")
		if out != "table" && out != "json" {
			return &exitError{code: 2, err: fmt.Errorf("eval: --output %q: want table or json", out)}
		}
		model, err := evalProvider(cfg, env)
		if err != nil {
			return err
		}
		scs, err := evalScenarios(cmd)
		if err != nil {
			return err
		}
		opts := eval.Options{
			Timeout:  providerTimeout(cfg),
			Progress: func(r eval.Result) { fmt.Fprintf(stderr, "eval: %s (%.1fs)\n", r, r.WallSeconds) },
		}
		if cfg.Log.Level == "debug" {
			// The pipeline's own logs (each cycle, each diagnosis) only
			// when asked for: they would bury the table.
			opts.Log = newLogger(stderr, cfg)
		}
		rep, err := eval.Run(cmd.Context(), scs, model, opts)
		if err != nil {
			return err
		}
		if out == "json" {
			err = rep.WriteJSON(stdout)
		} else {
			err = rep.WriteTable(stdout)
		}
		if err != nil {
			return fmt.Errorf("eval: write the report: %w", err)
		}
		if rep.Totals.Wrong > 0 {
			return &exitError{code: 1, err: fmt.Errorf("eval: %d of %d scenarios wrong", rep.Totals.Wrong, rep.Totals.Run)}
		}
		return nil
	}
	return cmd
}

// evalScenarios loads --scenarios DIR or the built-in set, then --run.
func evalScenarios(cmd *cobra.Command) ([]*eval.Scenario, error) {
	dir, _ := cmd.Flags().GetString("scenarios")
	var scs []*eval.Scenario
	var err error
	if dir != "" {
		scs, err = eval.LoadDir(dir)
	} else {
		scs, err = eval.Embedded()
	}
	if err != nil {
		return nil, &exitError{code: 2, err: fmt.Errorf("eval: %w", err)}
	}
	expr, _ := cmd.Flags().GetString("run")
	if scs, err = eval.Select(scs, expr); err != nil {
		return nil, &exitError{code: 2, err: fmt.Errorf("eval: %w", err)}
	}
	return scs, nil
}

// evalProvider builds the model under test the way the daemon does
// (internal/app/diagnosis.go), except that a missing key is an error: a
// benchmark of the rules under a model's name would be a lie. nil means
// the rules provider is judged.
func evalProvider(cfg *config.Config, env lookupEnv) (diagnose.Provider, error) {
	d := cfg.Diagnosis
	switch d.Provider {
	case config.ProviderRules, config.ProviderAnthropic, config.ProviderOpenAI:
	default:
		return nil, &exitError{code: 2, err: fmt.Errorf("eval: unknown provider %q (want rules, anthropic or openai)", d.Provider)}
	}
	if err := cfg.Validate(); err != nil {
		return nil, &exitError{code: 2, err: fmt.Errorf("eval: %w", err)}
	}
	key, envName := cfg.DiagnosisAPIKey(env)
	retries := d.MaxRetries
	if retries == 0 {
		retries = -1 // config's 0 means no retry; the providers' 0 means their default
	}
	log := slog.New(slog.DiscardHandler)
	switch d.Provider {
	case config.ProviderAnthropic:
		if key == "" {
			return nil, &exitError{code: 2, err: fmt.Errorf("set %s to evaluate the anthropic provider", envName)}
		}
		p, err := anthropic.New(anthropic.Config{APIKey: key, BaseURL: d.Anthropic.BaseURL, Model: d.Anthropic.Model,
			Timeout: time.Duration(d.Timeout), MaxRetries: retries, Logger: log})
		if err != nil {
			return nil, &exitError{code: 2, err: fmt.Errorf("eval: set up the anthropic provider: %w", err)}
		}
		return p, nil
	case config.ProviderOpenAI:
		// A local OpenAI-compatible server needs no key.
		p, err := openai.New(openai.Config{APIKey: key, BaseURL: d.OpenAI.BaseURL, Model: d.OpenAI.Model,
			Timeout: time.Duration(d.Timeout), MaxRetries: retries, Logger: log})
		if err != nil {
			return nil, &exitError{code: 2, err: fmt.Errorf("eval: set up the OpenAI-compatible provider: %w", err)}
		}
		return p, nil
	}
	return nil, nil
}

// providerTimeout bounds one provider call with its retries, as the daemon
// does.
func providerTimeout(cfg *config.Config) time.Duration {
	d := cfg.Diagnosis
	return time.Duration(d.Timeout)*time.Duration(d.MaxRetries+1) + 30*time.Second
}
