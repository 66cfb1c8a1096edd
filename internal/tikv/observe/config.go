package observe

import (
	"errors"
	"fmt"
	"time"
)

// Config holds every threshold of the TiKV observation and its invariants.
// A zero field takes the default named in its comment (see DefaultConfig);
// negative values are refused by New.
//
// Comparisons at the threshold: ages and rates fire when they reach it
// (age >= DisconnectAfter, rate >= HotWriteRegionBytes); ratios that must be
// "beyond" a limit fire only above it (max/mean > LeaderImbalanceRatio,
// used/capacity > PD's low-space-ratio, p99 > LatencyThreshold).
type Config struct {
	// PDTimeout bounds each PD source (one endpoint, retries included).
	// Default 5s.
	PDTimeout time.Duration
	// PrometheusTimeout bounds the Prometheus query. Default 5s.
	PrometheusTimeout time.Duration

	// DisconnectAfter is the heartbeat age at which a store counts as
	// disconnected. Default 20s, PD's own limit, so we say it no later than
	// PD's state_name does (a Disconnected state_name is trusted as well).
	DisconnectAfter time.Duration
	// StoreRecoveryGrace is how long after a store was last seen silent
	// its regions' down replicas are still put down to it: leaders report
	// a recovered peer in their next region heartbeat (TiKV: every 60s),
	// so PD's down-peer list lags the store's return. Default 2m.
	StoreRecoveryGrace time.Duration
	// OfflineStuckAfter is how long an Offline store's region count may
	// stay without decreasing before the drain counts as stuck. Default 30m.
	OfflineStuckAfter time.Duration
	// LowSpaceMargin is the early warning: a store whose used share is
	// above PD's low-space-ratio minus this margin is a warning; above
	// low-space-ratio itself it is critical. Default 0.05.
	LowSpaceMargin float64

	// RegionCheckLimit is how many regions one /regions/check/* request
	// asks for (page 1): the evidence shows these ids, the total count comes
	// from PD. Default 16.
	RegionCheckLimit int
	// Minimum number of affected regions before each region check raises a
	// violation. Default 1 each.
	MissPeerMinRegions    int
	DownPeerMinRegions    int
	PendingPeerMinRegions int
	ExtraPeerMinRegions   int
	OversizedMinRegions   int
	// Pending and extra replicas are how every peer move looks halfway
	// through; a region left so by a failed or canceled operator is fixed
	// by PD's next patrol. Their tickets open only once the violation has
	// lasted this long. Default 1m each.
	PendingPeerHoldDown time.Duration
	ExtraPeerHoldDown   time.Duration

	// Leader and region balance across healthy Up stores: the busiest
	// store's weighted count over the mean must exceed the ratio AND
	// exceed the mean by at least the minimum difference. Defaults 1.5 and
	// 20 leaders; 1.5 and 50 regions.
	LeaderImbalanceRatio   float64
	LeaderImbalanceMinDiff float64
	RegionImbalanceRatio   float64
	RegionImbalanceMinDiff float64

	// Hotspot byte rates (bytes per second) at which a region (on its
	// leader) or a store counts as hot. Defaults: write region 8 MiB/s, read
	// region 16 MiB/s, write store 64 MiB/s, read store 128 MiB/s.
	HotWriteRegionBytes float64
	HotReadRegionBytes  float64
	HotWriteStoreBytes  float64
	HotReadStoreBytes   float64
	// MaxHotRegions caps the hot-region violations per direction (the
	// hottest first). Default 20.
	MaxHotRegions int

	// An operator is stuck once it has run at least OperatorStuckFraction
	// of its timeout, or OperatorStuckAfter whatever its timeout. Defaults
	// 0.5 and 30m.
	OperatorStuckFraction float64
	OperatorStuckAfter    time.Duration
	// MaxTrackedOperators bounds the first-seen memory of running
	// operators. Default 10000.
	MaxTrackedOperators int
	// MaxStuckOperators caps the operator-stuck violations (the oldest
	// first). Default 20.
	MaxStuckOperators int

	// Store latency from Prometheus: the LatencyQuantile of the histogram
	// LatencyMetric over LatencyWindow, per instance/store, must stay at or
	// below LatencyThreshold. Defaults tikv_grpc_msg_duration_seconds, 0.99,
	// 1m, 500ms.
	LatencyMetric    string
	LatencyQuantile  float64
	LatencyWindow    time.Duration
	LatencyThreshold time.Duration
}

// Defaults.
const (
	DefaultPDTimeout             = 5 * time.Second
	DefaultPrometheusTimeout     = 5 * time.Second
	DefaultDisconnectAfter       = 20 * time.Second
	DefaultStoreRecoveryGrace    = 2 * time.Minute
	DefaultOfflineStuckAfter     = 30 * time.Minute
	DefaultLowSpaceMargin        = 0.05
	DefaultRegionCheckLimit      = 16
	DefaultRegionHoldDown        = time.Minute
	DefaultImbalanceRatio        = 1.5
	DefaultLeaderImbalanceDiff   = 20
	DefaultRegionImbalanceDiff   = 50
	DefaultHotWriteRegionBytes   = 8 << 20
	DefaultHotReadRegionBytes    = 16 << 20
	DefaultHotWriteStoreBytes    = 64 << 20
	DefaultHotReadStoreBytes     = 128 << 20
	DefaultMaxHotRegions         = 20
	DefaultOperatorStuckFraction = 0.5
	DefaultOperatorStuckAfter    = 30 * time.Minute
	DefaultMaxTrackedOperators   = 10000
	DefaultMaxStuckOperators     = 20
	DefaultLatencyMetric         = "tikv_grpc_msg_duration_seconds"
	DefaultLatencyQuantile       = 0.99
	DefaultLatencyWindow         = time.Minute
	DefaultLatencyThreshold      = 500 * time.Millisecond

	// defaultLowSpaceRatio is PD's default, used only when PD's answer
	// carries no usable low-space-ratio.
	defaultLowSpaceRatio = 0.8
)

