package observe

import (
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/tikv/pd"
)

func TestOfflineMemory(t *testing.T) {
	m := newMemory()
	offline := func(count int) []pd.StoreInfo {
		return []pd.StoreInfo{upStore(1, 10, 100), withState(upStore(5, 0, count), pd.StoreOffline, pd.StateNameOffline)}
	}
	steps := []struct {
		at     time.Duration
		stores []pd.StoreInfo
		want   *OfflineProgress // nil: no entry for store 5
	}{
		{0, offline(100), &OfflineProgress{100, t0}},
		{10 * time.Minute, offline(100), &OfflineProgress{100, t0}},                     // no progress: clock keeps running
		{20 * time.Minute, offline(90), &OfflineProgress{90, t0.Add(20 * time.Minute)}}, // progress resets it
		{25 * time.Minute, offline(95), &OfflineProgress{90, t0.Add(20 * time.Minute)}}, // going up is not progress
		{26 * time.Minute, []pd.StoreInfo{upStore(5, 0, 95)}, nil},                      // Up again: forgotten
		{27 * time.Minute, offline(95), &OfflineProgress{95, t0.Add(27 * time.Minute)}}, // Offline again: starts over
		{28 * time.Minute, []pd.StoreInfo{upStore(1, 10, 100)}, nil},                    // gone from the list
	}
	for i, s := range steps {
		got := m.observeStores(s.stores, t0.Add(s.at))
		p, ok := got[5]
		switch {
		case s.want == nil && ok:
			t.Errorf("step %d: store 5 still remembered: %+v", i, p)
		case s.want != nil && (!ok || p != *s.want):
			t.Errorf("step %d: %+v (known %v), want %+v", i, p, ok, *s.want)
		}
		if len(m.offline) > 1 {
			t.Errorf("step %d: memory holds %d stores", i, len(m.offline))
		}
	}
}

func TestOperatorMemory(t *testing.T) {
	op := func(region pd.RegionID, desc, brief string, confVer uint64) pd.OperatorObject {
		return pd.OperatorObject{RegionID: region, Desc: desc, Brief: brief, RegionEpoch: pd.RegionEpoch{ConfVer: confVer, Version: 1}, Timeout: pd.Duration(time.Minute)}
	}
	m := newMemory()
	firstSeen := func(ops []TrackedOperator) map[pd.RegionID]time.Time {
		out := map[pd.RegionID]time.Time{}
		for _, o := range ops {
			out[o.RegionID] = o.FirstSeen
		}
		return out
	}
	at := func(d time.Duration) time.Time { return t0.Add(d) }

	got, untracked := m.observeOperators([]pd.OperatorObject{op(2, "a", "x", 1), op(1, "a", "x", 1)}, at(0), 3)
	if untracked != 0 || len(got) != 2 || got[0].RegionID != 1 {
		t.Fatalf("first: %+v untracked %d", got, untracked)
	}
	// Same operators later: first-seen kept.
	got, _ = m.observeOperators([]pd.OperatorObject{op(1, "a", "x", 1), op(2, "a", "x", 1)}, at(time.Minute), 3)
	if fs := firstSeen(got); fs[1] != at(0) || fs[2] != at(0) {
		t.Errorf("first-seen moved: %v", fs)
	}
	// Region 2 got another operator with the same desc (new epoch): starts over.
	// Region 1's ended; region 3 and 4 are new, and only one fits.
	got, untracked = m.observeOperators([]pd.OperatorObject{op(2, "a", "x", 2), op(3, "b", "y", 1), op(4, "b", "y", 1)}, at(2*time.Minute), 2)
	fs := firstSeen(got)
	if fs[2] != at(2*time.Minute) || fs[3] != at(2*time.Minute) || len(got) != 2 || untracked != 1 {
		t.Errorf("after churn: %v, untracked %d", fs, untracked)
	}
	if _, ok := m.ops[opKey{1, "a"}]; ok || len(m.ops) != 2 {
		t.Errorf("memory after churn: %v", m.ops)
	}
	// A changed brief is another operator too.
	got, _ = m.observeOperators([]pd.OperatorObject{op(2, "a", "z", 2), op(3, "b", "y", 1)}, at(3*time.Minute), 2)
	if fs := firstSeen(got); fs[2] != at(3*time.Minute) || fs[3] != at(2*time.Minute) {
		t.Errorf("after brief change: %v", fs)
	}
	// Nothing running: everything forgotten.
	m.observeOperators(nil, at(4*time.Minute), 2)
	if len(m.ops) != 0 {
		t.Errorf("memory not emptied: %v", m.ops)
	}
}
