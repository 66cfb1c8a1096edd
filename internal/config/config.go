package config

import (
	"log/slog"
	"strings"
	"time"
)

// Config is the operator's whole configuration. The zero value is not useful;
// start from Default or Load.
type Config struct {
	Log        Log        `yaml:"log"`
	PD         PD         `yaml:"pd"`
	Prometheus Prometheus `yaml:"prometheus"`
	PDSim      PDSim      `yaml:"pdsim"`
	Monitor    Monitor    `yaml:"monitor"`
	Invariants Invariants `yaml:"invariants"`
	Diagnosis  Diagnosis  `yaml:"diagnosis"`
	Actions    Actions    `yaml:"actions"`
	Notify     Notify     `yaml:"notify"`
	DB         DB         `yaml:"db"`
	HA         HA         `yaml:"ha"`
	API        API        `yaml:"api"`
}

// Log configures the process logger.
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn or error
	Format string `yaml:"format"` // text or json
}

// SlogLevel is Level as a slog.Level. Level is validated by Load, so an
// unknown value cannot reach here from a loaded Config; it maps to info.
func (l Log) SlogLevel() slog.Level {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(l.Level)); err != nil {
		return slog.LevelInfo
	}
	return lv
}

// PD says how to reach the Placement Driver. Reads and writes use separate
// credentials so that observing a cluster never requires the right to change it.
type PD struct {
	Endpoint string   `yaml:"endpoint"`
	Timeout  Duration `yaml:"timeout"`
	ReadTLS  TLS      `yaml:"read-tls"`
	WriteTLS TLS      `yaml:"write-tls"`
}

// TLS names the files of one client's TLS credential. All empty means plain
// HTTP; CAFile alone verifies the server without a client certificate.
type TLS struct {
	CAFile   string `yaml:"ca-file"`
	CertFile string `yaml:"cert-file"`
	KeyFile  string `yaml:"key-file"`
}

// Prometheus says how to reach Prometheus. An empty Endpoint disables it.
type Prometheus struct {
	Endpoint string   `yaml:"endpoint"`
	Timeout  Duration `yaml:"timeout"`
}

// PDSim configures the built-in PD simulator.
type PDSim struct {
	Listen   string  `yaml:"listen"`
	Stores   int     `yaml:"stores"`
	Regions  int     `yaml:"regions"`
	Seed     int64   `yaml:"seed"`
	Scenario string  `yaml:"scenario"` // optional scenario file
	Speed    float64 `yaml:"speed"`    // simulated seconds per real second
}

// Monitor configures invariant evaluation.
type Monitor struct {
	Interval Duration `yaml:"interval"`
	// HoldDown: a problem must last this long before its ticket opens.
	HoldDown Duration `yaml:"hold-down"`
	// ClearAfter: a problem must stay gone this long before its ticket resolves.
	ClearAfter Duration `yaml:"clear-after"`
	// ReopenWithin: a problem back this soon reopens its resolved ticket.
	ReopenWithin Duration `yaml:"reopen-within"`
}

