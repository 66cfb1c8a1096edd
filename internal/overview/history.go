package overview

import (
	"cmp"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Defaults for NewHistory.
const (
	// DefaultSamples is an hour of history at a 10s monitor interval.
	DefaultSamples = 360
	// DefaultNodes is the most nodes a sample keeps; a larger cluster's
	// overview is still served whole, only its charts leave nodes out.
	DefaultNodes = 1000
)

// Metric is one per-node value History keeps over time.
type Metric int

// Metrics.
const (
	UsedBytes Metric = iota
	CapacityBytes
	// UsedRatio is used over capacity, 0..1 (0 when capacity is 0).
	UsedRatio
	WriteBytesPerSec
)

// History is a bounded window of overviews: the latest one whole, and
// for the charts, per sample, only each node's used and total space and
// write rate. It holds at most maxSamples samples of at most maxNodes
// nodes each, in float32 (a chart needs no more precision), so its memory
// is bounded whatever the cluster does: 360 samples of 1000 nodes are
// about 4 MiB. Safe for concurrent use.
type History struct {
	maxSamples, maxNodes int

	mu     sync.Mutex
	latest Overview
	has    bool
	ring   []sample // oldest at start once full, see next
	next   int      // where the next sample goes once the ring is full
}

// sample is one overview as the charts need it. ids is shared with the
// previous sample when the node set did not change, which is nearly
// always, so node ids cost memory once, not once per sample.
type sample struct {
	at                    time.Time
	ids                   []string
	used, capacity, write []float32
}

// NewHistory keeps at most maxSamples overviews of at most maxNodes
// nodes each (a value below 1 takes the default).
func NewHistory(maxSamples, maxNodes int) *History {
	if maxSamples < 1 {
		maxSamples = DefaultSamples
	}
	if maxNodes < 1 {
		maxNodes = DefaultNodes
	}
	return &History{maxSamples: maxSamples, maxNodes: maxNodes, ring: make([]sample, 0, min(maxSamples, 64))}
}

// Add records an observation. It becomes Latest; for the charts, a
// sample at the same time as the last one replaces it, and one from
// before it (a clock stepped back) is left out, so series only move
// forward in time.
func (h *History) Add(o Overview) {
	o = o.Clone()
	h.mu.Lock()
	defer h.mu.Unlock()
	h.latest, h.has = o, true
	last, ok := h.lastLocked()
	if ok && o.At.Before(last.at) {
		return
	}
	s := h.sampleOf(o, last.ids)
	switch {
	case ok && o.At.Equal(last.at):
		h.ring[h.lastIndex()] = s
	case len(h.ring) < h.maxSamples:
		h.ring = append(h.ring, s)
	default:
		h.ring[h.next] = s
		h.next = (h.next + 1) % h.maxSamples
	}
}

// sampleOf keeps what the charts need of o: its first maxNodes nodes by
// id, reusing prev as the id list when it is the same.
func (h *History) sampleOf(o Overview, prev []string) sample {
	nodes := slices.Clone(o.Nodes)
	slices.SortFunc(nodes, func(a, b Node) int { return CompareIDs(a.ID, b.ID) })
	nodes = slices.CompactFunc(nodes, func(a, b Node) bool { return a.ID == b.ID })
	if len(nodes) > h.maxNodes {
		nodes = nodes[:h.maxNodes]
	}
	s := sample{at: o.At, used: make([]float32, len(nodes)), capacity: make([]float32, len(nodes)), write: make([]float32, len(nodes))}
	same := len(prev) == len(nodes)
	for i, n := range nodes {
		if same && prev[i] != n.ID {
			same = false
		}
		s.used[i], s.capacity[i], s.write[i] = float32(n.UsedBytes()), float32(n.CapacityBytes), float32(n.WriteBytesPerSec)
	}
	if same {
		s.ids = prev
	} else {
		s.ids = make([]string, len(nodes))
		for i, n := range nodes {
			s.ids[i] = n.ID
		}
	}
	return s
}

func (h *History) lastIndex() int {
	if len(h.ring) < h.maxSamples {
		return len(h.ring) - 1
	}
	return (h.next + h.maxSamples - 1) % h.maxSamples
}

func (h *History) lastLocked() (sample, bool) {
	if len(h.ring) == 0 {
		return sample{}, false
	}
	return h.ring[h.lastIndex()], true
}

// Latest returns the newest overview; false before the first Add. A nil
// History (nothing gathers overviews) has none; so do Len and Series.
func (h *History) Latest() (Overview, bool) {
	if h == nil {
		return Overview{}, false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.latest.Clone(), h.has
}

// Len is how many samples the charts can draw from.
func (h *History) Len() int {
	if h == nil {
		return 0
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.ring)
}

// Point is one value of a series.
type Point struct {
	At    time.Time
	Value float64
}

// Series is one node's values over time, oldest first. A node missing
// from some samples has no points there, so a chart can show the gap.
type Series struct {
	ID     string
	Points []Point
}

// Series returns one series per node seen in the window, ordered by node
// id (numerically when ids are numbers).
func (h *History) Series(m Metric) []Series {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	byID := map[string]int{}
	var out []Series
	for i := range len(h.ring) {
		s := h.ring[(h.start()+i)%len(h.ring)]
		for j, id := range s.ids {
			k, ok := byID[id]
			if !ok {
				k = len(out)
				byID[id] = k
				out = append(out, Series{ID: id})
			}
			out[k].Points = append(out[k].Points, Point{At: s.at, Value: s.value(m, j)})
		}
	}
	slices.SortFunc(out, func(a, b Series) int { return CompareIDs(a.ID, b.ID) })
	return out
}

// start is the ring index of the oldest sample.
func (h *History) start() int {
	if len(h.ring) < h.maxSamples {
		return 0
	}
	return h.next
}

func (s sample) value(m Metric, i int) float64 {
	switch m {
	case UsedBytes:
		return float64(s.used[i])
	case CapacityBytes:
		return float64(s.capacity[i])
	case UsedRatio:
		if s.capacity[i] == 0 {
			return 0
		}
		return float64(s.used[i]) / float64(s.capacity[i])
	case WriteBytesPerSec:
		return float64(s.write[i])
	}
	return 0
}

// CompareIDs orders node ids numerically when both are numbers ("2"
// before "10"), else as text, numbers first.
func CompareIDs(a, b string) int {
	na, errA := strconv.ParseUint(a, 10, 64)
	nb, errB := strconv.ParseUint(b, 10, 64)
	switch {
	case errA == nil && errB == nil:
		return cmp.Compare(na, nb)
	case errA == nil:
		return -1
	case errB == nil:
		return 1
	}
	return cmp.Compare(a, b)
}