// DefaultConfig returns a Config with every default filled in.
func DefaultConfig() Config {
	c, _ := Config{}.normalize()
	return c
}

// normalize fills defaults and checks ranges.
func (c Config) normalize() (Config, error) {
	var errs []error
	dur := func(name string, v *time.Duration, def time.Duration) {
		if *v < 0 {
			errs = append(errs, fmt.Errorf("%s %s is negative", name, *v))
		}
		if *v <= 0 {
			*v = def
		}
	}
	num := func(name string, v *float64, def float64) {
		if *v < 0 {
			errs = append(errs, fmt.Errorf("%s %v is negative", name, *v))
		}
		if *v <= 0 {
			*v = def
		}
	}
	count := func(name string, v *int, def int) {
		if *v < 0 {
			errs = append(errs, fmt.Errorf("%s %d is negative", name, *v))
		}
		if *v <= 0 {
			*v = def
		}
	}
	dur("PDTimeout", &c.PDTimeout, DefaultPDTimeout)
	dur("PrometheusTimeout", &c.PrometheusTimeout, DefaultPrometheusTimeout)
	dur("DisconnectAfter", &c.DisconnectAfter, DefaultDisconnectAfter)
	dur("StoreRecoveryGrace", &c.StoreRecoveryGrace, DefaultStoreRecoveryGrace)
	dur("OfflineStuckAfter", &c.OfflineStuckAfter, DefaultOfflineStuckAfter)
	num("LowSpaceMargin", &c.LowSpaceMargin, DefaultLowSpaceMargin)
	count("RegionCheckLimit", &c.RegionCheckLimit, DefaultRegionCheckLimit)
	count("MissPeerMinRegions", &c.MissPeerMinRegions, 1)
	count("DownPeerMinRegions", &c.DownPeerMinRegions, 1)
	count("PendingPeerMinRegions", &c.PendingPeerMinRegions, 1)
	count("ExtraPeerMinRegions", &c.ExtraPeerMinRegions, 1)
	count("OversizedMinRegions", &c.OversizedMinRegions, 1)
	dur("PendingPeerHoldDown", &c.PendingPeerHoldDown, DefaultRegionHoldDown)
	dur("ExtraPeerHoldDown", &c.ExtraPeerHoldDown, DefaultRegionHoldDown)
	num("LeaderImbalanceRatio", &c.LeaderImbalanceRatio, DefaultImbalanceRatio)
	num("LeaderImbalanceMinDiff", &c.LeaderImbalanceMinDiff, DefaultLeaderImbalanceDiff)
	num("RegionImbalanceRatio", &c.RegionImbalanceRatio, DefaultImbalanceRatio)
	num("RegionImbalanceMinDiff", &c.RegionImbalanceMinDiff, DefaultRegionImbalanceDiff)
	num("HotWriteRegionBytes", &c.HotWriteRegionBytes, DefaultHotWriteRegionBytes)
	num("HotReadRegionBytes", &c.HotReadRegionBytes, DefaultHotReadRegionBytes)
	num("HotWriteStoreBytes", &c.HotWriteStoreBytes, DefaultHotWriteStoreBytes)
	num("HotReadStoreBytes", &c.HotReadStoreBytes, DefaultHotReadStoreBytes)
	count("MaxHotRegions", &c.MaxHotRegions, DefaultMaxHotRegions)
	num("OperatorStuckFraction", &c.OperatorStuckFraction, DefaultOperatorStuckFraction)
	dur("OperatorStuckAfter", &c.OperatorStuckAfter, DefaultOperatorStuckAfter)
	count("MaxTrackedOperators", &c.MaxTrackedOperators, DefaultMaxTrackedOperators)
	count("MaxStuckOperators", &c.MaxStuckOperators, DefaultMaxStuckOperators)
	if c.LatencyMetric == "" {
		c.LatencyMetric = DefaultLatencyMetric
	}
	num("LatencyQuantile", &c.LatencyQuantile, DefaultLatencyQuantile)
	dur("LatencyWindow", &c.LatencyWindow, DefaultLatencyWindow)
	dur("LatencyThreshold", &c.LatencyThreshold, DefaultLatencyThreshold)

	if c.LowSpaceMargin >= 1 {
		errs = append(errs, fmt.Errorf("LowSpaceMargin %v must be below 1", c.LowSpaceMargin))
	}
	if c.LeaderImbalanceRatio < 1 || c.RegionImbalanceRatio < 1 {
		errs = append(errs, errors.New("imbalance ratios compare the busiest store with the mean and must be at least 1"))
	}
	if c.OperatorStuckFraction > 1 {
		errs = append(errs, fmt.Errorf("OperatorStuckFraction %v must be at most 1 (PD times operators out at their timeout)", c.OperatorStuckFraction))
	}
	if c.LatencyQuantile >= 1 {
		errs = append(errs, fmt.Errorf("LatencyQuantile %v must be below 1", c.LatencyQuantile))
	}
	if !validMetricName(c.LatencyMetric) {
		errs = append(errs, fmt.Errorf("LatencyMetric %q is not a Prometheus metric name", c.LatencyMetric))
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("observe: config: %w", errors.Join(errs...))
	}
	return c, nil
}

// validMetricName keeps the metric name safe to paste into PromQL.
func validMetricName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || r == ':' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
