package pdsim

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// hotRegionAt injects a write hotspot on the region starting at rowKey(i-1)
// (the i-th region) and returns it as it was before any split.
func (s *testSim) hotRegionAt(i int, bytesPerSecond float64) Region {
	s.t.Helper()
	s.c.Sync()
	s.c.mu.RLock()
	r := *s.c.byKey[i]
	s.c.mu.RUnlock()
	if err := s.c.Inject(Fault{Type: "hotspot", Region: uint64(r.ID), BytesPerSecond: bytesPerSecond}); err != nil {
		s.t.Fatal(err)
	}
	return r
}

// checkCount returns the count of a /regions/check list.
func (s *testSim) checkCount(kind string) int {
	s.t.Helper()
	var out struct {
		Count int `json:"count"`
	}
	s.getJSON("/pd/api/v1/regions/check/"+kind, &out)
	return out.Count
}

func (s *testSim) regionCount() int {
	s.t.Helper()
	var out struct {
		Count int `json:"count"`
	}
	s.getJSON("/pd/api/v1/regions/count", &out)
	return out.Count
}

// invariants checks the model's consistency under the lock.
func (s *testSim) invariants() {
	s.t.Helper()
	s.c.mu.RLock()
	err := checkInvariants(s.c)
	s.c.mu.RUnlock()
	if err != nil {
		s.t.Fatal(err)
	}
}

func TestAutoSplitKeepsAWriteHotRegionBelowMaxSize(t *testing.T) {
	s := newTestSim(t, Options{Stores: 5, Regions: 100})
	// 8 MiB/s is 480 MiB per 60s region heartbeat: several pieces a round.
	orig := s.hotRegionAt(10, 8<<20)
	count := s.regionCount()
	for hb := 1; hb <= 6; hb++ {
		s.clock.Advance(s.c.opts.RegionHeartbeat)
		if n := s.checkCount("oversized-region"); n != 0 {
			t.Fatalf("heartbeat %d: %d oversized regions", hb, n)
		}
		n := s.regionCount()
		if n <= count {
			t.Fatalf("heartbeat %d: %d regions, had %d: the hot region did not split", hb, n, count)
		}
		count = n
		s.invariants()
	}

	var holes [][]string
	s.getJSON("/pd/api/v1/regions/range-holes", &holes)
	if len(holes) != 0 {
		t.Fatalf("range holes after auto splits: %v", holes)
	}

	// The original id keeps the rightmost range and the whole flow, so PD
	// keeps seeing the same region hot.
	s.c.mu.RLock()
	r := s.c.regions[orig.ID]
	if r == nil {
		s.c.mu.RUnlock()
		t.Fatalf("region %d is gone", orig.ID)
	}
	got := *r
	var pieces []Region
	for _, p := range s.c.byKey {
		if p.StartKey >= orig.StartKey && p.ID != orig.ID && (p.EndKey != "" && p.EndKey <= got.StartKey) {
			pieces = append(pieces, *p)
		}
	}
	_, stillFlowing := s.c.flows[orig.ID]
	s.c.mu.RUnlock()
	if got.EndKey != orig.EndKey || got.StartKey <= orig.StartKey {
		t.Fatalf("region %d covers [%s, %s), want a right part of [%s, %s)", orig.ID, got.StartKey, got.EndKey, orig.StartKey, orig.EndKey)
	}
	if got.writeRate != 8<<20 || !stillFlowing {
		t.Fatalf("region %d write rate %v (flowing %v), want all of %v", orig.ID, got.writeRate, stillFlowing, 8<<20)
	}
	if got.Epoch.Version <= orig.Epoch.Version {
		t.Fatalf("region %d version %d, was %d", orig.ID, got.Epoch.Version, orig.Epoch.Version)
	}
	// The new regions tile [orig.StartKey, got.StartKey) with no traffic.
	if len(pieces) == 0 || pieces[0].StartKey != orig.StartKey || pieces[len(pieces)-1].EndKey != got.StartKey {
		t.Fatalf("left pieces %d do not cover [%s, %s)", len(pieces), orig.StartKey, got.StartKey)
	}
	for i, p := range pieces {
		if i > 0 && pieces[i-1].EndKey != p.StartKey {
			t.Fatalf("piece %d ends at %s, piece %d starts at %s", pieces[i-1].ID, pieces[i-1].EndKey, p.ID, p.StartKey)
		}
		if p.ID <= orig.ID || p.writeRate != 0 || p.readRate != 0 {
			t.Fatalf("piece %+v: want a new id and no traffic", p)
		}
	}

	var hot struct {
		AsLeader map[string]struct {
			Stats []struct {
				RegionID uint64 `json:"region_id"`
			} `json:"statistics"`
		} `json:"as_leader"`
	}
	s.getJSON("/pd/api/v1/hotspot/regions/write", &hot)
	var hotIDs []uint64
	for _, st := range hot.AsLeader {
		for _, h := range st.Stats {
			hotIDs = append(hotIDs, h.RegionID)
		}
	}
	if !slices.Equal(hotIDs, []uint64{uint64(orig.ID)}) {
		t.Fatalf("hot write regions %v, want just %d", hotIDs, orig.ID)
	}
}

