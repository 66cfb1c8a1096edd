package pd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
)

// syntheticRegions builds a GET /regions body of n regions shaped like PD's
// (hex keys, three voters, a leader, the counters), compact as PD sends it.
func syntheticRegions(tb testing.TB, n int) []byte {
	tb.Helper()
	info := RegionsInfo{Count: n, Regions: make([]RegionInfo, n)}
	key := func(i int) string {
		if i <= 0 || i >= n {
			return ""
		}
		return fmt.Sprintf("7480000000000000FF015F728000000000FF%06XFF00000000FB", i)
	}
	for i := range info.Regions {
		base := uint64(i*4 + 1000)
		peers := []RegionPeer{
			{RoleName: "Voter", ID: PeerID(base), StoreID: StoreID(i%5 + 1)},
			{RoleName: "Voter", ID: PeerID(base + 1), StoreID: StoreID((i+1)%5 + 1)},
			{RoleName: "Voter", ID: PeerID(base + 2), StoreID: StoreID((i+2)%5 + 1)},
		}
		info.Regions[i] = RegionInfo{
			ID: RegionID(base + 3), StartKey: key(i), EndKey: key(i + 1),
			Epoch: RegionEpoch{ConfVer: 5, Version: uint64(i%50 + 1)},
			Peers: peers, Leader: peers[i%3],
			WrittenBytes: uint64(i * 1024), ReadBytes: uint64(i * 512), WrittenKeys: uint64(i), ReadKeys: uint64(i / 2),
			ApproximateSize: 96, ApproximateKeys: 960000,
		}
		if i%100 == 0 {
			info.Regions[i].PendingPeers = []RegionPeer{peers[2]}
		}
	}
	b, err := json.Marshal(info)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// BenchmarkDecodeRegions100k compares the client's streaming typed decode of
// a 100k-region GET /regions body with encoding/json into a generic map (and,
// for reference, a one-shot typed Unmarshal).
func BenchmarkDecodeRegions100k(b *testing.B) {
	body := syntheticRegions(b, 100_000)
	b.Run("typed-stream", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var out RegionsInfo
			if err := regionsInto(&out)(bytes.NewReader(body)); err != nil || len(out.Regions) != 100_000 {
				b.Fatal(err, len(out.Regions))
			}
		}
	})
	b.Run("typed-unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var out RegionsInfo
			if err := json.Unmarshal(body, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("generic-map", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var out map[string]any
			if err := json.Unmarshal(body, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestStreamingDecodeMatchesUnmarshal guards the streaming decoder against
// the plain one on the synthetic body and on the full captured /regions.
func TestStreamingDecodeMatchesUnmarshal(t *testing.T) {
	check := func(name string, body []byte) {
		var streamed, plain RegionsInfo
		if err := regionsInto(&streamed)(bytes.NewReader(body)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := json.Unmarshal(body, &plain); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(streamed, plain) || len(streamed.Regions) != streamed.Count {
			t.Fatalf("%s: streaming decode differs (count %d, %d regions)", name, streamed.Count, len(streamed.Regions))
		}
	}
	check("synthetic", syntheticRegions(t, 2000))
	for _, fx := range loadFixtures(t) {
		if fx.Name == "GET_regions__full" {
			check(fx.Name, fx.responseBody(t))
			return
		}
	}
	t.Fatal("GET_regions__full fixture missing")
}
