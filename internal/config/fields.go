package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// field is one configuration key. The YAML walk, the environment, the flags
// and validation all work from the same list, so adding a key is one line here
// (plus its doc in example.yaml).
type field struct {
	path  string // dotted YAML path, e.g. "pd.read-tls.ca-file"
	usage string // one line for flag help
	typ   string // value type shown in flag help

	// fromText and fromNode set the field in c, or leave c untouched and
	// return why not.
	fromText func(c *Config, s string) error
	fromNode func(c *Config, n *yaml.Node) error
	text     func(c *Config) string // current value in the form fromText reads
	check    func(c *Config) string // "" when the value is acceptable

	// file is set for paths to files that must exist; it points at the
	// path so it can be resolved against the config file's directory.
	file func(c *Config) *string

	// noFlag keeps the key off the command line: it is set from the file
	// and the environment only. For keys too many or too fine-grained to
	// list in --help (the invariant thresholds, most diagnosis.* keys).
	noFlag bool
}

// envName maps a key to its environment variable: upper case, with dots and
// dashes turned into underscores.
func envName(path string) string {
	return "OPERATOR_" + strings.ToUpper(strings.NewReplacer(".", "_", "-", "_").Replace(path))
}

// flagName maps a key to its flag name (without the leading dashes).
func flagName(path string) string { return strings.ReplaceAll(path, ".", "-") }

// fields lists every key, in the order of example.yaml.
func fields() []*field {
	fs := []*field{
		enumField("log.level", "log verbosity", func(c *Config) *string { return &c.Log.Level }, "debug", "info", "warn", "error"),
		enumField("log.format", "log line format", func(c *Config) *string { return &c.Log.Format }, "text", "json"),
		stringField("pd.endpoint", "PD HTTP API base URL", func(c *Config) *string { return &c.PD.Endpoint }, func(s string) string { return checkURL(s, true) }),
		durationField("pd.timeout", "timeout of one PD request", func(c *Config) *Duration { return &c.PD.Timeout }, positive),
	}
	fs = append(fs, tlsFields("pd.read-tls", "PD read client", func(c *Config) *TLS { return &c.PD.ReadTLS })...)
	fs = append(fs, tlsFields("pd.write-tls", "PD write client", func(c *Config) *TLS { return &c.PD.WriteTLS })...)
	fs = append(fs,
		stringField("prometheus.endpoint", "Prometheus HTTP API base URL; empty disables Prometheus", func(c *Config) *string { return &c.Prometheus.Endpoint }, func(s string) string { return checkURL(s, false) }),
		durationField("prometheus.timeout", "timeout of one Prometheus query", func(c *Config) *Duration { return &c.Prometheus.Timeout }, positive),
		stringField("pdsim.listen", "PD simulator: listen address (host:port)", func(c *Config) *string { return &c.PDSim.Listen }, checkListen),
		intField("pdsim.stores", "PD simulator: number of TiKV stores", func(c *Config) *int { return &c.PDSim.Stores }, 1, 10_000),
		intField("pdsim.regions", "PD simulator: number of regions", func(c *Config) *int { return &c.PDSim.Regions }, 0, 20_000_000),
		int64Field("pdsim.seed", "PD simulator: random seed", func(c *Config) *int64 { return &c.PDSim.Seed }),
		fileField("pdsim.scenario", "PD simulator: scenario file (optional)", func(c *Config) *string { return &c.PDSim.Scenario }),
		floatField("pdsim.speed", "PD simulator: simulated seconds per real second", func(c *Config) *float64 { return &c.PDSim.Speed }),
		durationField("monitor.interval", "how often invariants are evaluated", func(c *Config) *Duration { return &c.Monitor.Interval }, Duration(time.Second)),
		durationField("monitor.hold-down", "how long a problem must last before its ticket opens", func(c *Config) *Duration { return &c.Monitor.HoldDown }, 0),
		durationField("monitor.clear-after", "how long a problem must stay gone before its ticket resolves", func(c *Config) *Duration { return &c.Monitor.ClearAfter }, 0),
		durationField("monitor.reopen-within", "a problem back within this window reopens its resolved ticket", func(c *Config) *Duration { return &c.Monitor.ReopenWithin }, 0),
	)
	fs = append(fs, invariantFields()...)
	fs = append(fs, diagnosisFields()...)
	fs = append(fs, actionFields()...)
	return append(fs,
		stringField("db.path", "state store: a SQLite file, or a postgres:// URL without a password", func(c *Config) *string { return &c.DB.Path }, checkDB),
		stringField("ha.replica-id", "this replica's ID among those sharing the store (default: the host name)", func(c *Config) *string { return &c.HA.ReplicaID }, checkReplicaID),
		durationField("ha.lease-ttl", "how long the leader's lease lasts unrenewed", func(c *Config) *Duration { return &c.HA.LeaseTTL }, Duration(3*time.Second)),
		stringField("api.listen", "daemon HTTP API listen address (host:port)", func(c *Config) *string { return &c.API.Listen }, checkListen),
	)
}