func TestAutoSplitCutsSplitSizePiecesOffTheLeft(t *testing.T) {
	s := newTestSim(t, Options{Stores: 5, Regions: 20})
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	r := s.c.byKey[5]
	r.writeRate = 4 << 20
	s.c.flows[r.ID] = struct{}{}
	start, end, id, ver := r.StartKey, r.EndKey, r.ID, r.Epoch.Version
	stores, leaderStore := r.storeIDs(), r.leaderStore()
	nextID := s.c.nextID
	// 400 MiB: three 96 MiB pieces would leave 112, which TiKV keeps as one
	// piece over 16 MiB, so 3 new regions and 112 MiB on the original.
	s.c.mutate(r, func(r *Region) { r.ApproxSize, r.ApproxKeys = 400, 1000000 })
	s.c.autoSplit(r)

	pos := s.c.positionOf(r)
	if pos < 3 || r.StartKey == start || r.EndKey != end || r.ID != id {
		t.Fatalf("region %d now [%s, %s) at %d", r.ID, r.StartKey, r.EndKey, pos)
	}
	left := s.c.byKey[pos-3 : pos]
	if left[0].StartKey != start {
		t.Fatalf("first piece starts at %s, want %s", left[0].StartKey, start)
	}
	for i, p := range left {
		if p.ApproxSize != 96 || p.ApproxKeys != 240000 {
			t.Errorf("piece %d: %d MiB %d keys, want 96 MiB 240000 keys", i, p.ApproxSize, p.ApproxKeys)
		}
		next := r
		if i+1 < len(left) {
			next = left[i+1]
		}
		if p.EndKey != next.StartKey {
			t.Errorf("piece %d ends at %s, next starts at %s", i, p.EndKey, next.StartKey)
		}
		if uint64(p.ID) <= nextID || p.Epoch.Version != ver+3 || p.writeRate != 0 {
			t.Errorf("piece %d: id %d (allocator was at %d), version %d (want %d), write %v", i, p.ID, nextID, p.Epoch.Version, ver+3, p.writeRate)
		}
		if !slices.Equal(p.storeIDs(), stores) || p.leaderStore() != leaderStore {
			t.Errorf("piece %d on stores %v led from %d, want %v led from %d", i, p.storeIDs(), p.leaderStore(), stores, leaderStore)
		}
		if _, flowing := s.c.flows[p.ID]; flowing {
			t.Errorf("piece %d carries traffic", i)
		}
	}
	if r.ApproxSize != 112 || r.ApproxKeys != 280000 || r.Epoch.Version != ver+3 || r.writeRate != 4<<20 {
		t.Errorf("original: %d MiB %d keys version %d write %v; want 112 MiB 280000 keys version %d all the write",
			r.ApproxSize, r.ApproxKeys, r.Epoch.Version, r.writeRate, ver+3)
	}
	if err := checkInvariants(s.c); err != nil {
		t.Fatal(err)
	}
}

