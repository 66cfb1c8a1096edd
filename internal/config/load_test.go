package config

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

// writeConfig writes a config file into a fresh directory and returns its path.
func writeConfig(t *testing.T, yaml string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "operator.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// parsedFlags returns a flag set with RegisterFlags applied and args parsed.
func parsedFlags(t *testing.T, args ...string) *pflag.FlagSet {
	t.Helper()
	fs := pflag.NewFlagSet("operator", pflag.ContinueOnError)
	RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return fs
}

func TestLoadPrecedence(t *testing.T) {
	const file = "pd:\n  timeout: 7s\npdsim:\n  stores: 7\n"
	tests := []struct {
		name        string
		file        string
		env         []string
		args        []string
		wantTimeout time.Duration
		wantStores  int
	}{
		{"defaults only", "", nil, nil, 5 * time.Second, 5},
		{"file over defaults", file, nil, nil, 7 * time.Second, 7},
		{"env over file", file, []string{"OPERATOR_PD_TIMEOUT=8s"}, nil, 8 * time.Second, 7},
		{"flag over env", file, []string{"OPERATOR_PD_TIMEOUT=8s", "OPERATOR_PDSIM_STORES=8"}, []string{"--pd-timeout=9s"}, 9 * time.Second, 8},
		{"flag over file", file, nil, []string{"--pdsim-stores", "9"}, 7 * time.Second, 9},
		{"env without file", "", []string{"OPERATOR_PDSIM_STORES=8"}, nil, 5 * time.Second, 8},
		// An unset flag holds the built-in default; it must not undo the file.
		{"unset flags leave file alone", file, nil, []string{"--log-level=debug"}, 7 * time.Second, 7},
		// Flag set to the default value explicitly still wins.
		{"flag set to the default", file, nil, []string{"--pdsim-stores=5"}, 7 * time.Second, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := ""
			if tt.file != "" {
				path = writeConfig(t, tt.file)
			}
			c, err := Load(path, EnvLookup(tt.env), parsedFlags(t, tt.args...))
			if err != nil {
				t.Fatal(err)
			}
			if got := time.Duration(c.PD.Timeout); got != tt.wantTimeout {
				t.Errorf("pd.timeout = %v, want %v", got, tt.wantTimeout)
			}
			if c.PDSim.Stores != tt.wantStores {
				t.Errorf("pdsim.stores = %d, want %d", c.PDSim.Stores, tt.wantStores)
			}
		})
	}
}