// invariantFields are the thresholds of the TiKV invariants (see
// Invariants). They are file and env only: thirty more global flags would
// bury the ones people use. The ranges mirror what the TiKV adapter accepts.
func invariantFields() []*field {
	inv := func(c *Config) *Invariants { return &c.Invariants }
	minRegions := func(key, check string, ptr func(*Invariants) *int) *field {
		return countField("invariants."+key, "regions "+check+" needed before a violation is raised",
			func(c *Config) *int { return ptr(inv(c)) })
	}
	fs := []*field{
		durationField("invariants.disconnect-after", "heartbeat age at which a store counts as disconnected", func(c *Config) *Duration { return &inv(c).DisconnectAfter }, positive),
		durationField("invariants.store-recovery-grace", "how long down replicas are still put down to a store after it was last silent", func(c *Config) *Duration { return &inv(c).StoreRecoveryGrace }, positive),
		durationField("invariants.offline-stuck-after", "how long an Offline store's region count may stand still before its drain is stuck", func(c *Config) *Duration { return &inv(c).OfflineStuckAfter }, positive),
		numberField("invariants.low-space-margin", "warn when used share is above PD's low-space-ratio minus this", func(c *Config) *float64 { return &inv(c).LowSpaceMargin },
			func(v float64) string { return checkBetween(v, 0, false, 1, true, "a share of capacity, e.g. 0.05") }),
		countField("invariants.region-check-limit", "region ids asked of each /regions/check/* request", func(c *Config) *int { return &inv(c).RegionCheckLimit }),
		minRegions("miss-peer-min-regions", "missing a replica", func(v *Invariants) *int { return &v.MissPeerMinRegions }),
		minRegions("down-peer-min-regions", "with a down replica", func(v *Invariants) *int { return &v.DownPeerMinRegions }),
		minRegions("pending-peer-min-regions", "with a pending replica", func(v *Invariants) *int { return &v.PendingPeerMinRegions }),
		minRegions("extra-peer-min-regions", "with an extra replica", func(v *Invariants) *int { return &v.ExtraPeerMinRegions }),
		durationField("invariants.pending-peer-hold-down", "how long regions must keep a pending replica before a ticket", func(c *Config) *Duration { return &inv(c).PendingPeerHoldDown }, positive),
		durationField("invariants.extra-peer-hold-down", "how long regions must keep an extra replica before a ticket", func(c *Config) *Duration { return &inv(c).ExtraPeerHoldDown }, positive),
		minRegions("oversized-min-regions", "on PD's oversized-region list", func(v *Invariants) *int { return &v.OversizedMinRegions }),
		numberField("invariants.leader-imbalance-ratio", "busiest store's leaders over the mean beyond which leaders are unbalanced", func(c *Config) *float64 { return &inv(c).LeaderImbalanceRatio }, checkRatio),
		numberField("invariants.leader-imbalance-min-diff", "leaders the busiest store must also hold above the mean", func(c *Config) *float64 { return &inv(c).LeaderImbalanceMinDiff }, checkMinDiff),
		numberField("invariants.region-imbalance-ratio", "busiest store's regions over the mean beyond which regions are unbalanced", func(c *Config) *float64 { return &inv(c).RegionImbalanceRatio }, checkRatio),
		numberField("invariants.region-imbalance-min-diff", "regions the busiest store must also hold above the mean", func(c *Config) *float64 { return &inv(c).RegionImbalanceMinDiff }, checkMinDiff),
		sizeField("invariants.hot-write-region-rate", "write bytes per second at which a region is hot", func(c *Config) *Size { return &inv(c).HotWriteRegionRate }),
		sizeField("invariants.hot-read-region-rate", "read bytes per second at which a region is hot", func(c *Config) *Size { return &inv(c).HotReadRegionRate }),
		sizeField("invariants.hot-write-store-rate", "write bytes per second at which a store is hot", func(c *Config) *Size { return &inv(c).HotWriteStoreRate }),
		sizeField("invariants.hot-read-store-rate", "read bytes per second at which a store is hot", func(c *Config) *Size { return &inv(c).HotReadStoreRate }),
		countField("invariants.max-hot-regions", "most hot-region violations per direction, hottest first", func(c *Config) *int { return &inv(c).MaxHotRegions }),
		numberField("invariants.operator-stuck-fraction", "share of its timeout after which a running operator is stuck", func(c *Config) *float64 { return &inv(c).OperatorStuckFraction },
			func(v float64) string {
				return checkBetween(v, 0, true, 1, false, "a share of the operator's timeout; PD times operators out at 1")
			}),
		durationField("invariants.operator-stuck-after", "run time after which an operator is stuck whatever its timeout", func(c *Config) *Duration { return &inv(c).OperatorStuckAfter }, positive),
		countField("invariants.max-tracked-operators", "running operators whose first sighting is remembered", func(c *Config) *int { return &inv(c).MaxTrackedOperators }),
		countField("invariants.max-stuck-operators", "most operator-stuck violations, oldest first", func(c *Config) *int { return &inv(c).MaxStuckOperators }),
		stringField("invariants.latency-metric", "Prometheus histogram of store latency, without _bucket", func(c *Config) *string { return &inv(c).LatencyMetric }, checkMetricName),
		numberField("invariants.latency-quantile", "quantile of latency-metric compared with latency-threshold", func(c *Config) *float64 { return &inv(c).LatencyQuantile },
			func(v float64) string { return checkBetween(v, 0, true, 1, true, "e.g. 0.99") }),
		durationField("invariants.latency-window", "range of the rate() under the latency quantile", func(c *Config) *Duration { return &inv(c).LatencyWindow }, positive),
		durationField("invariants.latency-threshold", "latency above which a store is slow", func(c *Config) *Duration { return &inv(c).LatencyThreshold }, positive),
	}
	for _, f := range fs {
		f.noFlag = true
	}
	return fs
}

