package observe

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/ticket"
	"github.com/operator-dev/operator/internal/tikv/pd"
)

// Bounds of one gathered context. A context goes to a model and into
// storage, so it is small whatever the cluster's size: lists are capped
// here and gather_budget.go trims further if the whole still exceeds
// maxContextBytes of JSON.
const (
	maxContextBytes = 48 << 10
	// maxListedStores: up to this many stores every one is listed; past
	// it, a selection (see selectStores) and the totals.
	maxListedStores = 64
	// maxSampledRegions is how many of a region-list ticket's sampled
	// regions are read in full.
	maxSampledRegions = 3
	// storeRegionsCheckLimit is the page of PD's down-peer and
	// pending-peer lists read for a store's quorum analysis. One region is
	// about 400 bytes on the wire, so a page is at most ~400 KiB; the
	// evidence keeps only counts and a sample.
	storeRegionsCheckLimit = 1024
	maxAtRiskSample        = 16
	maxRelatedOperators    = 20
	maxHotStores           = 16
	maxHotStoreRegions     = 10
	maxHistory             = 20
	maxSeries              = 8
	seriesWindow           = 30 * time.Minute
	seriesStep             = time.Minute
	// maxTextBytes caps one string of outside text (alert annotations in
	// ticket evidence, operator steps); maxLabelBytes one store label value.
	maxTextBytes  = 1024
	maxLabelBytes = 256
)

// Gather collects what an SRE would look at for one ticket: the ticket,
// the stores, PD's scheduling config, and, depending on the invariant,
// the region and its neighbours, the running operators, what taking a
// store out would mean, the hotspot view, Prometheus series, and the
// ticket's history. Evidence ids ("e1", "e2"...) follow a fixed order, so
// the same ticket on the same cluster state gets the same ids.
//
// Only the store list is required: without it nothing can be judged, and
// Gather fails. Every other piece that fails to read is an evidence item
// of kind "unavailable" in its place, so a diagnosis can see (and cite)
// what is missing.
func (s *Subject) Gather(ctx context.Context, t ticket.Ticket, history []ticket.Ticket, now time.Time) (*subject.Context, error) {
	what := "gather context for ticket " + t.DedupKey
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	g := s.plan(t, now)
	g.run(ctx, s, g.fetches(s))
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if g.stores == nil {
		err := g.errs[SourceStores]
		if err == nil {
			err = errors.New("no answer")
		}
		return nil, fmt.Errorf("%s: read stores: %w", what, err)
	}
	// The hottest region a hot store leads is known only now.
	if g.hotRegionOfStore() {
		g.run(ctx, s, []fetch{g.regionFetch(s, g.hotStoreRegion)})
	}
	out := g.build(history)
	out.Truncated = enforceBudget(out) || out.Truncated
	return out, nil
}

// gathering is one Gather: the plan (what to read for this ticket) and
// what each read returned. Each fetch writes only its own fields.
type gathering struct {
	t     ticket.Ticket
	now   time.Time
	tikv  bool // the ticket is this adapter's (not an alert's)
	cfg   Config
	track func(pd.OperatorObject) (time.Time, bool)

	focusStore   pd.StoreID    // the ticket's store label
	focusRegion  pd.RegionID   // the ticket's region label
	sampled      []pd.RegionID // a region-list ticket's sampled regions
	hotDir       string        // "write" or "read" for hot tickets
	hotOfStore   bool          // a hot-*-store ticket
	storeRegions bool          // store-down, -offline-stuck, -low-space
	opDetail     bool          // operator-stuck
	series       []seriesPlan

	// errs holds each failed read by source name, filled after a round.
	errs      map[string]error
	stores    *pd.StoresInfo
	schedule  *pd.ScheduleConfig
	replicate *pd.ReplicationConfig
	scheds    []string
	paused    []pd.PausedScheduler
	disabled  []string
	checkers  []*pd.CheckerStatus // by checkersRead
	ops       []pd.OperatorObject
	regions   map[pd.RegionID]*regionSlot
	siblings  *pd.RegionsInfo
	operator  *pd.OperatorDetail
	hot       *pd.StoreHotPeersInfos
	hotStores *pd.HotStoreStats
	downList  *pd.RegionsInfo
	pendList  *pd.RegionsInfo
	seriesOut []*SeriesEvidence

	hotStoreRegion pd.RegionID // filled after the first round
	ticketClipped  bool        // outside text in the ticket was cut
}