// Every key can be set from each source; this catches a field whose
// accessor points at the wrong struct member.
func TestLoadEveryKey(t *testing.T) {
	values := map[string]string{
		"log.level": "debug", "log.format": "json",
		"pd.endpoint": "https://pd:2379", "pd.timeout": "3s",
		"pd.read-tls.ca-file": "testdata/tls/ca.pem", "pd.read-tls.cert-file": "testdata/tls/client.pem", "pd.read-tls.key-file": "testdata/tls/client-key.pem",
		"pd.write-tls.ca-file": "testdata/tls/client.pem", "pd.write-tls.cert-file": "testdata/tls/ca.pem", "pd.write-tls.key-file": "testdata/tls/ca.pem",
		"prometheus.endpoint": "http://prom:9090", "prometheus.timeout": "4s",
		"pdsim.listen": ":9999", "pdsim.stores": "9", "pdsim.regions": "99", "pdsim.seed": "-3",
		"pdsim.scenario": "testdata/bad.yaml", "pdsim.speed": "0.5",
		"monitor.interval": "2m", "monitor.hold-down": "15s", "monitor.clear-after": "3m", "monitor.reopen-within": "1h",
		"db.path": "/var/lib/operator.db", "api.listen": "0.0.0.0:9999",
		"invariants.disconnect-after": "30s", "invariants.store-recovery-grace": "3m", "invariants.offline-stuck-after": "1h",
		"invariants.low-space-margin": "0.1", "invariants.region-check-limit": "32",
		"invariants.miss-peer-min-regions": "2", "invariants.down-peer-min-regions": "3", "invariants.pending-peer-min-regions": "4",
		"invariants.pending-peer-hold-down": "2m", "invariants.extra-peer-hold-down": "3m",
		"invariants.extra-peer-min-regions": "5", "invariants.oversized-min-regions": "7",
		"invariants.leader-imbalance-ratio": "2", "invariants.leader-imbalance-min-diff": "25",
		"invariants.region-imbalance-ratio": "1.25", "invariants.region-imbalance-min-diff": "0",
		"invariants.hot-write-region-rate": "4MiB", "invariants.hot-read-region-rate": "1.5MiB",
		"invariants.hot-write-store-rate": "100MB", "invariants.hot-read-store-rate": "1048576",
		"invariants.max-hot-regions": "8", "invariants.operator-stuck-fraction": "1", "invariants.operator-stuck-after": "45m",
		"invariants.max-tracked-operators": "500", "invariants.max-stuck-operators": "9",
		"invariants.latency-metric": "tikv_storage_engine_async_request_duration_seconds", "invariants.latency-quantile": "0.999",
		"invariants.latency-window": "5m", "invariants.latency-threshold": "250ms",
		"diagnosis.provider": "openai", "diagnosis.interval": "30s", "diagnosis.rediagnose-after": "0s",
		"diagnosis.timeout": "2m", "diagnosis.max-retries": "10", "diagnosis.max-tokens-per-ticket": "50000",
		"diagnosis.max-cost-per-ticket": "0.25", "diagnosis.anthropic.model": "claude-opus-4-1",
		"diagnosis.anthropic.base-url": "https://llm-gw.internal/anthropic", "diagnosis.anthropic.api-key-env": "LLM_GW_KEY",
		"diagnosis.openai.base-url": "http://localhost:11434/v1", "diagnosis.openai.model": "qwen2.5:14b",
		"diagnosis.openai.api-key-env": "OLLAMA_KEY", "diagnosis.anthropic.input-price-per-mtok": "15",
		"diagnosis.anthropic.output-price-per-mtok": "75", "diagnosis.openai.input-price-per-mtok": "0.5",
		"diagnosis.openai.output-price-per-mtok": "1.5e0",
		"actions.mode":                           "execute", "actions.interval": "500ms", "actions.proposal-ttl": "30m", "actions.recovery-window": "0s",
		"actions.max-stores": "2", "actions.max-regions": "100", "actions.max-bytes": "10GiB", "actions.max-per-hour": "4",
		"actions.policy-file": "testdata/bad.yaml", "notify.slack-url-env": "OPS_SLACK", "notify.webhook-url-env": "OPS_PAGER",
		"ha.replica-id": "operator-1", "ha.lease-ttl": "9s",
	}
	want := Config{
		Log: Log{Level: "debug", Format: "json"},
		PD: PD{Endpoint: "https://pd:2379", Timeout: Duration(3 * time.Second),
			ReadTLS:  TLS{CAFile: "testdata/tls/ca.pem", CertFile: "testdata/tls/client.pem", KeyFile: "testdata/tls/client-key.pem"},
			WriteTLS: TLS{CAFile: "testdata/tls/client.pem", CertFile: "testdata/tls/ca.pem", KeyFile: "testdata/tls/ca.pem"}},
		Prometheus: Prometheus{Endpoint: "http://prom:9090", Timeout: Duration(4 * time.Second)},
		PDSim:      PDSim{Listen: ":9999", Stores: 9, Regions: 99, Seed: -3, Scenario: "testdata/bad.yaml", Speed: 0.5},
		Monitor: Monitor{Interval: Duration(2 * time.Minute), HoldDown: Duration(15 * time.Second),
			ClearAfter: Duration(3 * time.Minute), ReopenWithin: Duration(time.Hour)},
		Invariants: Invariants{
			DisconnectAfter: Duration(30 * time.Second), StoreRecoveryGrace: Duration(3 * time.Minute), OfflineStuckAfter: Duration(time.Hour),
			LowSpaceMargin: 0.1, RegionCheckLimit: 32,
			MissPeerMinRegions: 2, DownPeerMinRegions: 3, PendingPeerMinRegions: 4,
			PendingPeerHoldDown: Duration(2 * time.Minute), ExtraPeerHoldDown: Duration(3 * time.Minute),
			ExtraPeerMinRegions: 5, OversizedMinRegions: 7,
			LeaderImbalanceRatio: 2, LeaderImbalanceMinDiff: 25, RegionImbalanceRatio: 1.25, RegionImbalanceMinDiff: 0,
			HotWriteRegionRate: 4 << 20, HotReadRegionRate: 3 << 19, HotWriteStoreRate: 100e6, HotReadStoreRate: 1 << 20,
			MaxHotRegions: 8, OperatorStuckFraction: 1, OperatorStuckAfter: Duration(45 * time.Minute),
			MaxTrackedOperators: 500, MaxStuckOperators: 9,
			LatencyMetric: "tikv_storage_engine_async_request_duration_seconds", LatencyQuantile: 0.999,
			LatencyWindow: Duration(5 * time.Minute), LatencyThreshold: Duration(250 * time.Millisecond),
		},
		Diagnosis: Diagnosis{
			Provider: "openai", Interval: Duration(30 * time.Second), RediagnoseAfter: 0,
			Timeout: Duration(2 * time.Minute), MaxRetries: 10, MaxTokensPerTicket: 50000, MaxCostPerTicket: 0.25,
			Anthropic: Anthropic{Model: "claude-opus-4-1", BaseURL: "https://llm-gw.internal/anthropic", APIKeyEnv: "LLM_GW_KEY",
				InputPricePerMTok: 15, OutputPricePerMTok: 75},
			OpenAI: OpenAI{BaseURL: "http://localhost:11434/v1", Model: "qwen2.5:14b", APIKeyEnv: "OLLAMA_KEY",
				InputPricePerMTok: 0.5, OutputPricePerMTok: 1.5},
		},
		Actions: Actions{Mode: "execute", Interval: Duration(500 * time.Millisecond), ProposalTTL: Duration(30 * time.Minute),
			MaxStores: 2, MaxRegions: 100, MaxBytes: 10 << 30, MaxPerHour: 4, PolicyFile: "testdata/bad.yaml"},
		Notify: Notify{SlackURLEnv: "OPS_SLACK", WebhookURLEnv: "OPS_PAGER"},
		DB:     DB{Path: "/var/lib/operator.db"},
		HA:     HA{ReplicaID: "operator-1", LeaseTTL: Duration(9 * time.Second)},
		API:    API{Listen: "0.0.0.0:9999"},
	}
	if len(values) != len(fields()) {
		t.Fatalf("test sets %d keys, config has %d", len(values), len(fields()))
	}
	// Keys without a flag come from the environment in the flags run too.
	var env, args, noFlagEnv []string
	for _, f := range fields() {
		k, v := f.path, values[f.path]
		if v == "" {
			t.Fatalf("test sets no value for %s", k)
		}
		env = append(env, envName(k)+"="+v)
		if f.noFlag {
			noFlagEnv = append(noFlagEnv, envName(k)+"="+v)
		} else {
			args = append(args, "--"+flagName(k)+"="+v)
		}
	}
	for _, src := range []struct {
		name string
		env  []string
		args []string
	}{{"env", env, nil}, {"flags", noFlagEnv, args}} {
		c, err := Load("", EnvLookup(src.env), parsedFlags(t, src.args...))
		if err != nil {
			t.Fatalf("%s: %v", src.name, err)
		}
		if *c != want {
			t.Errorf("%s:\ngot  %+v\nwant %+v", src.name, *c, want)
		}
	}
}

