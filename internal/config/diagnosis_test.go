package config

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"
)

// The environment sets every diagnosis key, over the file.
func TestDiagnosisEnv(t *testing.T) {
	path := writeConfig(t, "diagnosis:\n  provider: openai\n  anthropic:\n    model: claude-opus-4-1\n  openai:\n    model: gpt-4.1\n")
	c, err := Load(path, EnvLookup([]string{
		"OPERATOR_DIAGNOSIS_PROVIDER=anthropic",
		"OPERATOR_DIAGNOSIS_ANTHROPIC_MODEL=claude-haiku-4-5",
		"OPERATOR_DIAGNOSIS_ANTHROPIC_BASE_URL=https://llm-gw.internal",
		"OPERATOR_DIAGNOSIS_ANTHROPIC_API_KEY_ENV=LLM_GW_TOKEN",
		"OPERATOR_DIAGNOSIS_MAX_COST_PER_TICKET=0",
		"OPERATOR_DIAGNOSIS_REDIAGNOSE_AFTER=0s",
	}), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Default().Diagnosis
	want.Provider = ProviderAnthropic
	want.RediagnoseAfter = 0
	want.MaxCostPerTicket = 0
	want.Anthropic = Anthropic{Model: "claude-haiku-4-5", BaseURL: "https://llm-gw.internal", APIKeyEnv: "LLM_GW_TOKEN"}
	want.OpenAI.Model = "gpt-4.1" // from the file
	if c.Diagnosis != want {
		t.Errorf("diagnosis:\ngot  %+v\nwant %+v", c.Diagnosis, want)
	}

	// The model the openai provider needs may come from the environment
	// while the provider comes from the file.
	path = writeConfig(t, "diagnosis:\n  provider: openai\n")
	if _, err := Load(path, nil, nil); err == nil || !strings.Contains(err.Error(), "openai needs diagnosis.openai.model") {
		t.Errorf("file alone: Load error = %v, want openai without model", err)
	}
	c, err = Load(path, EnvLookup([]string{"OPERATOR_DIAGNOSIS_OPENAI_MODEL=qwen2.5:14b"}), nil)
	if err != nil {
		t.Fatalf("file and env together: %v", err)
	}
	if c.Diagnosis.Provider != ProviderOpenAI || c.Diagnosis.OpenAI.Model != "qwen2.5:14b" {
		t.Errorf("provider %q, model %q", c.Diagnosis.Provider, c.Diagnosis.OpenAI.Model)
	}
}

// Only the provider and the interval have flags; the flags beat the
// environment, and the rest of the section is file and env only.
func TestDiagnosisFlags(t *testing.T) {
	fs := pflag.NewFlagSet("operator", pflag.ContinueOnError)
	fs.SetOutput(new(bytes.Buffer))
	RegisterFlags(fs)
	var flagged []string
	for _, f := range fields() {
		if !strings.HasPrefix(f.path, "diagnosis.") {
			continue
		}
		if fl := fs.Lookup(flagName(f.path)); fl != nil {
			flagged = append(flagged, "--"+fl.Name)
		} else if !f.noFlag {
			t.Errorf("%s is not noFlag but has no flag", f.path)
		}
	}
	if got := strings.Join(flagged, " "); got != "--diagnosis-provider --diagnosis-interval" {
		t.Errorf("diagnosis flags: %s", got)
	}
	for _, arg := range []string{"--diagnosis-timeout=5s", "--diagnosis-anthropic-model=x", "--diagnosis-openai-api-key-env=X"} {
		name, _, _ := strings.Cut(arg, "=")
		if err := fs.Parse([]string{arg}); err == nil || err.Error() != "unknown flag: "+name {
			t.Errorf("Parse(%s) = %v, want unknown flag", arg, err)
		}
	}

	env := EnvLookup([]string{"OPERATOR_DIAGNOSIS_PROVIDER=anthropic", "OPERATOR_DIAGNOSIS_INTERVAL=5s",
		"OPERATOR_DIAGNOSIS_OPENAI_MODEL=gpt-4.1"})
	c, err := Load("", env, parsedFlags(t, "--diagnosis-provider=openai", "--diagnosis-interval", "1m"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Diagnosis.Provider != ProviderOpenAI || c.Diagnosis.Interval != Duration(time.Minute) {
		t.Errorf("provider %q, interval %v; want openai, 1m0s (flags over env)", c.Diagnosis.Provider, c.Diagnosis.Interval)
	}

	// A bad enum is a Load problem naming the flag, with a suggestion; a
	// bad duration is a usage error at parse time.
	_, err = Load("", nil, parsedFlags(t, "--diagnosis-provider=antropic"))
	want := `load config: flag --diagnosis-provider: diagnosis.provider: invalid value "antropic" (want one of rules, anthropic, openai; did you mean "anthropic"?)`
	if err == nil || err.Error() != want {
		t.Errorf("Load error:\n%v\nwant:\n%s", err, want)
	}
	_, err = Load("", nil, parsedFlags(t, "--diagnosis-provider=openai"))
	if err == nil || !strings.Contains(err.Error(), "flag --diagnosis-provider: diagnosis.provider: openai needs diagnosis.openai.model") {
		t.Errorf("openai by flag without a model: Load error = %v", err)
	}
	fs = pflag.NewFlagSet("operator", pflag.ContinueOnError)
	fs.SetOutput(new(bytes.Buffer))
	RegisterFlags(fs)
	err = fs.Parse([]string{"--diagnosis-interval=often"})
	if want := `invalid argument "often" for "--diagnosis-interval" flag: invalid duration "often" (want e.g. 5s, 1m30s)`; err == nil || err.Error() != want {
		t.Errorf("Parse = %v, want %s", err, want)
	}
}

// Under cobra, as cmd/operator wires it.
func TestCobraDiagnosis(t *testing.T) {
	path := writeConfig(t, "diagnosis:\n  max-tokens-per-ticket: 1000\n  openai:\n    base-url: http://localhost:11434/v1\n    model: qwen2.5:14b\n")
	var got *Config
	root := &cobra.Command{Use: "operator", SilenceUsage: true, SilenceErrors: true}
	RegisterFlags(root.PersistentFlags())
	root.AddCommand(&cobra.Command{
		Use: "run",
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := Load(path, EnvLookup([]string{"OPERATOR_DIAGNOSIS_MAX_RETRIES=0"}), cmd.Flags())
			got = c
			return err
		},
	})
	root.SetOut(new(bytes.Buffer))
	root.SetErr(new(bytes.Buffer))
	root.SetArgs([]string{"run", "--diagnosis-max-retries", "1"})
	if err := root.Execute(); err == nil || !strings.Contains(err.Error(), "unknown flag: --diagnosis-max-retries") {
		t.Errorf("max-retries flag: Execute = %v, want unknown flag", err)
	}
	root.SetArgs([]string{"run", "--diagnosis-provider", "openai"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	d := got.Diagnosis
	if d.Provider != ProviderOpenAI || d.MaxTokensPerTicket != 1000 || d.MaxRetries != 0 || d.OpenAI.BaseURL != "http://localhost:11434/v1" {
		t.Errorf("got %+v; want provider openai (flag), 1000 tokens (file), 0 retries (env), Ollama's URL (file)", d)
	}
}

func TestDiagnosisAPIKey(t *testing.T) {
	env := []string{"ANTHROPIC_API_KEY=sk-ant-one", "OPENAI_API_KEY=sk-openai-two", "LLM_GW_TOKEN= gw-three\n", "BLANK=  "}
	tests := []struct {
		name             string
		set              func(*Diagnosis)
		env              []string
		wantKey, wantEnv string
	}{
		{"rules reads nothing", func(d *Diagnosis) {}, env, "", ""},
		{"anthropic", func(d *Diagnosis) { d.Provider = ProviderAnthropic }, env, "sk-ant-one", "ANTHROPIC_API_KEY"},
		{"openai", func(d *Diagnosis) { d.Provider = ProviderOpenAI }, env, "sk-openai-two", "OPENAI_API_KEY"},
		{"own variable, trimmed", func(d *Diagnosis) { d.Provider = ProviderAnthropic; d.Anthropic.APIKeyEnv = "LLM_GW_TOKEN" }, env, "gw-three", "LLM_GW_TOKEN"},
		{"variable unset", func(d *Diagnosis) { d.Provider = ProviderOpenAI; d.OpenAI.APIKeyEnv = "OLLAMA_KEY" }, env, "", "OLLAMA_KEY"},
		{"variable blank", func(d *Diagnosis) { d.Provider = ProviderOpenAI; d.OpenAI.APIKeyEnv = "BLANK" }, env, "", "BLANK"},
		{"no environment", func(d *Diagnosis) { d.Provider = ProviderAnthropic }, nil, "", "ANTHROPIC_API_KEY"},
		{"unknown provider", func(d *Diagnosis) { d.Provider = "gemini" }, env, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.set(&c.Diagnosis)
			var lookup func(string) (string, bool)
			var asked []string
			if tt.env != nil {
				l := EnvLookup(tt.env)
				lookup = func(k string) (string, bool) {
					asked = append(asked, k)
					return l(k)
				}
			}
			key, name := c.DiagnosisAPIKey(lookup)
			if key != tt.wantKey || name != tt.wantEnv {
				t.Errorf("DiagnosisAPIKey = %q, %q; want %q, %q", key, name, tt.wantKey, tt.wantEnv)
			}
			// Only the chosen provider's variable is read.
			if want := tt.wantEnv; (want == "" && len(asked) > 0) || (want != "" && tt.env != nil && strings.Join(asked, ",") != want) {
				t.Errorf("looked up %v, want only %q", asked, want)
			}
		})
	}
}

// A key pasted where a variable name belongs is refused, and no message
// from any source repeats it: not Check, not Load's error, whether it came
// from the file or the environment. Nor does a loaded config carry the key
// itself, whatever prints it.
func TestDiagnosisKeyNeverShown(t *testing.T) {
	keys := []string{
		"sk-ant-api03-Zx9Yw8Vv7Uu6Tt5Ss4Rr3Qq2Pp1Oo0NnMmLlKkJjIiHhGg",
		"sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
		"gsk_8fJk2LmQ9xRt4VbN7pWz3YcH6dS1aE5gK0",
		"AIzaSyD4x9Jk2LmQ9xRt4VbN7pWz3YcH6dS1aE5",
		"Bearer sk-live-secret",
		"$sk-ant-pasted-with-a-dollar",
		"sk-ant-with spaces\tand tabs",
	}
	for _, key := range keys {
		for _, path := range []string{"diagnosis.anthropic.api-key-env", "diagnosis.openai.api-key-env"} {
			var shown []string
			yml := fmt.Sprintf("diagnosis:\n  %s:\n    api-key-env: %q\n", strings.Split(path, ".")[1], key)
			ps := Check([]byte(yml), "operator.yaml")
			if len(ps) != 1 || ps[0].Path != path {
				t.Errorf("Check(%s) = %v, want one problem at %s", path, Problems(ps), path)
			}
			for _, p := range ps {
				shown = append(shown, p.String())
			}
			_, err := Load(writeConfig(t, yml), nil, nil)
			if err == nil {
				t.Errorf("Load accepted %s set to a key", path)
			} else {
				shown = append(shown, err.Error())
			}
			_, err = Load("", EnvLookup([]string{envName(path) + "=" + key}), nil)
			if err == nil {
				t.Errorf("Load accepted %s set to a key", envName(path))
			} else {
				shown = append(shown, err.Error())
			}
			c := Default()
			c.Diagnosis.Anthropic.APIKeyEnv, c.Diagnosis.OpenAI.APIKeyEnv = key, key
			if err := c.Validate(); err == nil {
				t.Error("Validate accepted a key for api-key-env")
			} else {
				shown = append(shown, err.Error())
			}
			for _, s := range shown {
				if leaks(s, key) {
					t.Errorf("message shows the key:\n%s", s)
				}
			}
		}
	}

	// A password in a base URL is masked, or the URL left out.
	for _, u := range []string{"ftp://gw:hunter2-secret@llm-gw/v1", "http://gw:hunter2-secret@llm-gw:port/v1", "gw:hunter2-secret@llm-gw"} {
		ps := Check([]byte(fmt.Sprintf("diagnosis:\n  anthropic:\n    base-url: %q\n  openai:\n    base-url: %q\n", u, u)), "operator.yaml")
		if len(ps) != 2 {
			t.Errorf("base-url %s: %d problems, want 2: %v", u, len(ps), Problems(ps))
		}
		for _, p := range ps {
			if strings.Contains(p.String(), "hunter2") {
				t.Errorf("message shows the password:\n%s", p)
			}
		}
	}

	// The key read from the environment stays out of the Config.
	c := Default()
	c.Diagnosis.Provider = ProviderAnthropic
	const secret = "sk-ant-api03-do-not-print"
	if key, _ := c.DiagnosisAPIKey(EnvLookup([]string{"ANTHROPIC_API_KEY=" + secret})); key != secret {
		t.Fatalf("key = %q", key)
	}
	out, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{string(out), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c)} {
		if strings.Contains(s, secret) {
			t.Errorf("config output shows the key:\n%s", s)
		}
	}
}

// leaks says whether msg shows key, or any long run of it.
func leaks(msg, key string) bool {
	const run = 12
	if len(key) <= run {
		return strings.Contains(msg, key)
	}
	for i := 0; i+run <= len(key); i++ {
		if strings.Contains(msg, key[i:i+run]) {
			return true
		}
	}
	return false
}

// Validate applies the same cross-key rule to a config built in code.
func TestValidateDiagnosis(t *testing.T) {
	c := Default()
	c.Diagnosis.Provider = ProviderOpenAI
	c.Diagnosis.MaxCostPerTicket = -1
	err := c.Validate()
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("Validate() = %v, want Problems", err)
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.Path)
	}
	if strings.Join(got, " ") != "diagnosis.max-cost-per-ticket diagnosis.provider" {
		t.Errorf("Validate() problems at %v\n%v", got, err)
	}
	c.Diagnosis.MaxCostPerTicket = 0
	c.Diagnosis.OpenAI.Model = "gpt-4.1"
	if err := c.Validate(); err != nil {
		t.Errorf("Validate() = %v", err)
	}
}