// checkersRead are the checkers whose pause state is evidence: the rule
// checker (placement rules, on by default) and the replica checker make up
// and remove replicas.
var checkersRead = []string{pd.CheckerRule, pd.CheckerReplica}

// plan decides what to read for the ticket.
func (s *Subject) plan(t ticket.Ticket, now time.Time) *gathering {
	g := &gathering{
		t: t, now: now, tikv: t.Subject == Name || t.Subject == "", cfg: s.cfg,
		errs:    map[string]error{},
		regions: map[pd.RegionID]*regionSlot{},
		track:   s.trackedSince,
	}
	if !g.tikv {
		// An alert's labels are outside text: they choose nothing here.
		return g
	}
	if id, ok := parseID(t.Labels["store"]); ok {
		g.focusStore = pd.StoreID(id)
	}
	if id, ok := parseID(t.Labels["region"]); ok {
		g.focusRegion = pd.RegionID(id)
	}
	switch t.Invariant {
	case InvRegionMissPeer, InvRegionDownPeer, InvRegionPendingPeer, InvRegionExtraPeer, InvRegionOversized:
		g.sampled = sampledRegions(t)
	case InvHotWriteRegion, InvHotWriteStore:
		g.hotDir = "write"
	case InvHotReadRegion, InvHotReadStore:
		g.hotDir = "read"
	case InvStoreDown, InvStoreOfflineStuck, InvStoreLowSpace:
		g.storeRegions = g.focusStore != 0
	case InvOperatorStuck:
		g.opDetail = g.focusRegion != 0
	}
	g.hotOfStore = g.hotDir != "" && g.focusStore != 0 && g.focusRegion == 0
	if s.prom != nil {
		g.series = s.seriesPlans(g)
	}
	return g
}

// sampledRegions are the regions of a region-list ticket worth reading in
// full: the largest first for oversized regions (the one to split), else
// PD's order (by id), at most maxSampledRegions.
func sampledRegions(t ticket.Ticket) []pd.RegionID {
	ids := evidenceIDs(t.Evidence["sample_region_ids"])
	if t.Invariant == InvRegionOversized {
		sizes, _ := t.Evidence["sample_sizes_mib"].(map[string]any)
		typed, _ := t.Evidence["sample_sizes_mib"].(map[string]int64)
		size := func(id uint64) float64 {
			k := strconv.FormatUint(id, 10)
			if v, ok := typed[k]; ok {
				return float64(v)
			}
			f, _ := evidenceNumber(sizes[k])
			return f
		}
		sort.SliceStable(ids, func(i, j int) bool { return size(ids[i]) > size(ids[j]) })
	}
	out := make([]pd.RegionID, 0, maxSampledRegions)
	for _, id := range ids {
		if len(out) == maxSampledRegions {
			break
		}
		out = append(out, pd.RegionID(id))
	}
	return out
}

// trackedSince is when this Subject first saw a running operator, if its
// memory has it.
func (s *Subject) trackedSince(op pd.OperatorObject) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen, ok := s.mem.ops[opKey{op.RegionID, op.Desc}]
	if !ok || seen.brief != op.Brief || seen.epoch != op.RegionEpoch {
		return time.Time{}, false
	}
	return seen.firstSeen, true
}