// actionFields configure proposals and execution (see Actions). Only the
// mode has a flag: limits belong in a reviewed file.
func actionFields() []*field {
	a := func(c *Config) *Actions { return &c.Actions }
	fs := []*field{
		durationField("actions.interval", "how often the executor looks at its queue", func(c *Config) *Duration { return &a(c).Interval }, Duration(100*time.Millisecond)),
		durationField("actions.proposal-ttl", "a proposal nobody approved within this expires", func(c *Config) *Duration { return &a(c).ProposalTTL }, Duration(time.Minute)),
		durationField("actions.recovery-window", "how long verification waits for the ticket's problem to clear", func(c *Config) *Duration { return &a(c).RecoveryWindow }, 0),
		countField("actions.max-stores", "most stores one action may touch", func(c *Config) *int { return &a(c).MaxStores }),
		countField("actions.max-regions", "most regions one action may touch", func(c *Config) *int { return &a(c).MaxRegions }),
		sizeField("actions.max-bytes", "most replica bytes one action may copy", func(c *Config) *Size { return &a(c).MaxBytes }),
		countField("actions.max-per-hour", "most action runs started in any hour", func(c *Config) *int { return &a(c).MaxPerHour }),
		fileField("actions.policy-file", "approval policy YAML (empty: the built-in policy)", func(c *Config) *string { return &a(c).PolicyFile }),
		stringField("notify.slack-url-env", "environment variable holding a Slack incoming webhook URL (empty: none)", func(c *Config) *string { return &c.Notify.SlackURLEnv },
			checkOptionalEnv("SLACK_WEBHOOK_URL")),
		stringField("notify.webhook-url-env", "environment variable holding a generic JSON webhook URL (empty: none)", func(c *Config) *string { return &c.Notify.WebhookURLEnv },
			checkOptionalEnv("OPERATOR_WEBHOOK_URL")),
	}
	for _, f := range fs {
		f.noFlag = true
	}
	mode := enumField("actions.mode", "observe: propose and dry-run only; execute: run approved actions", func(c *Config) *string { return &a(c).Mode }, ModeObserve, ModeExecute)
	return append([]*field{mode}, fs...)
}

