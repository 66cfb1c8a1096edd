package config

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// The names are an interface: scripts and deployments depend on them, so a
// rename must show up here.
func TestNames(t *testing.T) {
	want := `log.level OPERATOR_LOG_LEVEL --log-level
log.format OPERATOR_LOG_FORMAT --log-format
pd.endpoint OPERATOR_PD_ENDPOINT --pd-endpoint
pd.timeout OPERATOR_PD_TIMEOUT --pd-timeout
pd.read-tls.ca-file OPERATOR_PD_READ_TLS_CA_FILE --pd-read-tls-ca-file
pd.read-tls.cert-file OPERATOR_PD_READ_TLS_CERT_FILE --pd-read-tls-cert-file
pd.read-tls.key-file OPERATOR_PD_READ_TLS_KEY_FILE --pd-read-tls-key-file
pd.write-tls.ca-file OPERATOR_PD_WRITE_TLS_CA_FILE --pd-write-tls-ca-file
pd.write-tls.cert-file OPERATOR_PD_WRITE_TLS_CERT_FILE --pd-write-tls-cert-file
pd.write-tls.key-file OPERATOR_PD_WRITE_TLS_KEY_FILE --pd-write-tls-key-file
prometheus.endpoint OPERATOR_PROMETHEUS_ENDPOINT --prometheus-endpoint
prometheus.timeout OPERATOR_PROMETHEUS_TIMEOUT --prometheus-timeout
pdsim.listen OPERATOR_PDSIM_LISTEN --pdsim-listen
pdsim.stores OPERATOR_PDSIM_STORES --pdsim-stores
pdsim.regions OPERATOR_PDSIM_REGIONS --pdsim-regions
pdsim.seed OPERATOR_PDSIM_SEED --pdsim-seed
pdsim.scenario OPERATOR_PDSIM_SCENARIO --pdsim-scenario
pdsim.speed OPERATOR_PDSIM_SPEED --pdsim-speed
monitor.interval OPERATOR_MONITOR_INTERVAL --monitor-interval
monitor.hold-down OPERATOR_MONITOR_HOLD_DOWN --monitor-hold-down
monitor.clear-after OPERATOR_MONITOR_CLEAR_AFTER --monitor-clear-after
monitor.reopen-within OPERATOR_MONITOR_REOPEN_WITHIN --monitor-reopen-within
invariants.disconnect-after OPERATOR_INVARIANTS_DISCONNECT_AFTER (no flag)
invariants.store-recovery-grace OPERATOR_INVARIANTS_STORE_RECOVERY_GRACE (no flag)
invariants.offline-stuck-after OPERATOR_INVARIANTS_OFFLINE_STUCK_AFTER (no flag)
invariants.low-space-margin OPERATOR_INVARIANTS_LOW_SPACE_MARGIN (no flag)
invariants.region-check-limit OPERATOR_INVARIANTS_REGION_CHECK_LIMIT (no flag)
invariants.miss-peer-min-regions OPERATOR_INVARIANTS_MISS_PEER_MIN_REGIONS (no flag)
invariants.down-peer-min-regions OPERATOR_INVARIANTS_DOWN_PEER_MIN_REGIONS (no flag)
invariants.pending-peer-min-regions OPERATOR_INVARIANTS_PENDING_PEER_MIN_REGIONS (no flag)
invariants.extra-peer-min-regions OPERATOR_INVARIANTS_EXTRA_PEER_MIN_REGIONS (no flag)
invariants.pending-peer-hold-down OPERATOR_INVARIANTS_PENDING_PEER_HOLD_DOWN (no flag)
invariants.extra-peer-hold-down OPERATOR_INVARIANTS_EXTRA_PEER_HOLD_DOWN (no flag)
invariants.oversized-min-regions OPERATOR_INVARIANTS_OVERSIZED_MIN_REGIONS (no flag)
invariants.leader-imbalance-ratio OPERATOR_INVARIANTS_LEADER_IMBALANCE_RATIO (no flag)
invariants.leader-imbalance-min-diff OPERATOR_INVARIANTS_LEADER_IMBALANCE_MIN_DIFF (no flag)
invariants.region-imbalance-ratio OPERATOR_INVARIANTS_REGION_IMBALANCE_RATIO (no flag)
invariants.region-imbalance-min-diff OPERATOR_INVARIANTS_REGION_IMBALANCE_MIN_DIFF (no flag)
invariants.hot-write-region-rate OPERATOR_INVARIANTS_HOT_WRITE_REGION_RATE (no flag)
invariants.hot-read-region-rate OPERATOR_INVARIANTS_HOT_READ_REGION_RATE (no flag)
invariants.hot-write-store-rate OPERATOR_INVARIANTS_HOT_WRITE_STORE_RATE (no flag)
invariants.hot-read-store-rate OPERATOR_INVARIANTS_HOT_READ_STORE_RATE (no flag)
invariants.max-hot-regions OPERATOR_INVARIANTS_MAX_HOT_REGIONS (no flag)
invariants.operator-stuck-fraction OPERATOR_INVARIANTS_OPERATOR_STUCK_FRACTION (no flag)
invariants.operator-stuck-after OPERATOR_INVARIANTS_OPERATOR_STUCK_AFTER (no flag)
invariants.max-tracked-operators OPERATOR_INVARIANTS_MAX_TRACKED_OPERATORS (no flag)
invariants.max-stuck-operators OPERATOR_INVARIANTS_MAX_STUCK_OPERATORS (no flag)
invariants.latency-metric OPERATOR_INVARIANTS_LATENCY_METRIC (no flag)
invariants.latency-quantile OPERATOR_INVARIANTS_LATENCY_QUANTILE (no flag)
invariants.latency-window OPERATOR_INVARIANTS_LATENCY_WINDOW (no flag)
invariants.latency-threshold OPERATOR_INVARIANTS_LATENCY_THRESHOLD (no flag)
diagnosis.provider OPERATOR_DIAGNOSIS_PROVIDER --diagnosis-provider
diagnosis.interval OPERATOR_DIAGNOSIS_INTERVAL --diagnosis-interval
diagnosis.rediagnose-after OPERATOR_DIAGNOSIS_REDIAGNOSE_AFTER (no flag)
diagnosis.timeout OPERATOR_DIAGNOSIS_TIMEOUT (no flag)
diagnosis.max-retries OPERATOR_DIAGNOSIS_MAX_RETRIES (no flag)
diagnosis.max-tokens-per-ticket OPERATOR_DIAGNOSIS_MAX_TOKENS_PER_TICKET (no flag)
diagnosis.max-cost-per-ticket OPERATOR_DIAGNOSIS_MAX_COST_PER_TICKET (no flag)
diagnosis.anthropic.model OPERATOR_DIAGNOSIS_ANTHROPIC_MODEL (no flag)
diagnosis.anthropic.base-url OPERATOR_DIAGNOSIS_ANTHROPIC_BASE_URL (no flag)
diagnosis.anthropic.api-key-env OPERATOR_DIAGNOSIS_ANTHROPIC_API_KEY_ENV (no flag)
diagnosis.anthropic.input-price-per-mtok OPERATOR_DIAGNOSIS_ANTHROPIC_INPUT_PRICE_PER_MTOK (no flag)
diagnosis.anthropic.output-price-per-mtok OPERATOR_DIAGNOSIS_ANTHROPIC_OUTPUT_PRICE_PER_MTOK (no flag)
diagnosis.openai.base-url OPERATOR_DIAGNOSIS_OPENAI_BASE_URL (no flag)
diagnosis.openai.model OPERATOR_DIAGNOSIS_OPENAI_MODEL (no flag)
diagnosis.openai.api-key-env OPERATOR_DIAGNOSIS_OPENAI_API_KEY_ENV (no flag)
diagnosis.openai.input-price-per-mtok OPERATOR_DIAGNOSIS_OPENAI_INPUT_PRICE_PER_MTOK (no flag)
diagnosis.openai.output-price-per-mtok OPERATOR_DIAGNOSIS_OPENAI_OUTPUT_PRICE_PER_MTOK (no flag)
actions.mode OPERATOR_ACTIONS_MODE --actions-mode
actions.interval OPERATOR_ACTIONS_INTERVAL (no flag)
actions.proposal-ttl OPERATOR_ACTIONS_PROPOSAL_TTL (no flag)
actions.recovery-window OPERATOR_ACTIONS_RECOVERY_WINDOW (no flag)
actions.max-stores OPERATOR_ACTIONS_MAX_STORES (no flag)
actions.max-regions OPERATOR_ACTIONS_MAX_REGIONS (no flag)
actions.max-bytes OPERATOR_ACTIONS_MAX_BYTES (no flag)
actions.max-per-hour OPERATOR_ACTIONS_MAX_PER_HOUR (no flag)
actions.policy-file OPERATOR_ACTIONS_POLICY_FILE (no flag)
notify.slack-url-env OPERATOR_NOTIFY_SLACK_URL_ENV (no flag)
notify.webhook-url-env OPERATOR_NOTIFY_WEBHOOK_URL_ENV (no flag)
db.path OPERATOR_DB_PATH --db-path
ha.replica-id OPERATOR_HA_REPLICA_ID --ha-replica-id
ha.lease-ttl OPERATOR_HA_LEASE_TTL --ha-lease-ttl
api.listen OPERATOR_API_LISTEN --api-listen
`
	var b strings.Builder
	seen := map[string]bool{}
	for _, f := range fields() {
		env, flag := envName(f.path), flagName(f.path)
		if seen[env] || seen[flag] {
			t.Errorf("%s: env %s or flag %s is used twice", f.path, env, flag)
		}
		seen[env], seen[flag] = true, true
		if f.noFlag {
			b.WriteString(f.path + " " + env + " (no flag)\n")
			continue
		}
		b.WriteString(f.path + " " + env + " --" + flag + "\n")
	}
	if b.String() != want {
		t.Errorf("names:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestRegisterFlagsHelp(t *testing.T) {
	fs := pflag.NewFlagSet("operator", pflag.ContinueOnError)
	RegisterFlags(fs)
	help := fs.FlagUsages()
	for _, want := range []string{
		"--pd-timeout duration",
		"timeout of one PD request (env OPERATOR_PD_TIMEOUT) (default 5s)",
		"--log-level debug|info|warn|error",
		"--pdsim-stores int",
		`(default "127.0.0.1:2379")`,
		"--pd-read-tls-ca-file file",
		"--diagnosis-provider rules|anthropic|openai",
		"(env OPERATOR_DIAGNOSIS_PROVIDER) (default rules)",
		"--diagnosis-interval duration",
	} {
		if !strings.Contains(help, want) {
			t.Errorf("flag help lacks %q:\n%s", want, help)
		}
	}
}

// A value of the wrong type is a usage error when the flags are parsed,
// before anything else runs.
func TestFlagParseErrors(t *testing.T) {
	tests := []struct{ arg, want string }{
		{"--pd-timeout=soon", `invalid argument "soon" for "--pd-timeout" flag: invalid duration "soon" (want e.g. 5s, 1m30s)`},
		{"--pdsim-stores=many", `invalid argument "many" for "--pdsim-stores" flag: want an integer, got "many"`},
		{"--pdsim-speed=x", `invalid argument "x" for "--pdsim-speed" flag: want a number, got "x"`},
	}
	for _, tt := range tests {
		fs := pflag.NewFlagSet("operator", pflag.ContinueOnError)
		fs.SetOutput(new(bytes.Buffer))
		RegisterFlags(fs)
		err := fs.Parse([]string{tt.arg})
		if err == nil || err.Error() != tt.want {
			t.Errorf("Parse(%s) = %v, want %s", tt.arg, err, tt.want)
		}
	}
}

// Range and enum problems in flags are reported by Load, naming the flag.
func TestFlagProblems(t *testing.T) {
	_, err := Load("", nil, parsedFlags(t, "--pdsim-stores=0", "--log-level=loud"))
	want := "load config: 2 problems:\n" +
		"\tflag --log-level: log.level: invalid value \"loud\" (want one of debug, info, warn, error)\n" +
		"\tflag --pdsim-stores: pdsim.stores: 0 is out of range (want 1..10000)"
	if err == nil || err.Error() != want {
		t.Errorf("Load error:\n%v\nwant:\n%s", err, want)
	}
}

// Load reads any flag with a key's name, so a command that registers its
// own --pd-timeout with pflag's Duration still feeds the config.
func TestForeignFlag(t *testing.T) {
	fs := pflag.NewFlagSet("operator", pflag.ContinueOnError)
	fs.Duration("pd-timeout", time.Second, "")
	fs.Int("pdsim-stores", 1, "")
	if err := fs.Parse([]string{"--pd-timeout=1m30s"}); err != nil {
		t.Fatal(err)
	}
	c, err := Load("", nil, fs)
	if err != nil {
		t.Fatal(err)
	}
	if c.PD.Timeout != Duration(90*time.Second) || c.PDSim.Stores != 5 {
		t.Errorf("pd.timeout = %v, pdsim.stores = %d; want 1m30s and the default 5", c.PD.Timeout, c.PDSim.Stores)
	}
}

// The wiring cmd/operator is meant to use: flags on the root, Load in a
// subcommand, which sees the root's persistent flags merged in.
func TestCobraWiring(t *testing.T) {
	path := writeConfig(t, "pd:\n  timeout: 7s\nlog:\n  level: warn\n")
	var got *Config
	var cfgPath string
	root := &cobra.Command{Use: "operator", SilenceUsage: true, SilenceErrors: true}
	root.PersistentFlags().StringVar(&cfgPath, "config", "", "YAML config file")
	RegisterFlags(root.PersistentFlags())
	root.AddCommand(&cobra.Command{
		Use: "run",
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := Load(cfgPath, EnvLookup([]string{"OPERATOR_LOG_LEVEL=debug"}), cmd.Flags())
			got = c
			return err
		},
	})
	root.SetArgs([]string{"run", "--config", path, "--pdsim-stores", "3"})
	root.SetOut(new(bytes.Buffer))
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.PD.Timeout != Duration(7*time.Second) || got.Log.Level != "debug" || got.PDSim.Stores != 3 {
		t.Errorf("got timeout %v (file), level %q (env), stores %d (flag); want 7s, debug, 3",
			got.PD.Timeout, got.Log.Level, got.PDSim.Stores)
	}

	root.SetArgs([]string{"run", "--pd-timeout", "soon"})
	if err := root.Execute(); err == nil || !strings.Contains(err.Error(), `invalid duration "soon"`) {
		t.Errorf("bad flag: Execute = %v, want a usage error", err)
	}
}

// The invariant thresholds are file and env only: no flag is registered,
// so giving one is an unknown-flag usage error, and --help stays short.
func TestThresholdsHaveNoFlag(t *testing.T) {
	fs := pflag.NewFlagSet("operator", pflag.ContinueOnError)
	fs.SetOutput(new(bytes.Buffer))
	RegisterFlags(fs)
	n := 0
	for _, f := range fields() {
		if !strings.HasPrefix(f.path, "invariants.") {
			continue
		}
		n++
		if !f.noFlag {
			t.Errorf("%s has a flag; invariant thresholds must not", f.path)
		}
		if fs.Lookup(flagName(f.path)) != nil {
			t.Errorf("RegisterFlags registered --%s", flagName(f.path))
		}
	}
	if n != 29 {
		t.Errorf("%d invariants.* keys, want 29", n)
	}
	if help := fs.FlagUsages(); strings.Contains(help, "--invariants") || strings.Contains(help, "OPERATOR_INVARIANTS") {
		t.Errorf("flag help mentions invariants:\n%s", help)
	}
	err := fs.Parse([]string{"--invariants-disconnect-after=1m"})
	if err == nil || err.Error() != "unknown flag: --invariants-disconnect-after" {
		t.Errorf("Parse(--invariants-disconnect-after) = %v, want unknown flag", err)
	}

	// Nor does Load read a flag of that name that someone else registered.
	foreign := pflag.NewFlagSet("operator", pflag.ContinueOnError)
	foreign.Duration("invariants-disconnect-after", 0, "")
	if err := foreign.Parse([]string{"--invariants-disconnect-after=1m"}); err != nil {
		t.Fatal(err)
	}
	c, err := Load("", nil, foreign)
	if err != nil {
		t.Fatal(err)
	}
	if c.Invariants.DisconnectAfter != Default().Invariants.DisconnectAfter {
		t.Errorf("disconnect-after = %v from a flag; want the default", c.Invariants.DisconnectAfter)
	}
}

// Under cobra, as cmd/operator wires it: a threshold flag is refused, the
// file and env set thresholds, env over file.
func TestCobraThresholds(t *testing.T) {
	path := writeConfig(t, "invariants:\n  disconnect-after: 30s\n  hot-write-region-rate: 4MiB\n")
	var got *Config
	root := &cobra.Command{Use: "operator", SilenceUsage: true, SilenceErrors: true}
	RegisterFlags(root.PersistentFlags())
	root.AddCommand(&cobra.Command{
		Use: "run",
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := Load(path, EnvLookup([]string{"OPERATOR_INVARIANTS_HOT_WRITE_REGION_RATE=2MiB"}), cmd.Flags())
			got = c
			return err
		},
	})
	root.SetOut(new(bytes.Buffer))
	root.SetErr(new(bytes.Buffer))
	root.SetArgs([]string{"run", "--invariants-disconnect-after", "1m"})
	if err := root.Execute(); err == nil || !strings.Contains(err.Error(), "unknown flag: --invariants-disconnect-after") {
		t.Errorf("threshold flag: Execute = %v, want unknown flag", err)
	}
	root.SetArgs([]string{"run"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Invariants.DisconnectAfter != Duration(30*time.Second) || got.Invariants.HotWriteRegionRate != 2<<20 {
		t.Errorf("disconnect-after %v (file), hot-write-region-rate %v (env); want 30s, 2MiB",
			got.Invariants.DisconnectAfter, got.Invariants.HotWriteRegionRate)
	}
}
