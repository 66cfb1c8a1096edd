package observe

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/operator-dev/operator/internal/overview"
	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/tikv/actions"
	"github.com/operator-dev/operator/internal/tikv/pd"
)

// Name is the adapter's stable name.
const Name = "tikv"

// Subject observes a TiKV cluster through PD (and optionally Prometheus)
// and checks its invariants. It implements subject.Subject; the action
// side is empty for now. Safe for concurrent use, though a monitor calls
// Observe one cycle at a time.
type Subject struct {
	cfg   Config
	pdc   *pd.Client
	prom  promv1.API
	clock func() time.Time
	invs  []subject.Invariant

	mu  sync.Mutex // guards mem and alertStores
	mem *memory
	// alertStores holds the addresses of the last store list read, for
	// MapAlert (alerts.go); replaced whole, never changed in place.
	alertStores []storeAddrs
	// history, if set, receives each cycle's overview (overview.go).
	history atomic.Pointer[overview.History]
}

var _ subject.Subject = (*Subject)(nil)

// New builds the TiKV subject. pdc should be the read-only PD client; prom
// may be nil, in which case the Prometheus source and store-high-latency
// are absent. clock (nil: time.Now) times each source; the snapshot's own
// time is the now given to Observe.
func New(cfg Config, pdc *pd.Client, prom promv1.API, clock func() time.Time) (*Subject, error) {
	if pdc == nil {
		return nil, errors.New("observe: a PD client is required")
	}
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	if clock == nil {
		clock = time.Now
	}
	return &Subject{
		cfg: cfg, pdc: pdc, prom: prom, clock: clock,
		invs: invariants(cfg, prom != nil),
		mem:  newMemory(),
	}, nil
}

// Name returns "tikv".
func (s *Subject) Name() string { return Name }

// Config returns the configuration in use, defaults filled in.
func (s *Subject) Config() Config { return s.cfg }

// Invariants returns the checks in a stable order (see invariants).
func (s *Subject) Invariants() []subject.Invariant {
	return append([]subject.Invariant(nil), s.invs...)
}

// Actions describes the TiKV action registry: what a diagnosis may
// propose. Describing is all the Subject does with them; nothing here
// executes an action.
func (s *Subject) Actions() []subject.ActionSpec { return actions.Registry() }

// Description says what this adapter watches, for a model's instructions.
func (s *Subject) Description() string { return "a TiKV cluster (through PD and Prometheus)" }

// The Subject gathers diagnosis context (gather.go).
var _ subject.Gatherer = (*Subject)(nil)

// Observe reads every source at once, each bounded by its own timeout, and
// returns a snapshot whose Data is a *Data. A failing source is recorded in
// Snapshot.Sources and the others still count; the error is non-nil only
// when ctx ended, i.e. the caller gave up on the cycle.
//
// now is the snapshot's time: heartbeat ages, first-seen times and the
// Prometheus evaluation time all use it, so it must be on the clock PD
// and Prometheus use (the wall clock in production).
func (s *Subject) Observe(ctx context.Context, now time.Time) (*subject.Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("observe tikv: %w", err)
	}
	d := &Data{}
	checks := make([]*pd.RegionsInfo, len(regionCheckKinds))
	var ops []pd.OperatorObject
	sources := s.runFetches(ctx, s.fetches(now, d, checks, &ops))
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("observe tikv: %w", err)
	}

	ok := make(map[string]bool, len(sources))
	for _, src := range sources {
		ok[src.Name] = src.Err == nil
	}
	d.RegionChecks = make(map[pd.RegionCheck]*pd.RegionsInfo, len(regionCheckKinds))
	for i, kind := range regionCheckKinds {
		if ok[SourceRegionCheck(kind)] {
			d.RegionChecks[kind] = checks[i]
		}
	}
	if !ok[SourcePrometheus] {
		d.Latency = nil
	}
	s.mu.Lock()
	if ok[SourceStores] {
		s.alertStores = storeAddrsOf(d.Stores)
		d.Offline = s.mem.observeStores(d.Stores, now)
		pdNow := d.clock(now)
		d.RecentlySilent = s.mem.observeSilence(d.Stores, func(st pd.StoreInfo) bool {
			_, ok := s.cfg.silent(st, pdNow)
			return ok
		}, now, s.cfg.StoreRecoveryGrace)
	}
	if ok[SourceOperators] {
		d.Operators, d.UntrackedOperators = s.mem.observeOperators(ops, now, s.cfg.MaxTrackedOperators)
		d.OperatorRegions = s.mem.observeOperatorRegions(ops, now, s.cfg.MaxTrackedOperators)
	}
	s.mu.Unlock()
	if ok[SourcePrometheus] {
		mapLatencyStores(d)
	}
	s.recordOverview(d, ok, now)
	return &subject.Snapshot{Time: now, Sources: sources, Data: d}, nil
}