func TestLoadEnvErrors(t *testing.T) {
	tests := []struct {
		env  []string
		want []string // one line per problem, in order
	}{
		{[]string{"OPERATOR_PD_TIMEOUT=soon"}, []string{
			`env OPERATOR_PD_TIMEOUT: pd.timeout: invalid duration "soon" (want e.g. 5s, 1m30s)`}},
		{[]string{"OPERATOR_PDSIM_STORES=five"}, []string{
			`env OPERATOR_PDSIM_STORES: pdsim.stores: want an integer, got "five"`}},
		{[]string{"OPERATOR_PDSIM_STORES="}, []string{
			`env OPERATOR_PDSIM_STORES: pdsim.stores: want an integer, got ""`}},
		{[]string{"OPERATOR_PDSIM_SPEED=fast"}, []string{
			`env OPERATOR_PDSIM_SPEED: pdsim.speed: want a number, got "fast"`}},
		{[]string{"OPERATOR_PDSIM_STORES=0"}, []string{
			"env OPERATOR_PDSIM_STORES: pdsim.stores: 0 is out of range (want 1..10000)"}},
		{[]string{"OPERATOR_LOG_LEVEL=trace"}, []string{
			`env OPERATOR_LOG_LEVEL: log.level: invalid value "trace" (want one of debug, info, warn, error)`}},
		{[]string{"OPERATOR_PD_ENDPOINT=pd:2379"}, []string{
			`env OPERATOR_PD_ENDPOINT: pd.endpoint: invalid URL "pd:2379": scheme must be http or https (e.g. http://pd:2379)`}},
		{[]string{"OPERATOR_PD_WRITE_TLS_KEY_FILE=testdata/tls/client-key.pem", "OPERATOR_PD_ENDPOINT=https://pd"}, []string{
			"env OPERATOR_PD_WRITE_TLS_KEY_FILE: pd.write-tls.key-file: key-file is set but cert-file is not; a client certificate needs both"}},
		{[]string{"OPERATOR_INVARIANTS_HOT_WRITE_REGION_RATE=8megs"}, []string{
			`env OPERATOR_INVARIANTS_HOT_WRITE_REGION_RATE: invariants.hot-write-region-rate: want a size such as 8MiB, got "8megs" (units: B, KiB, MiB, GiB, TiB, or KB, MB, GB, TB for powers of 1000)`}},
		{[]string{"OPERATOR_INVARIANTS_LEADER_IMBALANCE_RATIO=0.5"}, []string{
			"env OPERATOR_INVARIANTS_LEADER_IMBALANCE_RATIO: invariants.leader-imbalance-ratio: 0.5 is out of range (want a finite number >= 1: the busiest store's count over the mean, e.g. 1.5)"}},
		{[]string{"OPERATOR_INVARIANTS_LATENCY_QUANTILE=99"}, []string{
			"env OPERATOR_INVARIANTS_LATENCY_QUANTILE: invariants.latency-quantile: 99 is out of range (want > 0 and < 1: e.g. 0.99)"}},
		{[]string{"OPERATOR_INVARIANTS_MAX_HOT_REGIONS=0"}, []string{
			"env OPERATOR_INVARIANTS_MAX_HOT_REGIONS: invariants.max-hot-regions: 0 is out of range (want >= 1)"}},
		{[]string{"OPERATOR_INVARIANTS_LATENCY_METRIC=rate(x[1m])"}, []string{
			`env OPERATOR_INVARIANTS_LATENCY_METRIC: invariants.latency-metric: "rate(x[1m])" is not a Prometheus metric name (want letters, digits, _ and :, not starting with a digit)`}},
		{[]string{"OPERATOR_DIAGNOSIS_PROVIDER=open-ai"}, []string{
			`env OPERATOR_DIAGNOSIS_PROVIDER: diagnosis.provider: invalid value "open-ai" (want one of rules, anthropic, openai; did you mean "openai"?)`}},
		{[]string{"OPERATOR_DIAGNOSIS_PROVIDER=openai"}, []string{
			"env OPERATOR_DIAGNOSIS_PROVIDER: diagnosis.provider: openai needs diagnosis.openai.model, which has no default: " +
				"name a model the server serves (GET <base-url>/models lists them), e.g. gpt-4.1, or qwen2.5:14b on Ollama"}},
		{[]string{"OPERATOR_DIAGNOSIS_PROVIDER=openai", "OPERATOR_DIAGNOSIS_OPENAI_MODEL="}, []string{
			"env OPERATOR_DIAGNOSIS_OPENAI_MODEL: diagnosis.openai.model: must be set when diagnosis.provider is openai: " +
				"name a model the server serves (GET <base-url>/models lists them), e.g. gpt-4.1, or qwen2.5:14b on Ollama"}},
		{[]string{"OPERATOR_DIAGNOSIS_OPENAI_API_KEY_ENV=sk-proj-abc123"}, []string{
			"env OPERATOR_DIAGNOSIS_OPENAI_API_KEY_ENV: diagnosis.openai.api-key-env: looks like an API key, not the name of an environment variable; " +
				"a key never goes in the config: put it in the environment (OPENAI_API_KEY=<key>), name that variable here (OPENAI_API_KEY), and revoke the key if this config was shared"}},
		{[]string{"OPERATOR_DIAGNOSIS_MAX_COST_PER_TICKET=-1"}, []string{
			"env OPERATOR_DIAGNOSIS_MAX_COST_PER_TICKET: diagnosis.max-cost-per-ticket: -1 is out of range (want a finite number >= 0: US dollars, 0 for no cost limit)"}},
		{[]string{"OPERATOR_DIAGNOSIS_MAX_TOKENS_PER_TICKET=200k"}, []string{
			`env OPERATOR_DIAGNOSIS_MAX_TOKENS_PER_TICKET: diagnosis.max-tokens-per-ticket: want an integer, got "200k"`}},
		// All bad variables are reported, not just the first.
		{[]string{"OPERATOR_LOG_FORMAT=xml", "OPERATOR_MONITOR_INTERVAL=1ms"}, []string{
			`env OPERATOR_LOG_FORMAT: log.format: invalid value "xml" (want one of text, json)`,
			"env OPERATOR_MONITOR_INTERVAL: monitor.interval: 1ms is too short (want >= 1s)"}},
	}
	for _, tt := range tests {
		_, err := Load("", EnvLookup(tt.env), nil)
		var ps Problems
		if !errors.As(err, &ps) {
			t.Errorf("Load with %v: error %v, want Problems", tt.env, err)
			continue
		}
		var got []string
		for _, p := range ps {
			got = append(got, p.String())
		}
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("Load with %v:\ngot  %s\nwant %s", tt.env, strings.Join(got, "\n     "), strings.Join(tt.want, "\n     "))
		}
	}
}

