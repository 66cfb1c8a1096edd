package app

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/config"
	"github.com/operator-dev/operator/internal/tikv/observe"
	"github.com/operator-dev/operator/internal/tikv/pd"
)

// timeouts are the observe.Config fields that come from pd.timeout and
// prometheus.timeout rather than from invariants.*; their defaults are the
// config's own (prometheus.timeout is 10s there, 5s in observe).
var timeouts = map[string]bool{"PDTimeout": true, "PrometheusTimeout": true}

// normalized runs c through observe.New, which fills defaults and checks
// ranges, and returns the configuration the subject really uses.
func normalized(t *testing.T, c observe.Config) observe.Config {
	t.Helper()
	pdc, err := pd.New(pd.Config{Endpoint: "http://127.0.0.1:2379"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := observe.New(c, pdc, nil, nil)
	if err != nil {
		t.Fatalf("observe.New refuses the mapped config: %v", err)
	}
	return s.Config()
}

// The config's defaults for the thresholds are the adapter's: a deployment
// that sets nothing behaves as observe.DefaultConfig says.
func TestThresholdDefaultsMatchObserve(t *testing.T) {
	cfg := config.Default()
	got := observeConfig(cfg)
	want := observe.DefaultConfig()
	want.PDTimeout = time.Duration(cfg.PD.Timeout)
	want.PrometheusTimeout = time.Duration(cfg.Prometheus.Timeout)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("config defaults, mapped, differ from observe.DefaultConfig():\ngot  %+v\nwant %+v", got, want)
		for _, f := range reflect.VisibleFields(reflect.TypeFor[observe.Config]()) {
			g, w := reflect.ValueOf(got).FieldByIndex(f.Index), reflect.ValueOf(want).FieldByIndex(f.Index)
			if !reflect.DeepEqual(g.Interface(), w.Interface()) {
				t.Errorf("%s: config default %v, observe default %v", f.Name, g, w)
			}
		}
	}
	if n := normalized(t, got); !reflect.DeepEqual(n, got) {
		t.Errorf("observe.New changed the defaults:\ngot  %+v\nwant %+v", n, got)
	}
}

// nonDefault sets every invariants.* key to something other than its
// default.
const nonDefault = `invariants:
  disconnect-after: 45s
  store-recovery-grace: 5m
  offline-stuck-after: 2h
  low-space-margin: 0.1
  region-check-limit: 64
  miss-peer-min-regions: 2
  down-peer-min-regions: 3
  pending-peer-min-regions: 4
  pending-peer-hold-down: 2m
  extra-peer-hold-down: 3m
  extra-peer-min-regions: 5
  oversized-min-regions: 7
  leader-imbalance-ratio: 2
  leader-imbalance-min-diff: 30
  region-imbalance-ratio: 1.25
  region-imbalance-min-diff: 80
  hot-write-region-rate: 4MiB
  hot-read-region-rate: 32MiB
  hot-write-store-rate: 100MB
  hot-read-store-rate: 1GiB
  max-hot-regions: 5
  operator-stuck-fraction: 0.8
  operator-stuck-after: 1h
  max-tracked-operators: 500
  max-stuck-operators: 7
  latency-metric: tikv_storage_engine_async_request_duration_seconds
  latency-quantile: 0.999
  latency-window: 5m
  latency-threshold: 250ms
`

// Every threshold key reaches observe: a file that sets each one to a
// non-default value changes every field of observe.Config (the timeouts
// aside). The walk is over observe.Config's fields, so a threshold added
// there without a config key and a line in observeConfig fails here.
func TestEveryThresholdReachesObserve(t *testing.T) {
	path := filepath.Join(t.TempDir(), "operator.yaml")
	if err := os.WriteFile(path, []byte(nonDefault), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The file sets every config threshold, so a miss below is a missing
	// mapping, not a gap in the file.
	set, def := reflect.ValueOf(cfg.Invariants), reflect.ValueOf(config.Default().Invariants)
	for _, f := range reflect.VisibleFields(set.Type()) {
		if reflect.DeepEqual(set.FieldByIndex(f.Index).Interface(), def.FieldByIndex(f.Index).Interface()) {
			t.Errorf("the test file leaves config.Invariants.%s at its default", f.Name)
		}
	}

	got := normalized(t, observeConfig(cfg))
	defaults := observe.DefaultConfig()
	g, d := reflect.ValueOf(got), reflect.ValueOf(defaults)
	for _, f := range reflect.VisibleFields(g.Type()) {
		if timeouts[f.Name] {
			continue
		}
		if reflect.DeepEqual(g.FieldByIndex(f.Index).Interface(), d.FieldByIndex(f.Index).Interface()) {
			t.Errorf("observe.Config.%s is still the default %v: no invariants.* key reaches it", f.Name, g.FieldByIndex(f.Index))
		}
	}

	// Spot checks of the conversions.
	if got.HotWriteRegionBytes != 4<<20 || got.HotWriteStoreBytes != 100e6 || got.HotReadStoreBytes != 1<<30 {
		t.Errorf("byte rates: write region %v, write store %v, read store %v; want 4MiB, 100MB, 1GiB",
			got.HotWriteRegionBytes, got.HotWriteStoreBytes, got.HotReadStoreBytes)
	}
	if got.DisconnectAfter != 45*time.Second || got.LatencyThreshold != 250*time.Millisecond || got.LatencyMetric != "tikv_storage_engine_async_request_duration_seconds" {
		t.Errorf("disconnect-after %v, latency-threshold %v, latency-metric %q", got.DisconnectAfter, got.LatencyThreshold, got.LatencyMetric)
	}
}

// Config accepts 0 for low-space-margin and the imbalance min-diffs, where
// observe would read 0 as "use the default": the 0 must survive as 0.
func TestZeroThresholdsStayZero(t *testing.T) {
	cfg := config.Default()
	cfg.Invariants.LowSpaceMargin = 0
	cfg.Invariants.LeaderImbalanceMinDiff = 0
	cfg.Invariants.RegionImbalanceMinDiff = 0
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	got := normalized(t, observeConfig(cfg))
	for name, v := range map[string]float64{
		"LowSpaceMargin": got.LowSpaceMargin, "LeaderImbalanceMinDiff": got.LeaderImbalanceMinDiff, "RegionImbalanceMinDiff": got.RegionImbalanceMinDiff,
	} {
		// Any low-space-ratio PD may report, and any leader or region
		// difference, compares as it would against 0.
		if v <= 0 || 0.8-v != 0.8 || 0.01-v != 0.01 || 1-v != 1 {
			t.Errorf("%s = %v, want a stand-in for 0", name, v)
		}
	}
}