// fetches lists the reads, in a stable order; runFetches runs them at
// once. Each writes only its own field or slot.
func (g *gathering) fetches(s *Subject) []fetch {
	c, t := s.pdc, s.cfg.PDTimeout
	f := func(name string, run func(ctx context.Context) error) fetch { return fetch{name, t, run} }
	out := []fetch{
		f(SourceStores, func(ctx context.Context) (err error) {
			g.stores, err = c.GetStores(ctx, pd.GetStoresOptions{})
			return err
		}),
		f(SourceSchedule, func(ctx context.Context) (err error) {
			g.schedule, err = c.GetScheduleConfig(ctx)
			return err
		}),
		f(sourceReplicate, func(ctx context.Context) (err error) {
			g.replicate, err = c.GetReplicationConfig(ctx)
			return err
		}),
		f(sourceSchedulers, func(ctx context.Context) (err error) {
			g.scheds, err = c.GetSchedulers(ctx, pd.SchedulersAll)
			return err
		}),
		f(sourceSchedulers+"-paused", func(ctx context.Context) (err error) {
			g.paused, err = c.GetPausedSchedulers(ctx)
			return err
		}),
		f(sourceSchedulers+"-disabled", func(ctx context.Context) (err error) {
			g.disabled, err = c.GetSchedulers(ctx, pd.SchedulersDisabled)
			return err
		}),
		f(SourceOperators, func(ctx context.Context) (err error) {
			g.ops, err = c.GetOperatorObjects(ctx)
			return err
		}),
	}
	g.checkers = make([]*pd.CheckerStatus, len(checkersRead))
	for i, name := range checkersRead {
		out = append(out, f("pd:checker/"+name, func(ctx context.Context) (err error) {
			g.checkers[i], err = c.GetChecker(ctx, name)
			return err
		}))
	}
	if g.focusRegion != 0 {
		out = append(out, g.regionFetch(s, g.focusRegion),
			f(sourceSiblings, func(ctx context.Context) (err error) {
				g.siblings, err = c.GetRegionSiblings(ctx, g.focusRegion)
				return err
			}))
	}
	for _, id := range g.sampled {
		out = append(out, g.regionFetch(s, id))
	}
	if g.opDetail {
		out = append(out, f(sourceOperator, func(ctx context.Context) (err error) {
			g.operator, err = c.GetOperator(ctx, g.focusRegion)
			return err
		}))
	}
	if g.hotDir != "" {
		out = append(out,
			f(g.hotSource(), func(ctx context.Context) (err error) {
				if g.hotDir == "read" {
					g.hot, err = c.GetHotReadRegions(ctx, pd.HotRegionsOptions{})
				} else {
					g.hot, err = c.GetHotWriteRegions(ctx, pd.HotRegionsOptions{})
				}
				return err
			}),
			f(SourceHotStores, func(ctx context.Context) (err error) {
				g.hotStores, err = c.GetHotStores(ctx)
				return err
			}))
	}
	if g.storeRegions {
		page := pd.Page{Page: 1, Limit: storeRegionsCheckLimit}
		out = append(out,
			f(SourceRegionCheck(pd.CheckDownPeer), func(ctx context.Context) (err error) {
				g.downList, err = c.GetRegionsCheck(ctx, pd.CheckDownPeer, page)
				return err
			}),
			f(SourceRegionCheck(pd.CheckPendingPeer), func(ctx context.Context) (err error) {
				g.pendList, err = c.GetRegionsCheck(ctx, pd.CheckPendingPeer, page)
				return err
			}))
	}
	g.seriesOut = make([]*SeriesEvidence, len(g.series))
	for i, p := range g.series {
		out = append(out, fetch{seriesSource(i), s.cfg.PrometheusTimeout, func(ctx context.Context) (err error) {
			g.seriesOut[i], err = s.querySeries(ctx, p, g.now)
			return err
		}})
	}
	return out
}

// Source names of the reads only Gather makes.
const (
	sourceReplicate  = "pd:config-replicate"
	sourceSchedulers = "pd:schedulers"
	sourceSiblings   = "pd:regions-sibling"
	sourceOperator   = "pd:operator"
)

func sourceRegion(id pd.RegionID) string { return "pd:region/" + id.String() }
func seriesSource(i int) string          { return SourcePrometheus + "/" + strconv.Itoa(i) }

func (g *gathering) hotSource() string {
	if g.hotDir == "read" {
		return SourceHotRead
	}
	return SourceHotWrite
}

// regionFetch reads one region into its own slot.
func (g *gathering) regionFetch(s *Subject, id pd.RegionID) fetch {
	slot := &regionSlot{}
	g.regions[id] = slot
	return fetch{sourceRegion(id), s.cfg.PDTimeout, func(ctx context.Context) (err error) {
		slot.info, err = s.pdc.GetRegion(ctx, id)
		return err
	}}
}

type regionSlot struct{ info *pd.RegionInfo }

// run runs fetches and records each failure under its source name.
func (g *gathering) run(ctx context.Context, s *Subject, fs []fetch) {
	for _, src := range s.runFetches(ctx, fs) {
		if src.Err != nil {
			g.errs[src.Name] = src.Err
		}
	}
}

// hotRegionOfStore picks, for a hot store ticket, the hottest region the
// store leads, so its peers (and which of them vote) can be read.
func (g *gathering) hotRegionOfStore() bool {
	if !g.hotOfStore || g.hot == nil {
		return false
	}
	best := hotPeersOf(g.hot.AsLeader, g.focusStore)
	if len(best) == 0 {
		return false
	}
	g.hotStoreRegion = best[0].RegionID
	return true
}
