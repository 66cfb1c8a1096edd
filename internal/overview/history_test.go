package overview

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// ov is an overview at t0+i seconds whose nodes have used = i GiB of 100
// and write = i*nodeID bytes/s.
func ov(i int, ids ...string) Overview {
	o := Overview{At: t0.Add(time.Duration(i) * time.Second), NodeNoun: "store", ShardNoun: "region"}
	for k, id := range ids {
		o.Nodes = append(o.Nodes, Node{ID: id, CapacityBytes: 100 << 30, AvailableBytes: uint64(100-i) << 30,
			WriteBytesPerSec: float64(i * (k + 1))})
	}
	return o
}

func TestLatestBeforeAndAfter(t *testing.T) {
	h := NewHistory(3, 10)
	if _, ok := h.Latest(); ok {
		t.Fatal("a new history has a latest overview")
	}
	var nilH *History
	if _, ok := nilH.Latest(); ok || nilH.Len() != 0 || nilH.Series(UsedBytes) != nil {
		t.Fatal("a nil history is not empty")
	}
	h.Add(ov(1, "1", "2"))
	got, ok := h.Latest()
	if !ok || !got.At.Equal(t0.Add(time.Second)) || len(got.Nodes) != 2 {
		t.Fatalf("latest: %+v %v", got, ok)
	}
	// The copy is the caller's: changing it changes nothing inside.
	got.Nodes[0].ID = "changed"
	if again, _ := h.Latest(); again.Nodes[0].ID != "1" {
		t.Fatal("Latest shares its nodes with the caller")
	}
}

func TestRingWrapsKeepingTheNewest(t *testing.T) {
	h := NewHistory(3, 10)
	for i := range 7 {
		h.Add(ov(i, "1"))
		if want := min(i+1, 3); h.Len() != want {
			t.Fatalf("after %d adds: %d samples, want %d", i+1, h.Len(), want)
		}
	}
	s := h.Series(UsedBytes)
	if len(s) != 1 || len(s[0].Points) != 3 {
		t.Fatalf("series: %+v", s)
	}
	for k, p := range s[0].Points {
		i := 4 + k // samples 4, 5, 6 remain, oldest first
		if !p.At.Equal(t0.Add(time.Duration(i)*time.Second)) || p.Value != float64(uint64(i)<<30) {
			t.Errorf("point %d: %v %v, want sample %d", k, p.At, p.Value, i)
		}
	}
}

func TestSeriesPerNodeWithGaps(t *testing.T) {
	h := NewHistory(10, 10)
	h.Add(ov(1, "10", "2"))
	h.Add(ov(2, "2"))       // node 10 missing
	h.Add(ov(3, "2", "10")) // back
	h.Add(ov(4, "2", "10", "x"))
	s := h.Series(WriteBytesPerSec)
	var ids []string
	for _, x := range s {
		ids = append(ids, fmt.Sprintf("%s:%d", x.ID, len(x.Points)))
	}
	if got := strings.Join(ids, " "); got != "2:4 10:3 x:1" {
		t.Fatalf("series ids: %s", got)
	}
	// Write rates follow the overview's order (k+1 multiplier), not the id order.
	if v := s[1].Points[0].Value; v != 1 {
		t.Errorf("node 10 at t1: write %v, want 1 (first listed)", v)
	}
	ratio := h.Series(UsedRatio)[0].Points[2].Value
	if ratio < 0.0299 || ratio > 0.0301 {
		t.Errorf("used ratio %v, want 0.03", ratio)
	}
	if c := h.Series(CapacityBytes)[0].Points[0].Value; c != float64(100<<30) {
		t.Errorf("capacity %v", c)
	}
}