// Invariants holds the thresholds of the TiKV invariants. internal/app
// hands them to the TiKV adapter (observe.Config), whose fields they
// mirror one for one; this package keeps its own copy because a core
// package must not import the adapter. They are set from the file and the
// environment only, not by flags: there are too many for --help.
type Invariants struct {
	// DisconnectAfter: a store whose last heartbeat is this old is
	// disconnected (PD's own limit is 20s).
	DisconnectAfter Duration `yaml:"disconnect-after"`
	// StoreRecoveryGrace: down replicas are still put down to a store this
	// long after it was last seen silent, while PD's down-peer list catches up.
	StoreRecoveryGrace Duration `yaml:"store-recovery-grace"`
	// OfflineStuckAfter: an Offline store whose region count has not fallen
	// for this long has a stuck drain.
	OfflineStuckAfter Duration `yaml:"offline-stuck-after"`
	// LowSpaceMargin: used share above PD's low-space-ratio minus this is a
	// warning (above the ratio itself it is critical). In [0, 1).
	LowSpaceMargin float64 `yaml:"low-space-margin"`

	// RegionCheckLimit: region ids asked of each /regions/check/* request.
	RegionCheckLimit int `yaml:"region-check-limit"`
	// Minimum affected regions before each region check raises a violation.
	MissPeerMinRegions    int `yaml:"miss-peer-min-regions"`
	DownPeerMinRegions    int `yaml:"down-peer-min-regions"`
	PendingPeerMinRegions int `yaml:"pending-peer-min-regions"`
	// PendingPeerHoldDown and ExtraPeerHoldDown: how long those region
	// checks must keep failing before a ticket (moves pass through both).
	PendingPeerHoldDown Duration `yaml:"pending-peer-hold-down"`
	ExtraPeerHoldDown   Duration `yaml:"extra-peer-hold-down"`
	ExtraPeerMinRegions int      `yaml:"extra-peer-min-regions"`
	OversizedMinRegions int      `yaml:"oversized-min-regions"`

	// Balance: the busiest healthy store's weighted count must exceed the
	// mean by the ratio AND by the minimum difference.
	LeaderImbalanceRatio   float64 `yaml:"leader-imbalance-ratio"`
	LeaderImbalanceMinDiff float64 `yaml:"leader-imbalance-min-diff"`
	RegionImbalanceRatio   float64 `yaml:"region-imbalance-ratio"`
	RegionImbalanceMinDiff float64 `yaml:"region-imbalance-min-diff"`

	// Hotspots: byte rates per second at which a region or store is hot.
	HotWriteRegionRate Size `yaml:"hot-write-region-rate"`
	HotReadRegionRate  Size `yaml:"hot-read-region-rate"`
	HotWriteStoreRate  Size `yaml:"hot-write-store-rate"`
	HotReadStoreRate   Size `yaml:"hot-read-store-rate"`
	// MaxHotRegions caps hot-region violations per direction.
	MaxHotRegions int `yaml:"max-hot-regions"`

	// An operator is stuck after OperatorStuckFraction of its timeout, or
	// after OperatorStuckAfter whatever its timeout.
	OperatorStuckFraction float64  `yaml:"operator-stuck-fraction"`
	OperatorStuckAfter    Duration `yaml:"operator-stuck-after"`
	MaxTrackedOperators   int      `yaml:"max-tracked-operators"`
	MaxStuckOperators     int      `yaml:"max-stuck-operators"`

	// Store latency: the LatencyQuantile of histogram LatencyMetric over
	// LatencyWindow must stay at or below LatencyThreshold.
	LatencyMetric    string   `yaml:"latency-metric"`
	LatencyQuantile  float64  `yaml:"latency-quantile"`
	LatencyWindow    Duration `yaml:"latency-window"`
	LatencyThreshold Duration `yaml:"latency-threshold"`
}

// The diagnosis providers. The rules provider needs no model and always
// runs; Diagnosis.Provider names the one model provider, if any, that runs
// beside it.
const (
	ProviderRules     = "rules"     // no model: the offline rules alone
	ProviderAnthropic = "anthropic" // Anthropic's Messages API
	ProviderOpenAI    = "openai"    // any OpenAI-compatible chat completions server
)

// Diagnosis configures ticket diagnosis: which model provider runs beside
// the rules, how often, and what it may spend. API keys are never part of
// the configuration: each provider names the environment variable that
// holds its key (see DiagnosisAPIKey).
type Diagnosis struct {
	// Provider is ProviderRules, ProviderAnthropic or ProviderOpenAI.
	Provider string `yaml:"provider"`
	// Interval: how often the runner looks for tickets to diagnose.
	Interval Duration `yaml:"interval"`
	// RediagnoseAfter: the least time between two diagnosis rounds of one
	// ticket whose evidence changed materially; 0 means no wait.
	RediagnoseAfter Duration `yaml:"rediagnose-after"`
	// Timeout bounds one model request.
	Timeout Duration `yaml:"timeout"`
	// MaxRetries: retries of a request answered 429 or 5xx, with backoff;
	// 0 means none.
	MaxRetries int `yaml:"max-retries"`
	// MaxTokensPerTicket: the token budget (input plus output) of one
	// ticket over its whole life.
	MaxTokensPerTicket int `yaml:"max-tokens-per-ticket"`
	// MaxCostPerTicket: the budget of one ticket in US dollars; 0 means no
	// cost limit (the token budget still applies).
	MaxCostPerTicket float64 `yaml:"max-cost-per-ticket"`

	Anthropic Anthropic `yaml:"anthropic"`
	OpenAI    OpenAI    `yaml:"openai"`
}

// Anthropic configures the Anthropic provider.
type Anthropic struct {
	Model string `yaml:"model"`
	// BaseURL is the API root; empty means the SDK's default,
	// https://api.anthropic.com.
	BaseURL string `yaml:"base-url"`
	// APIKeyEnv names the environment variable that holds the API key.
	APIKeyEnv string `yaml:"api-key-env"`
	// InputPricePerMTok and OutputPricePerMTok are the model's prices in
	// US dollars per million tokens, set both or neither. Both 0 means the
	// provider's list prices for its default model; another model needs
	// them set.
	InputPricePerMTok  float64 `yaml:"input-price-per-mtok"`
	OutputPricePerMTok float64 `yaml:"output-price-per-mtok"`
}