func TestLoadFileProblems(t *testing.T) {
	path := writeConfig(t, "pd:\n  timeout: soon\npdsim:\n  stores: 0\n")
	_, err := Load(path, EnvLookup([]string{"OPERATOR_DB_PATH="}), nil)
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("Load: error %v, want Problems", err)
	}
	want := []string{
		path + `:2:12: pd.timeout: invalid duration "soon" (want e.g. 5s, 1m30s)`,
		path + ":4:11: pdsim.stores: 0 is out of range (want 1..10000)",
		"env OPERATOR_DB_PATH: db.path: must be set",
	}
	if len(ps) != len(want) {
		t.Fatalf("Load: %d problems, want %d:\n%v", len(ps), len(want), err)
	}
	for i := range want {
		if ps[i].String() != want[i] {
			t.Errorf("problem %d = %q, want %q", i, ps[i].String(), want[i])
		}
	}
	// The error text lists every problem, one per line.
	if msg := err.Error(); !strings.HasPrefix(msg, "load config: 3 problems:\n\t") || strings.Count(msg, "\n\t") != 3 {
		t.Errorf("error text = %q", msg)
	}
	// A good env value does not paper over a bad file value.
	if _, err := Load(path, EnvLookup([]string{"OPERATOR_PD_TIMEOUT=5s", "OPERATOR_PDSIM_STORES=5"}), nil); err == nil {
		t.Error("Load succeeded although the file is invalid")
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), nil, nil)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want fs.ErrNotExist", err)
	}
}