func TestTimeOnlyMovesForward(t *testing.T) {
	h := NewHistory(10, 10)
	h.Add(ov(5, "1"))
	h.Add(ov(5, "1", "2")) // same time: replaces
	h.Add(ov(3, "1"))      // earlier: latest, but not charted
	if h.Len() != 1 {
		t.Fatalf("%d samples, want 1", h.Len())
	}
	if s := h.Series(UsedBytes); len(s) != 2 {
		t.Fatalf("the replacing sample was not kept: %+v", s)
	}
	if l, _ := h.Latest(); !l.At.Equal(t0.Add(3 * time.Second)) {
		t.Fatalf("latest is %v, want the last added", l.At)
	}
}

func TestNodesPerSampleAreBounded(t *testing.T) {
	h := NewHistory(2, 3)
	var ids []string
	for i := range 50 {
		ids = append(ids, fmt.Sprint(i))
	}
	h.Add(ov(1, ids...))
	if l, _ := h.Latest(); len(l.Nodes) != 50 {
		t.Fatalf("the latest overview lost nodes: %d", len(l.Nodes))
	}
	s := h.Series(UsedBytes)
	if len(s) != 3 || s[0].ID != "0" || s[2].ID != "2" {
		t.Fatalf("charted nodes: %+v", s)
	}
}

func TestNodeIDsAreSharedBetweenSamples(t *testing.T) {
	h := NewHistory(5, 10)
	for i := range 5 {
		h.Add(ov(i, "1", "2", "3"))
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := 1; i < len(h.ring); i++ {
		if &h.ring[i].ids[0] != &h.ring[0].ids[0] {
			t.Fatalf("sample %d has its own copy of the same node ids", i)
		}
	}
}

func TestUsedNeverNegative(t *testing.T) {
	n := Node{CapacityBytes: 10, AvailableBytes: 20}
	if n.UsedBytes() != 0 || n.UsedRatio() != 0 || (Node{}).UsedRatio() != 0 {
		t.Fatal("used space below zero or a ratio without capacity")
	}
	n = Node{CapacityBytes: 200, AvailableBytes: 50}
	if n.UsedBytes() != 150 || n.UsedRatio() != 0.75 {
		t.Fatalf("used %d ratio %v", n.UsedBytes(), n.UsedRatio())
	}
}

func TestCompareIDs(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{{"2", "10", -1}, {"10", "2", 1}, {"3", "3", 0}, {"9", "a", -1}, {"b", "a", 1}} {
		if got := CompareIDs(c.a, c.b); got != c.want {
			t.Errorf("CompareIDs(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestJSONIsSnakeCase(t *testing.T) {
	b, err := json.Marshal(Overview{Nodes: []Node{{ID: "1"}}, Health: []Health{{Name: "miss-peer"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"node_noun"`, `"shard_noun"`, `"capacity_bytes"`, `"available_bytes"`,
		`"write_bytes_per_sec"`, `"read_bytes_per_sec"`, `"leaders"`, `"shards"`, `"health"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s: %s", want, b)
		}
	}
}

// Writers and readers at once, for -race; the bounds hold throughout.
func TestConcurrentUse(t *testing.T) {
	h := NewHistory(20, 5)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 200 {
				h.Add(ov(w*1000+i, "1", "2", "3"))
			}
		})
	}
	for range 4 {
		wg.Go(func() {
			for range 200 {
				h.Latest()
				for _, s := range h.Series(UsedRatio) {
					if len(s.Points) > 20 {
						t.Errorf("series of %d points in a 20-sample history", len(s.Points))
						return
					}
				}
			}
		})
	}
	wg.Wait()
	if h.Len() > 20 {
		t.Fatalf("%d samples", h.Len())
	}
}

func BenchmarkAdd1000Nodes(b *testing.B) {
	var ids []string
	for i := range 1000 {
		ids = append(ids, fmt.Sprint(i))
	}
	h := NewHistory(DefaultSamples, DefaultNodes)
	o := ov(0, ids...)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		o.At = t0.Add(time.Duration(i) * time.Second)
		h.Add(o)
	}
}