// The token prices come from the environment like any no-flag key, and the
// pairing rule spans sources and applies to a config built in code.
func TestDiagnosisPrices(t *testing.T) {
	path := writeConfig(t, "diagnosis:\n  anthropic:\n    model: claude-opus-4-1\n    input-price-per-mtok: 15\n")
	env := EnvLookup([]string{"OPERATOR_DIAGNOSIS_ANTHROPIC_OUTPUT_PRICE_PER_MTOK=75",
		"OPERATOR_DIAGNOSIS_OPENAI_INPUT_PRICE_PER_MTOK=0.4", "OPERATOR_DIAGNOSIS_OPENAI_OUTPUT_PRICE_PER_MTOK=1.6"})
	c, err := Load(path, env, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, o := c.Diagnosis.Anthropic, c.Diagnosis.OpenAI
	if a.InputPricePerMTok != 15 || a.OutputPricePerMTok != 75 || o.InputPricePerMTok != 0.4 || o.OutputPricePerMTok != 1.6 {
		t.Errorf("prices: anthropic %v/%v, openai %v/%v", a.InputPricePerMTok, a.OutputPricePerMTok, o.InputPricePerMTok, o.OutputPricePerMTok)
	}

	// The file's input price alone is half a pair.
	_, err = Load(path, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "diagnosis.anthropic.input-price-per-mtok: input-price-per-mtok is set but output-price-per-mtok is not") {
		t.Errorf("one price: Load error = %v", err)
	}
	_, err = Load("", EnvLookup([]string{"OPERATOR_DIAGNOSIS_OPENAI_OUTPUT_PRICE_PER_MTOK=2"}), nil)
	want := "env OPERATOR_DIAGNOSIS_OPENAI_OUTPUT_PRICE_PER_MTOK: diagnosis.openai.output-price-per-mtok: output-price-per-mtok is set but input-price-per-mtok is not"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("one price from env: Load error = %v\nwant %s", err, want)
	}
	_, err = Load("", EnvLookup([]string{"OPERATOR_DIAGNOSIS_OPENAI_INPUT_PRICE_PER_MTOK=NaN"}), nil)
	if err == nil || !strings.Contains(err.Error(), "diagnosis.openai.input-price-per-mtok: NaN is out of range") {
		t.Errorf("NaN price: Load error = %v", err)
	}

	d := Default()
	d.Diagnosis.OpenAI.InputPricePerMTok = 1
	d.Diagnosis.Anthropic.OutputPricePerMTok = -1
	err = d.Validate()
	var ps Problems
	if !errors.As(err, &ps) || len(ps) != 2 || ps[0].Path != "diagnosis.anthropic.output-price-per-mtok" || ps[1].Path != "diagnosis.openai.input-price-per-mtok" {
		t.Errorf("Validate() = %v; want the negative anthropic price and the lone openai price", err)
	}
	d.Diagnosis.Anthropic.OutputPricePerMTok = 0
	d.Diagnosis.OpenAI.OutputPricePerMTok = 4
	if err := d.Validate(); err != nil {
		t.Errorf("Validate() = %v", err)
	}
}
