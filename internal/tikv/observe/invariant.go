package observe

import (
	"fmt"
	"math"
	"time"

	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/tikv/pd"
)

// Invariant names, stable: they are part of every dedup key.
const (
	InvStoreDown         = "store-down"
	InvStoreOfflineStuck = "store-offline-stuck"
	InvStoreLowSpace     = "store-low-space"
	InvRegionMissPeer    = "region-miss-peer"
	InvRegionDownPeer    = "region-down-peer"
	InvRegionPendingPeer = "region-pending-peer"
	InvRegionExtraPeer   = "region-extra-peer"
	InvLeaderImbalance   = "leader-imbalance"
	InvRegionImbalance   = "region-imbalance"
	InvHotWriteRegion    = "hot-write-region"
	InvHotReadRegion     = "hot-read-region"
	InvHotWriteStore     = "hot-write-store"
	InvHotReadStore      = "hot-read-store"
	InvOperatorStuck     = "operator-stuck"
	InvRegionOversized   = "region-oversized"
	InvStoreHighLatency  = "store-high-latency"
	InvPDUnhealthy       = "pd-unhealthy"
	InvPDNoLeader        = "pd-no-leader"
)

// invariant is one check: a pure function of the snapshot's Data and time.
type invariant struct {
	name  string
	needs []string
	check func(d *Data, now time.Time) []subject.Violation
	// hold is the invariant's own hold-down (subject.HoldDowner).
	hold time.Duration
}

func (i *invariant) Name() string            { return i.name }
func (i *invariant) HoldDown() time.Duration { return i.hold }
func (i *invariant) Needs() []string         { return append([]string(nil), i.needs...) }

// Check runs the check on a snapshot taken by this adapter.
func (i *invariant) Check(s *subject.Snapshot) ([]subject.Violation, error) {
	if s == nil {
		return nil, fmt.Errorf("%s: no snapshot", i.name)
	}
	d, ok := s.Data.(*Data)
	if !ok || d == nil {
		return nil, fmt.Errorf("%s: snapshot data is %T, not *observe.Data", i.name, s.Data)
	}
	vs := i.check(d, s.Time)
	for k := range vs {
		vs[k].Invariant = i.name
		if vs[k].Labels == nil {
			vs[k].Labels = map[string]string{}
		}
	}
	return vs, nil
}

// invariants lists the checks in their stable order. store-high-latency is
// present only when Prometheus is configured: without it the check could
// not hold or fail, only pretend.
func invariants(cfg Config, withPrometheus bool) []subject.Invariant {
	regions := func(name string, kind pd.RegionCheck) subject.Invariant {
		needs := []string{SourceRegionCheck(kind)}
		spec := regionChecks[kind]
		if spec.inFlight {
			needs = append(needs, SourceOperators)
		}
		if kind == pd.CheckDownPeer {
			needs = append(needs, SourceStores)
		}
		inv := &invariant{name: name, needs: needs, check: cfg.regionCheck(kind)}
		switch kind {
		case pd.CheckPendingPeer:
			inv.hold = cfg.PendingPeerHoldDown
		case pd.CheckExtraPeer:
			inv.hold = cfg.ExtraPeerHoldDown
		}
		return inv
	}
	out := []subject.Invariant{
		&invariant{name: InvStoreDown, needs: []string{SourceStores}, check: cfg.storeDown},
		&invariant{name: InvStoreOfflineStuck, needs: []string{SourceStores}, check: cfg.storeOfflineStuck},
		&invariant{name: InvStoreLowSpace, needs: []string{SourceStores, SourceSchedule}, check: cfg.storeLowSpace},
		regions(InvRegionMissPeer, pd.CheckMissPeer),
		regions(InvRegionDownPeer, pd.CheckDownPeer),
		regions(InvRegionPendingPeer, pd.CheckPendingPeer),
		regions(InvRegionExtraPeer, pd.CheckExtraPeer),
		&invariant{name: InvLeaderImbalance, needs: []string{SourceStores, SourceSchedule}, check: cfg.leaderImbalance},
		&invariant{name: InvRegionImbalance, needs: []string{SourceStores}, check: cfg.regionImbalance},
		&invariant{name: InvHotWriteRegion, needs: []string{SourceHotWrite}, check: cfg.hotRegions(false)},
		&invariant{name: InvHotReadRegion, needs: []string{SourceHotRead}, check: cfg.hotRegions(true)},
		&invariant{name: InvHotWriteStore, needs: []string{SourceHotStores}, check: cfg.hotStores(false)},
		&invariant{name: InvHotReadStore, needs: []string{SourceHotStores}, check: cfg.hotStores(true)},
		&invariant{name: InvOperatorStuck, needs: []string{SourceOperators}, check: cfg.operatorStuck},
		regions(InvRegionOversized, pd.CheckOversizedRegion),
	}
	if withPrometheus {
		out = append(out, &invariant{name: InvStoreHighLatency, needs: []string{SourcePrometheus}, check: cfg.storeHighLatency})
	}
	return append(out,
		&invariant{name: InvPDUnhealthy, needs: []string{SourceHealth}, check: cfg.pdUnhealthy},
		&invariant{name: InvPDNoLeader, needs: []string{SourceHealth}, check: cfg.pdNoLeader},
	)
}

// Formatting for summaries and evidence.

// human rounds a duration for a summary: whole seconds, or minutes past an hour.
func human(d time.Duration) string {
	if d >= time.Hour {
		return d.Round(time.Minute).String()
	}
	return d.Round(time.Second).String()
}

// rate formats bytes per second: "32MiB/s".
func rate(bytesPerSec float64) string {
	if bytesPerSec < 0 || math.IsNaN(bytesPerSec) {
		bytesPerSec = 0
	}
	return pd.ByteSize(bytesPerSec).String() + "/s"
}

// pct formats a share as a percentage with one decimal: "85.2%".
func pct(share float64) string { return fmt.Sprintf("%.1f%%", share*100) }

// round3 keeps evidence numbers readable and JSON-friendly.
func round3(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	if math.Abs(v) >= 1<<53 {
		return v // no fraction left to round, and v*1000 could overflow to Inf
	}
	return math.Round(v*1000) / 1000
}

func timeString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
