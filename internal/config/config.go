package config

import (
	"log/slog"
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
	DB         DB         `yaml:"db"`
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

// API configures the daemon's HTTP API (tickets, Alertmanager webhook, /metrics).
type API struct {
	Listen string `yaml:"listen"`
}

// DB configures the state store.
type DB struct {
	Path string `yaml:"path"`
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
		DB:  DB{Path: "operator.db"},
		API: API{Listen: "127.0.0.1:9876"},
	}
}