func TestAutoSplitByKeys(t *testing.T) {
	s := newTestSim(t, Options{Stores: 3, Regions: 10})
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	r := s.c.byKey[9] // the last region: its range runs to the end of the key space
	s.c.mutate(r, func(r *Region) { r.ApproxSize, r.ApproxKeys = 90, 3000000 })
	s.c.autoSplit(r)
	// 3M keys: two pieces of 960k leave 1.08M (three would leave 120k).
	pos := s.c.positionOf(r)
	for _, p := range s.c.byKey[pos-2 : pos] {
		if p.ApproxKeys != 960000 || p.ApproxSize != 28 {
			t.Errorf("piece %d: %d keys %d MiB, want 960000 keys 28 MiB", p.ID, p.ApproxKeys, p.ApproxSize)
		}
	}
	if r.ApproxKeys != 1080000 || r.ApproxSize != 34 || r.EndKey != "" {
		t.Errorf("original: %d keys %d MiB end %q", r.ApproxKeys, r.ApproxSize, r.EndKey)
	}
	if len(s.c.byKey) != 12 || r.flags&flagOversized != 0 {
		t.Errorf("%d regions, original flags %b", len(s.c.byKey), r.flags)
	}
	if err := checkInvariants(s.c); err != nil {
		t.Fatal(err)
	}
}

func TestAutoSplitNeedsALiveLeader(t *testing.T) {
	s := newTestSim(t, Options{Stores: 5, Regions: 100})
	pauseRule(s) // keep PD from re-homing the region's peers meanwhile
	orig := s.hotRegionAt(10, 8<<20)
	follower := orig.Peers[0].StoreID
	if follower == orig.leaderStore() {
		follower = orig.Peers[1].StoreID
	}
	// Two of its three stores, the leader's among them: no quorum, so the
	// leader stays on the dead store and nothing runs the split check.
	s.kill(orig.leaderStore(), follower)
	count := s.regionCount()
	s.clock.Advance(5 * s.c.opts.RegionHeartbeat)
	if n := s.regionCount(); n != count {
		t.Fatalf("%d regions, had %d: a region without a leader split", n, count)
	}
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	r := s.c.regions[orig.ID]
	if !s.c.leaderDead(r) || r.StartKey != orig.StartKey || r.EndKey != orig.EndKey {
		t.Fatalf("region %d: leader dead %v, [%s, %s)", r.ID, s.c.leaderDead(r), r.StartKey, r.EndKey)
	}
	// Even over the limit it stays whole, and PD lists it oversized.
	s.c.mutate(r, func(r *Region) { r.ApproxSize = 500 })
	s.c.autoSplit(r)
	if len(s.c.byKey) != count || r.StartKey != orig.StartKey || r.flags&flagOversized == 0 {
		t.Fatalf("dead-led region split: %d regions, starts at %s, flags %b", len(s.c.byKey), r.StartKey, r.flags)
	}
}

func TestNoSplitLetsHotRegionsGrow(t *testing.T) {
	s := newTestSim(t, Options{Stores: 5, Regions: 100, NoSplit: true})
	orig := s.hotRegionAt(10, 8<<20)
	count := s.regionCount()
	s.clock.Advance(2*s.c.opts.RegionHeartbeat + time.Second)
	if n := s.regionCount(); n != count {
		t.Fatalf("%d regions with NoSplit, had %d", n, count)
	}
	if n := s.checkCount("oversized-region"); n != 1 {
		t.Fatalf("%d oversized regions, want the hot one", n)
	}
	s.c.mu.RLock()
	size := s.c.regions[orig.ID].ApproxSize
	s.c.mu.RUnlock()
	if size != 96+2*480 {
		t.Fatalf("hot region %d MiB, want %d", size, 96+2*480)
	}
}