// OpenAI configures the provider for OpenAI-compatible servers: OpenAI
// itself, vLLM, Ollama, llama.cpp, LM Studio.
type OpenAI struct {
	// BaseURL is the API root, the part before /chat/completions.
	BaseURL string `yaml:"base-url"`
	// Model is required with that provider: a server's model names are its
	// own.
	Model string `yaml:"model"`
	// APIKeyEnv names the environment variable that holds the API key.
	// Local servers usually want no key: the variable may then be unset.
	APIKeyEnv string `yaml:"api-key-env"`
	// InputPricePerMTok and OutputPricePerMTok are the model's prices in
	// US dollars per million tokens, set both or neither. Both 0 means
	// free (a local model): cost is then $0 and MaxCostPerTicket never
	// binds.
	InputPricePerMTok  float64 `yaml:"input-price-per-mtok"`
	OutputPricePerMTok float64 `yaml:"output-price-per-mtok"`
}

// Action modes.
const (
	ModeObserve = "observe" // proposals are made and dry-run; nothing executes
	ModeExecute = "execute" // approved actions run
)

// Actions configures proposals and their execution. The default is
// observe-only: an operator that has not been told it may change the
// cluster never does.
type Actions struct {
	// Mode is ModeObserve or ModeExecute.
	Mode string `yaml:"mode"`
	// Interval: how often the executor looks at its queue (and the
	// proposer at new diagnoses).
	Interval Duration `yaml:"interval"`
	// ProposalTTL: a proposal nobody approved within this expires.
	ProposalTTL Duration `yaml:"proposal-ttl"`
	// RecoveryWindow: how long verification waits for the ticket's
	// invariant to recover after the change took effect.
	RecoveryWindow Duration `yaml:"recovery-window"`
	// Blast-radius limits: an action whose preflight says it touches more
	// is refused, whoever approved it. The defaults let one store of a
	// large cluster be drained (a drain touches every store that receives
	// its replicas, and every region on it) and stop anything bigger.
	MaxStores  int  `yaml:"max-stores"`
	MaxRegions int  `yaml:"max-regions"`
	MaxBytes   Size `yaml:"max-bytes"`
	// MaxPerHour: the most runs started in any hour.
	MaxPerHour int `yaml:"max-per-hour"`
	// PolicyFile is the approval policy (YAML, see
	// internal/policy/example.yaml), reloaded when it changes; empty: the
	// built-in policy (one approver, two distinct ones for high risk,
	// nothing auto-approved).
	PolicyFile string `yaml:"policy-file"`
}

// Notify configures where people are told what needs them. The webhook
// URLs are credentials: the config names the environment variables that
// hold them, never the URLs.
type Notify struct {
	// SlackURLEnv names the variable holding a Slack incoming webhook URL;
	// notable and critical messages go there.
	SlackURLEnv string `yaml:"slack-url-env"`
	// WebhookURLEnv names the variable holding a generic JSON webhook URL
	// (a pager, an incident tool); critical messages go there.
	WebhookURLEnv string `yaml:"webhook-url-env"`
}

// DiagnosisAPIKey returns the API key of the chosen diagnosis provider and
// the name of the environment variable it was read from, so that a caller
// can say "set ANTHROPIC_API_KEY" without knowing the config's keys. Both
// are empty for the rules provider; key alone is empty when the variable is
// unset or blank. Surrounding white space (a secret file's newline) is
// dropped. lookup is os.LookupEnv in production; nil means no environment.
//
// The key is the caller's to keep out of logs and errors; this package
// never stores it in a Config nor prints it.
func (c *Config) DiagnosisAPIKey(lookup func(string) (string, bool)) (key string, envName string) {
	switch c.Diagnosis.Provider {
	case ProviderAnthropic:
		envName = c.Diagnosis.Anthropic.APIKeyEnv
	case ProviderOpenAI:
		envName = c.Diagnosis.OpenAI.APIKeyEnv
	default:
		return "", ""
	}
	if lookup == nil || envName == "" {
		return "", envName
	}
	v, _ := lookup(envName)
	return strings.TrimSpace(v), envName
}

// API configures the daemon's HTTP API (tickets, Alertmanager webhook, /metrics).
type API struct {
	Listen string `yaml:"listen"`
}

