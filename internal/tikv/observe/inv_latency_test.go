package observe

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/operator-dev/operator/internal/tikv/pd"
)

func TestLatencyQuery(t *testing.T) {
	got := DefaultConfig().latencyQuery()
	want := "histogram_quantile(0.99, sum by (le, instance, store) (rate(tikv_grpc_msg_duration_seconds_bucket[1m])))"
	if got != want {
		t.Errorf("query %q\nwant  %q", got, want)
	}
}

func TestParseLatency(t *testing.T) {
	sample := func(store, instance string, v float64) *model.Sample {
		m := model.Metric{}
		if store != "" {
			m["store"] = model.LabelValue(store)
		}
		if instance != "" {
			m["instance"] = model.LabelValue(instance)
		}
		return &model.Sample{Metric: m, Value: model.SampleValue(v)}
	}
	got, err := parseLatency(model.Vector{
		sample("2", "a:1", 0.01), sample("1", "a:0", 0.8),
		sample("3", "a:2", math.NaN()), // no traffic in the window
		sample("", "tikv-9:20180", math.Inf(1)),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []StoreLatency{{"", "tikv-9:20180", math.Inf(1)}, {"1", "a:0", 0.8}, {"2", "a:1", 0.01}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if _, err := parseLatency(&model.Scalar{Value: 1}); err == nil {
		t.Error("a scalar was accepted as an instant vector")
	}
	if _, err := parseLatency(nil); err == nil {
		t.Error("no result was accepted")
	}
}

func TestStoreHighLatency(t *testing.T) {
	s4 := upStore(4, 1, 1)
	s4.Store.StatusAddress = "tikv-4:20180"
	d := &Data{
		Stores: []pd.StoreInfo{s4},
		Latency: []StoreLatency{
			{Store: "1", Instance: "x:1", Seconds: 0.5},         // at the threshold: fine
			{Store: "2", Instance: "x:2", Seconds: 0.501},       // beyond
			{Instance: "tikv-4:20180", Seconds: 2},              // mapped to store 4
			{Instance: "tikv-9:20180", Seconds: 3},              // unknown store
			{Store: "5", Instance: "x:5", Seconds: math.Inf(1)}, // beyond the largest bucket
		},
	}
	mapLatencyStores(d)
	vs := runCheck(t, Config{}, InvStoreHighLatency, d, t0)
	sameKeys(t, "latency", vs, "store-high-latency/store=2", "store-high-latency/store=4",
		"store-high-latency/instance=tikv-9:20180", "store-high-latency/store=5")
	for _, v := range vs {
		if v.Labels["store"] == "2" {
			want := "store 2 (x:2) answers slowly: gRPC p99 latency 501ms over the last 1m0s, threshold 500ms"
			if v.Summary != want {
				t.Errorf("summary %q\nwant    %q", v.Summary, want)
			}
		}
	}
	cfg := Config{LatencyThreshold: 3 * time.Second}
	sameKeys(t, "raised threshold", runCheck(t, cfg, InvStoreHighLatency, d, t0), "store-high-latency/store=5")
}