func TestSplitCount(t *testing.T) {
	for _, c := range []struct{ total, want int64 }{
		{143, 0}, {144, 1}, {191, 1}, {192, 1}, {200, 1}, {240, 2}, {400, 3}, {1000, 9},
	} {
		n := splitCount(c.total, regionMaxSizeMiB, regionSplitMiB)
		if n != c.want {
			t.Errorf("splitCount(%d) = %d, want %d", c.total, n, c.want)
		}
		if rest := c.total - n*regionSplitMiB; n > 0 && (rest >= regionMaxSizeMiB || rest < regionMaxSizeMiB-regionSplitMiB) {
			t.Errorf("splitCount(%d) leaves %d MiB", c.total, rest)
		}
	}
}

func TestSpacedKeys(t *testing.T) {
	for _, c := range []struct {
		name, start, end string
		n                int
	}{
		{"whole key space", "", "", 3},
		{"to the end", rowKey(7), "", 5},
		{"from the start", "", rowKey(0), 2},
		{"adjacent rows", rowKey(3), rowKey(4), 4},
		{"one byte apart", "AB", "AC", 9},
		{"a key and a near successor", "AB", "AB01", 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			keys := spacedKeys(c.start, c.end, c.n, 96, int64(96*c.n+50))
			if len(keys) != c.n {
				t.Fatalf("%d keys, want %d: %v", len(keys), c.n, keys)
			}
			prev := c.start
			for _, k := range keys {
				if k <= prev || (c.end != "" && k >= c.end) {
					t.Fatalf("key %s out of order in (%s, %s): %v", k, c.start, c.end, keys)
				}
				prev = k
			}
		})
	}
	// Nothing sorts between a key and the key with a zero byte appended.
	if keys := spacedKeys("AB", "AB00", 1, 96, 150); keys != nil {
		t.Fatalf("keys %v inside an empty range", keys)
	}
	if keys := spacedKeys("AB", "zz", 1, 96, 150); keys != nil {
		t.Fatalf("keys %v from a bad bound", keys)
	}
}

// PD cancels an operator as stale only when the region's conf version moved
// past the operator's own changes; a split bumps the version alone, so a
// peer move on a hot region survives the splits its writes cause.
func TestAutoSplitLeavesAPeerMoveRunning(t *testing.T) {
	s := newTestSim(t, Options{Stores: 5, Regions: 100})
	orig := s.hotRegionAt(10, 8<<20)
	var to StoreID
	for id := StoreID(1); id <= 5; id++ {
		if orig.peerOnStore(id) == nil {
			to = id
			break
		}
	}
	// A slow target and the move starting just before the first region
	// heartbeat: the split lands while the learner's snapshot is on its way.
	if err := s.c.Inject(Fault{Type: "slow-store", Store: uint64(to), Latency: "20s"}); err != nil {
		t.Fatal(err)
	}
	s.advance(s.c.opts.RegionHeartbeat - 2*time.Second)
	s.post(fmt.Sprintf(`{"name":"transfer-peer","region_id":%d,"from_store_id":%d,"to_store_id":%d}`,
		orig.ID, orig.leaderStore(), to))
	s.advance(5 * time.Second)
	s.c.mu.RLock()
	split := s.c.regions[orig.ID].Epoch.Version > orig.Epoch.Version
	s.c.mu.RUnlock()
	if !split {
		t.Fatal("the hot region did not split under the operator")
	}
	s.finish(orig.ID)
	var status string
	s.getJSON(fmt.Sprintf("/pd/api/v1/operators/%d", orig.ID), &status)
	if !strings.HasPrefix(status, "status: SUCCESS, operator: admin-move-peer") {
		t.Fatalf("operator after the split: %q", status)
	}
	s.c.mu.RLock()
	defer s.c.mu.RUnlock()
	if r := s.c.regions[orig.ID]; r.peerOnStore(to) == nil || r.peerOnStore(orig.leaderStore()) != nil {
		t.Fatalf("region %d on stores %v, want the peer moved from %d to %d", r.ID, r.storeIDs(), orig.leaderStore(), to)
	}
}