// diagnosisFields configure ticket diagnosis (see Diagnosis). Only the
// provider and the interval have flags, to try a provider or slow the
// runner from the command line; budgets, retries and the providers'
// settings are file and env only. No key holds an API key, only the name of
// the environment variable that does.
func diagnosisFields() []*field {
	d := func(c *Config) *Diagnosis { return &c.Diagnosis }
	provider := enumField("diagnosis.provider", "model provider that diagnoses tickets beside the offline rules (rules: no model)",
		func(c *Config) *string { return &d(c).Provider }, ProviderRules, ProviderAnthropic, ProviderOpenAI)
	provider.check = func(c *Config) string { return checkProvider(d(c).Provider) }
	fs := []*field{
		provider,
		durationField("diagnosis.interval", "how often the diagnosis runner looks for tickets to diagnose", func(c *Config) *Duration { return &d(c).Interval }, positive),
	}
	noFlag := []*field{
		durationField("diagnosis.rediagnose-after", "least time between two diagnosis rounds of one ticket whose evidence changed", func(c *Config) *Duration { return &d(c).RediagnoseAfter }, 0),
		durationField("diagnosis.timeout", "timeout of one model request", func(c *Config) *Duration { return &d(c).Timeout }, positive),
		intField("diagnosis.max-retries", "retries of a model request answered 429 or 5xx", func(c *Config) *int { return &d(c).MaxRetries }, 0, 10),
		countField("diagnosis.max-tokens-per-ticket", "tokens (input plus output) one ticket may spend over its life", func(c *Config) *int { return &d(c).MaxTokensPerTicket }),
		numberField("diagnosis.max-cost-per-ticket", "US dollars one ticket may spend over its life; 0: no cost limit", func(c *Config) *float64 { return &d(c).MaxCostPerTicket }, checkCost),
		stringField("diagnosis.anthropic.model", "Anthropic model id", func(c *Config) *string { return &d(c).Anthropic.Model },
			func(s string) string { return checkModel(s, true, "claude-sonnet-4-6") }),
		stringField("diagnosis.anthropic.base-url", "Anthropic API root; empty: https://api.anthropic.com", func(c *Config) *string { return &d(c).Anthropic.BaseURL },
			func(s string) string { return checkBaseURL(s, "") }),
		stringField("diagnosis.anthropic.api-key-env", "environment variable holding the Anthropic API key", func(c *Config) *string { return &d(c).Anthropic.APIKeyEnv },
			func(s string) string { return checkKeyEnv(s, "ANTHROPIC_API_KEY") }),
		numberField("diagnosis.anthropic.input-price-per-mtok", "US dollars per million input tokens; 0: the list price of the provider's default model", func(c *Config) *float64 { return &d(c).Anthropic.InputPricePerMTok }, checkPrice),
		numberField("diagnosis.anthropic.output-price-per-mtok", "US dollars per million output tokens; 0: the list price of the provider's default model", func(c *Config) *float64 { return &d(c).Anthropic.OutputPricePerMTok }, checkPrice),
		stringField("diagnosis.openai.base-url", "OpenAI-compatible API root, the part before /chat/completions", func(c *Config) *string { return &d(c).OpenAI.BaseURL },
			func(s string) string {
				return checkBaseURL(s, "https://api.openai.com/v1 or http://localhost:11434/v1 (Ollama)")
			}),
		stringField("diagnosis.openai.model", "model id as the OpenAI-compatible server names it", func(c *Config) *string { return &d(c).OpenAI.Model },
			func(s string) string { return checkModel(s, false, "") }),
		stringField("diagnosis.openai.api-key-env", "environment variable holding the OpenAI-compatible server's API key", func(c *Config) *string { return &d(c).OpenAI.APIKeyEnv },
			func(s string) string { return checkKeyEnv(s, "OPENAI_API_KEY") }),
		numberField("diagnosis.openai.input-price-per-mtok", "US dollars per million input tokens; 0: free (a local model)", func(c *Config) *float64 { return &d(c).OpenAI.InputPricePerMTok }, checkPrice),
		numberField("diagnosis.openai.output-price-per-mtok", "US dollars per million output tokens; 0: free (a local model)", func(c *Config) *float64 { return &d(c).OpenAI.OutputPricePerMTok }, checkPrice),
	}
	for _, f := range noFlag {
		f.noFlag = true
	}
	return append(fs, noFlag...)
}

func tlsFields(prefix, who string, tls func(*Config) *TLS) []*field {
	return []*field{
		fileField(prefix+".ca-file", who+": CA bundle to verify the server", func(c *Config) *string { return &tls(c).CAFile }),
		fileField(prefix+".cert-file", who+": client certificate (needs key-file)", func(c *Config) *string { return &tls(c).CertFile }),
		fileField(prefix+".key-file", who+": client private key (needs cert-file)", func(c *Config) *string { return &tls(c).KeyFile }),
	}
}

// kind is how values of one Go type are read and written.
type kind[T any] struct {
	name   string
	parse  func(string) (T, error)
	node   func(*yaml.Node) (T, error)
	format func(T) string
}

