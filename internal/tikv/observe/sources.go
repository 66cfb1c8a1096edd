package observe

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/tikv/pd"
)

// Source names. Every PD endpoint is its own source, named "pd:<what>", so
// one failing endpoint only silences the invariants that read it; a
// monitor that wants one line for PD groups the names by the part before
// the colon (SourceGroup). Prometheus is the one source "prometheus".
const (
	SourceStores        = "pd:stores"
	SourceClusterStatus = "pd:cluster-status"
	SourceHealth        = "pd:health"
	SourceLeader        = "pd:leader"
	SourceSchedule      = "pd:config-schedule"
	SourceHotWrite      = "pd:hotspot-write"
	SourceHotRead       = "pd:hotspot-read"
	SourceHotStores     = "pd:hotspot-stores"
	SourceOperators     = "pd:operators"
	SourcePrometheus    = "prometheus"
)

// SourceRegionCheck names the source of one GET /regions/check/{kind},
// e.g. "pd:regions-check/miss-peer".
func SourceRegionCheck(kind pd.RegionCheck) string { return "pd:regions-check/" + kind.String() }

// SourceGroup is the system a source belongs to: "pd" or "prometheus".
func SourceGroup(name string) string {
	for i := 0; i < len(name); i++ {
		if name[i] == ':' {
			return name[:i]
		}
	}
	return name
}

// regionCheckKinds are the region lists observed every cycle. learner-peer,
// empty-region and undersized-region are left out: they are normal states
// that no invariant reads.
var regionCheckKinds = []pd.RegionCheck{
	pd.CheckMissPeer, pd.CheckDownPeer, pd.CheckPendingPeer,
	pd.CheckExtraPeer, pd.CheckOfflinePeer, pd.CheckOversizedRegion,
}

// fetch is one source: a name, a time budget and a function that fills its
// own part of the Data (never a part another fetch writes).
type fetch struct {
	name    string
	timeout time.Duration
	run     func(ctx context.Context) error
}

// fetches lists the sources of one cycle in a stable order. Every one is a
// single request whose answer grows with the number of stores, PD members
// or running operators, or is capped by a limit: none lists all regions.
func (s *Subject) fetches(now time.Time, d *Data, checks []*pd.RegionsInfo, ops *[]pd.OperatorObject) []fetch {
	c := s.pdc
	t := s.cfg.PDTimeout
	out := []fetch{
		{SourceStores, t, func(ctx context.Context) (err error) {
			info, err := c.GetStores(ctx, pd.GetStoresOptions{})
			if err == nil {
				d.Stores, d.PDTime = info.Stores, info.ServerTime
			}
			return err
		}},
		{SourceClusterStatus, t, func(ctx context.Context) (err error) {
			d.ClusterStatus, err = c.GetClusterStatus(ctx)
			return err
		}},
		{SourceHealth, t, func(ctx context.Context) (err error) {
			d.Health, err = c.GetHealth(ctx)
			return err
		}},
		{SourceLeader, t, func(ctx context.Context) (err error) {
			d.Leader, err = c.GetLeader(ctx)
			if err != nil {
				d.LeaderErr = err.Error()
			}
			return err
		}},
		{SourceSchedule, t, func(ctx context.Context) (err error) {
			d.Schedule, err = c.GetScheduleConfig(ctx)
			return err
		}},
	}
	for i, kind := range regionCheckKinds {
		out = append(out, fetch{SourceRegionCheck(kind), t, func(ctx context.Context) (err error) {
			checks[i], err = c.GetRegionsCheck(ctx, kind, pd.Page{Page: 1, Limit: s.cfg.RegionCheckLimit})
			if err == nil && len(checks[i].Regions) > s.cfg.RegionCheckLimit {
				// A PD that ignores the limit must not blow up the evidence.
				checks[i].Regions = checks[i].Regions[:s.cfg.RegionCheckLimit]
			}
			return err
		}})
	}
	out = append(out,
		fetch{SourceHotWrite, t, func(ctx context.Context) (err error) {
			d.HotWrite, err = c.GetHotWriteRegions(ctx, pd.HotRegionsOptions{})
			return err
		}},
		fetch{SourceHotRead, t, func(ctx context.Context) (err error) {
			d.HotRead, err = c.GetHotReadRegions(ctx, pd.HotRegionsOptions{})
			return err
		}},
		fetch{SourceHotStores, t, func(ctx context.Context) (err error) {
			d.HotStores, err = c.GetHotStores(ctx)
			return err
		}},
		fetch{SourceOperators, t, func(ctx context.Context) (err error) {
			*ops, err = c.GetOperatorObjects(ctx)
			return err
		}},
	)
	if s.prom != nil {
		out = append(out, fetch{SourcePrometheus, s.cfg.PrometheusTimeout, func(ctx context.Context) (err error) {
			d.Latency, err = s.queryLatency(ctx, now)
			return err
		}})
	}
	return out
}

// runFetches runs every fetch at once, each under its own timeout, and
// reports each one's outcome in the fetches' order.
func (s *Subject) runFetches(ctx context.Context, fs []fetch) []subject.Source {
	out := make([]subject.Source, len(fs))
	var wg sync.WaitGroup
	for i, f := range fs {
		wg.Go(func() {
			fctx, cancel := context.WithTimeout(ctx, f.timeout)
			defer cancel()
			start := s.clock()
			err := runSafely(fctx, f)
			if err != nil && fctx.Err() != nil && ctx.Err() == nil {
				err = fmt.Errorf("%s: no answer within %s: %w", f.name, f.timeout, err)
			} else if err != nil {
				err = fmt.Errorf("%s: %w", f.name, err)
			}
			out[i] = subject.Source{Name: f.name, Err: err, Latency: s.clock().Sub(start)}
		})
	}
	wg.Wait()
	return out
}

// runSafely turns a panic in a fetch (a decoder bug on a garbage answer)
// into that source's failure instead of the monitor's crash.
func runSafely(ctx context.Context, f fetch) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic while reading the answer: %v", r)
		}
	}()
	return f.run(ctx)
}