// DB configures the state store.
type DB struct {
	// Path is a SQLite file, or a postgres:// URL (several replicas share
	// one PostgreSQL). A URL carries no password: pgx reads PGPASSWORD or
	// ~/.pgpass, so the secret never sits in a config file, a flag or a log.
	Path string `yaml:"path"`
}

// Postgres reports whether the state store is PostgreSQL.
func (d DB) Postgres() bool { return isPostgresURL(d.Path) }

// HA configures leader election among replicas sharing a PostgreSQL
// store (with SQLite there is one replica, which leads at once).
type HA struct {
	// ReplicaID names this replica: unique among the replicas, stable
	// across its restarts (a pod name); empty: the host name.
	ReplicaID string `yaml:"replica-id"`
	// LeaseTTL is how long the leader's lease lasts unrenewed; it renews
	// every third of it, and another replica takes over within about
	// one TTL of the leader's death.
	LeaseTTL Duration `yaml:"lease-ttl"`
}

// Default returns the configuration used for every key that no source sets.
func Default() *Config {
	return &Config{
		Log: Log{Level: "info", Format: "text"},
		PD: PD{
			Endpoint: "http://127.0.0.1:2379",
			Timeout:  Duration(5 * time.Second),
		},
		Prometheus: Prometheus{Timeout: Duration(10 * time.Second)},
		PDSim: PDSim{
			Listen:  "127.0.0.1:2379",
			Stores:  5,
			Regions: 1000,
			Seed:    1,
			Speed:   1,
		},
		Monitor: Monitor{
			Interval:     Duration(10 * time.Second),
			ClearAfter:   Duration(time.Minute),
			ReopenWithin: Duration(30 * time.Minute),
		},
		// The TiKV adapter's defaults; internal/app's tests keep them equal.
		Invariants: Invariants{
			DisconnectAfter:        Duration(20 * time.Second),
			StoreRecoveryGrace:     Duration(2 * time.Minute),
			OfflineStuckAfter:      Duration(30 * time.Minute),
			LowSpaceMargin:         0.05,
			RegionCheckLimit:       16,
			MissPeerMinRegions:     1,
			DownPeerMinRegions:     1,
			PendingPeerMinRegions:  1,
			PendingPeerHoldDown:    Duration(time.Minute),
			ExtraPeerHoldDown:      Duration(time.Minute),
			ExtraPeerMinRegions:    1,
			OversizedMinRegions:    1,
			LeaderImbalanceRatio:   1.5,
			LeaderImbalanceMinDiff: 20,
			RegionImbalanceRatio:   1.5,
			RegionImbalanceMinDiff: 50,
			HotWriteRegionRate:     8 << 20,
			HotReadRegionRate:      16 << 20,
			HotWriteStoreRate:      64 << 20,
			HotReadStoreRate:       128 << 20,
			MaxHotRegions:          20,
			OperatorStuckFraction:  0.5,
			OperatorStuckAfter:     Duration(30 * time.Minute),
			MaxTrackedOperators:    10000,
			MaxStuckOperators:      20,
			LatencyMetric:          "tikv_grpc_msg_duration_seconds",
			LatencyQuantile:        0.99,
			LatencyWindow:          Duration(time.Minute),
			LatencyThreshold:       Duration(500 * time.Millisecond),
		},
		Diagnosis: Diagnosis{
			Provider:           ProviderRules,
			Interval:           Duration(10 * time.Second),
			RediagnoseAfter:    Duration(5 * time.Minute),
			Timeout:            Duration(60 * time.Second),
			MaxRetries:         3,
			MaxTokensPerTicket: 200_000,
			MaxCostPerTicket:   1.0,
			Anthropic: Anthropic{
				Model:     "claude-sonnet-4-6",
				APIKeyEnv: "ANTHROPIC_API_KEY",
			},
			OpenAI: OpenAI{
				BaseURL:   "https://api.openai.com/v1",
				APIKeyEnv: "OPENAI_API_KEY",
			},
		},
		Actions: Actions{
			Mode:           ModeObserve,
			Interval:       Duration(2 * time.Second),
			ProposalTTL:    Duration(time.Hour),
			RecoveryWindow: Duration(3 * time.Minute),
			MaxStores:      64,
			MaxRegions:     100_000,
			MaxBytes:       4 << 40,
			MaxPerHour:     10,
		},
		DB:  DB{Path: "operator.db"},
		HA:  HA{LeaseTTL: Duration(15 * time.Second)},
		API: API{Listen: "127.0.0.1:9876"},
	}
}