func newField[T any](path, usage string, k kind[T], ptr func(*Config) *T, check func(T) string) *field {
	return &field{
		path:  path,
		usage: usage,
		typ:   k.name,
		fromText: func(c *Config, s string) error {
			v, err := k.parse(s)
			if err == nil {
				*ptr(c) = v
			}
			return err
		},
		fromNode: func(c *Config, n *yaml.Node) error {
			v, err := k.node(n)
			if err == nil {
				*ptr(c) = v
			}
			return err
		},
		text:  func(c *Config) string { return k.format(*ptr(c)) },
		check: func(c *Config) string { return check(*ptr(c)) },
	}
}

func stringField(path, usage string, ptr func(*Config) *string, check func(string) string) *field {
	k := kind[string]{
		name:   "string",
		parse:  func(s string) (string, error) { return s, nil },
		node:   nodeString,
		format: func(s string) string { return s },
	}
	return newField(path, usage, k, ptr, check)
}

func enumField(path, usage string, ptr func(*Config) *string, values ...string) *field {
	f := stringField(path, usage, ptr, func(s string) string { return checkEnum(s, values) })
	f.typ = strings.Join(values, "|") // flag help shows the choices here
	return f
}

func fileField(path, usage string, ptr func(*Config) *string) *field {
	f := stringField(path, usage, ptr, checkFile)
	f.typ = "file"
	f.file = ptr
	return f
}

func intField(path, usage string, ptr func(*Config) *int, lo, hi int) *field {
	k := kind[int]{
		name: "int",
		parse: func(s string) (int, error) {
			v, err := strconv.ParseInt(s, 10, 64)
			if err != nil || v < math.MinInt || v > math.MaxInt {
				return 0, fmt.Errorf("want an integer, got %q", s)
			}
			return int(v), nil
		},
		node: func(n *yaml.Node) (int, error) {
			v, err := nodeInt(n)
			if err == nil && (v < math.MinInt || v > math.MaxInt) {
				err = fmt.Errorf("%d is out of range (want %d..%d)", v, lo, hi)
			}
			return int(v), err
		},
		format: strconv.Itoa,
	}
	return newField(path, usage, k, ptr, func(v int) string { return checkRange(int64(v), int64(lo), int64(hi)) })
}

func int64Field(path, usage string, ptr func(*Config) *int64) *field {
	k := kind[int64]{
		name: "int",
		parse: func(s string) (int64, error) {
			v, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("want an integer, got %q", s)
			}
			return v, nil
		},
		node:   nodeInt,
		format: func(v int64) string { return strconv.FormatInt(v, 10) },
	}
	return newField(path, usage, k, ptr, func(int64) string { return "" })
}

// floatField is for values that must be finite and positive, such as
// pdsim.speed: a zero or negative speed would stop or reverse the clock.
func floatField(path, usage string, ptr func(*Config) *float64) *field {
	return numberField(path, usage, ptr, checkPositive)
}

// countField is for counts of at least one, with no upper limit.
func countField(path, usage string, ptr func(*Config) *int) *field {
	f := intField(path, usage, ptr, 1, math.MaxInt)
	f.check = func(c *Config) string { return checkAtLeast(int64(*ptr(c)), 1) }
	return f
}

// sizeField is for byte counts (or byte rates) that must be > 0.
func sizeField(path, usage string, ptr func(*Config) *Size) *field {
	k := kind[Size]{
		name:   "size",
		parse:  parseSize,
		node:   nodeSize,
		format: Size.String,
	}
	return newField(path, usage, k, ptr, func(s Size) string {
		if s == 0 {
			return "0 is out of range (want > 0, e.g. 8MiB)"
		}
		return ""
	})
}

// numberField is for floating-point values; check says which are acceptable.
func numberField(path, usage string, ptr func(*Config) *float64, check func(float64) string) *field {
	k := kind[float64]{
		name: "float",
		parse: func(s string) (float64, error) {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return 0, fmt.Errorf("want a number, got %q", s)
			}
			return v, nil
		},
		node: nodeFloat,
		format: func(v float64) string {
			return strconv.FormatFloat(v, 'g', -1, 64)
		},
	}
	return newField(path, usage, k, ptr, check)
}

// positive is the least duration allowed where any duration > 0 will do.
const positive = Duration(time.Nanosecond)

// durationField is for durations that must be at least min.
func durationField(path, usage string, ptr func(*Config) *Duration, min Duration) *field {
	k := kind[Duration]{
		name:  "duration",
		parse: parseDuration,
		node: func(n *yaml.Node) (Duration, error) {
			if n.ShortTag() == "!!null" {
				return 0, errEmpty
			}
			var d Duration
			err := d.UnmarshalYAML(n)
			return d, err
		},
		format: Duration.String,
	}
	return newField(path, usage, k, ptr, func(d Duration) string { return checkMinDuration(d, min) })
}
