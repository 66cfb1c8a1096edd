package observe

import (
	"encoding/json"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/tikv/pd"
)

// t0 is the time of hand-built snapshots.
var t0 = time.Date(2026, 11, 24, 21, 0, 0, 0, time.UTC)

// upStore is a healthy store that heartbeated 5s before t0.
func upStore(id pd.StoreID, leaders, regions int) pd.StoreInfo {
	hb := t0.Add(-5 * time.Second)
	return pd.StoreInfo{
		Store: pd.StoreMeta{
			ID: id, Address: fmt.Sprintf("tikv-%d:20160", id), StateName: pd.StateNameUp,
			NodeState: pd.NodeServing, LastHeartbeat: hb.UnixNano(),
		},
		Status: pd.StoreStatus{
			Capacity: pd.TiB, Available: 900 * pd.GiB, UsedSize: 100 * pd.GiB,
			LeaderCount: leaders, LeaderWeight: 1, RegionCount: regions, RegionWeight: 1,
			LastHeartbeatTS: hb,
		},
	}
}

// withHeartbeat sets the store's last heartbeat (zero: never).
func withHeartbeat(s pd.StoreInfo, at time.Time) pd.StoreInfo {
	if at.IsZero() {
		s.Store.LastHeartbeat = 0
		s.Status.LastHeartbeatTS = time.Unix(0, 0).UTC()
		return s
	}
	s.Store.LastHeartbeat = at.UnixNano()
	s.Status.LastHeartbeatTS = at
	return s
}

func withState(s pd.StoreInfo, state pd.StoreState, name pd.StoreStateName) pd.StoreInfo {
	s.Store.State, s.Store.StateName = state, name
	return s
}

// runCheck runs one invariant (by name) of a config with Prometheus on.
func runCheck(t *testing.T, cfg Config, name string, d *Data, now time.Time) []subject.Violation {
	t.Helper()
	cfg, err := cfg.normalize()
	if err != nil {
		t.Fatal(err)
	}
	for _, inv := range invariants(cfg, true) {
		if inv.Name() == name {
			vs, err := inv.Check(&subject.Snapshot{Time: now, Data: d})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for _, v := range vs {
				checkViolation(t, v)
			}
			return vs
		}
	}
	t.Fatalf("no invariant %q", name)
	return nil
}

// checkViolation holds every violation to the same standard: named,
// labelled, a severity, a one-line summary, JSON-friendly evidence.
func checkViolation(t *testing.T, v subject.Violation) {
	t.Helper()
	if v.Invariant == "" || v.Labels == nil || v.Severity < subject.Info || v.Severity > subject.Critical {
		t.Errorf("incomplete violation %+v", v)
	}
	if v.Summary == "" || len(v.Summary) > 300 {
		t.Errorf("summary %q is empty or not one short line", v.Summary)
	}
	for _, r := range v.Summary {
		if r == '\n' {
			t.Errorf("summary %q has a newline", v.Summary)
		}
	}
	if len(v.Evidence) == 0 {
		t.Errorf("%s: no evidence", v.Key())
	}
	if _, err := json.Marshal(v.Evidence); err != nil {
		t.Errorf("%s: evidence is not JSON-friendly: %v", v.Key(), err)
	}
}

// keys lists the dedup keys, sorted.
func keys(vs []subject.Violation) []string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		out = append(out, v.Key())
	}
	sort.Strings(out)
	return out
}

func sameKeys(t *testing.T, what string, vs []subject.Violation, want ...string) {
	t.Helper()
	got := keys(vs)
	sort.Strings(want)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s: keys %v, want %v", what, got, want)
		for _, v := range vs {
			t.Logf("  %s: %s", v.Key(), v.Summary)
		}
	}
}