// Relative TLS paths in a file are relative to the file; in env and flags
// they are relative to the working directory.
func TestLoadRelativePaths(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "tls"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ca.pem", "cert.pem", "key.pem"} {
		if err := os.WriteFile(filepath.Join(dir, "tls", name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "operator.yaml")
	yaml := "pd:\n  endpoint: https://pd:2379\n  read-tls:\n    ca-file: tls/ca.pem\n    cert-file: tls/cert.pem\n    key-file: " + filepath.Join(dir, "tls", "key.pem") + "\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path, EnvLookup([]string{"OPERATOR_PD_WRITE_TLS_CA_FILE=testdata/tls/ca.pem"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := TLS{
		CAFile:   filepath.Join(dir, "tls", "ca.pem"),
		CertFile: filepath.Join(dir, "tls", "cert.pem"),
		KeyFile:  filepath.Join(dir, "tls", "key.pem"), // absolute, kept
	}
	if c.PD.ReadTLS != want {
		t.Errorf("read-tls = %+v, want %+v", c.PD.ReadTLS, want)
	}
	if got := c.PD.WriteTLS.CAFile; got != "testdata/tls/ca.pem" {
		t.Errorf("write-tls.ca-file from env = %q, want it as given", got)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("a loaded config must validate: %v", err)
	}
}

// A cert-file from the file and a key-file from the environment are a pair:
// the rules that span keys apply to the merged result.
func TestLoadCrossSourcePair(t *testing.T) {
	path := writeConfig(t, "pd:\n  endpoint: https://pd:2379\n  read-tls:\n    cert-file: "+abs(t, "testdata/tls/client.pem")+"\n")
	if _, err := Load(path, nil, nil); err == nil || !strings.Contains(err.Error(), "cert-file is set but key-file is not") {
		t.Errorf("file alone: Load error = %v, want cert without key", err)
	}
	env := EnvLookup([]string{"OPERATOR_PD_READ_TLS_KEY_FILE=testdata/tls/client-key.pem"})
	c, err := Load(path, env, nil)
	if err != nil {
		t.Fatalf("file and env together: %v", err)
	}
	if c.PD.ReadTLS.KeyFile != "testdata/tls/client-key.pem" {
		t.Errorf("key-file = %q", c.PD.ReadTLS.KeyFile)
	}
	// Setting the endpoint back to http by flag makes the TLS files useless.
	_, err = Load(path, env, parsedFlags(t, "--pd-endpoint=http://pd:2379"))
	if err == nil || !strings.Contains(err.Error(), `TLS is configured but pd.endpoint "http://pd:2379" uses http`) {
		t.Errorf("http endpoint with TLS: Load error = %v", err)
	}
}

func abs(t *testing.T, path string) string {
	t.Helper()
	p, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestValidate(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v", err)
	}
	c := Default()
	c.PDSim.Stores = 0
	c.Log.Format = "yaml"
	c.PD.WriteTLS.CertFile = "testdata/tls/client.pem"
	c.Invariants.RegionImbalanceRatio = 0.5
	c.Invariants.HotReadStoreRate = 0
	err := c.Validate()
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("Validate() = %v, want Problems", err)
	}
	var paths []string
	for _, p := range ps {
		paths = append(paths, p.Path)
	}
	want := "log.format pdsim.stores invariants.region-imbalance-ratio invariants.hot-read-store-rate pd.write-tls.cert-file pd.write-tls.cert-file"
	if got := strings.Join(paths, " "); got != want {
		t.Errorf("Validate() problems at %s, want %s\n%v", got, want, err)
	}
}

func TestSlogLevel(t *testing.T) {
	for level, want := range map[string]slog.Level{
		"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError, "bogus": slog.LevelInfo,
	} {
		if got := (Log{Level: level}).SlogLevel(); got != want {
			t.Errorf("SlogLevel(%q) = %v, want %v", level, got, want)
		}
	}
}

func TestEnvLookup(t *testing.T) {
	lookup := EnvLookup([]string{"A=1", "B=x=y", "C=", "A=2", "junk"})
	for _, tt := range []struct {
		key, want string
		ok        bool
	}{{"A", "2", true}, {"B", "x=y", true}, {"C", "", true}, {"D", "", false}, {"junk", "", false}} {
		if got, ok := lookup(tt.key); got != tt.want || ok != tt.ok {
			t.Errorf("lookup(%q) = %q, %v; want %q, %v", tt.key, got, ok, tt.want, tt.ok)
		}
	}
}
