package monitor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/ticket"
)

// SourceInvariant is the invariant under which a failing data source (PD
// timing out, Prometheus down) is itself reported.
const SourceInvariant = "source-unavailable"

// Monitor evaluates one subject's invariants into tickets.
type Monitor struct {
	cfg     Config
	subj    subject.Subject
	tickets store.Tickets
	log     *slog.Logger
	metrics *Metrics
	// firstSeen holds, for problems without a ticket yet, when the current
	// run of violations began (the hold-down).
	firstSeen map[string]time.Time
	// holds are the invariants' own hold-downs (subject.HoldDowner).
	holds map[string]time.Duration
}

// New builds a monitor. metrics may be nil.
func New(cfg Config, subj subject.Subject, tickets store.Tickets, log *slog.Logger, metrics *Metrics) (*Monitor, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	holds := map[string]time.Duration{}
	for _, inv := range subj.Invariants() {
		if h, ok := inv.(subject.HoldDowner); ok && h.HoldDown() > 0 {
			holds[inv.Name()] = h.HoldDown()
		}
	}
	return &Monitor{cfg: cfg, subj: subj, tickets: tickets, log: log, metrics: metrics,
		firstSeen: map[string]time.Time{}, holds: holds}, nil
}

// Report says what one cycle did.
type Report struct {
	At         time.Time
	Violations []subject.Violation
	// Skipped invariants could not run because a source they need failed.
	Skipped  []string
	Failed   []subject.Source
	Opened   []ticket.ID
	Reopened []ticket.ID
	Updated  []ticket.ID
	Resolved []ticket.ID
	// Held are violations still inside their hold-down.
	Held []string
	// Errors are invariants that failed to evaluate.
	Errors map[string]error
}

// Eval runs one cycle at now. It returns an error only when the store
// fails; a failing subject or invariant is reported in the Report (and as a
// source-unavailable ticket), and everything else still runs.
func (m *Monitor) Eval(ctx context.Context, now time.Time) (Report, error) {
	start := time.Now()
	rep := Report{At: now, Errors: map[string]error{}}
	defer func() { m.metrics.cycle(m.subj.Name(), time.Since(start), rep) }()

	snap, err := m.subj.Observe(ctx, now)
	if err != nil {
		snap = &subject.Snapshot{Time: now, Sources: []subject.Source{{Name: m.subj.Name(), Err: err}}}
	}
	rep.Failed = snap.Failed()
	failed := map[string]bool{}
	for _, src := range rep.Failed {
		failed[src.Name] = true
	}
	rep.Violations = append(rep.Violations, sourceViolations(rep.Failed)...)

	// evaluated holds invariants that ran: only their tickets may resolve.
	evaluated := map[string]bool{SourceInvariant: true}
	for _, inv := range m.subj.Invariants() {
		if err != nil || needsFailed(inv, failed) {
			rep.Skipped = append(rep.Skipped, inv.Name())
			continue
		}
		vs, cerr := inv.Check(snap)
		if cerr != nil {
			rep.Errors[inv.Name()] = cerr
			m.log.Warn("invariant failed to evaluate", "invariant", inv.Name(), "err", cerr)
			continue
		}
		evaluated[inv.Name()] = true
		rep.Violations = append(rep.Violations, vs...)
	}

	// The store's writes get their own time: a PD so slow that it used up
	// the cycle's budget must not also stop the monitor recording that
	// PD is unreachable. WithoutCancel keeps the context's values (a
	// leader's fencing token).
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), max(m.cfg.Interval, minWriteBudget))
	defer cancel()
	seen := map[string]bool{}
	for _, v := range rep.Violations {
		key := v.Key()
		if seen[key] {
			continue
		}
		seen[key] = true
		if err := m.record(ctx, v, key, now, &rep); err != nil {
			return rep, err
		}
	}
	for key := range m.firstSeen {
		if !seen[key] {
			delete(m.firstSeen, key)
		}
	}
	if err := m.resolveCleared(ctx, now, seen, evaluated, &rep); err != nil {
		return rep, err
	}
	return rep, nil
}

// minWriteBudget is the least time a cycle's store writes get, however
// short the interval.
const minWriteBudget = 5 * time.Second

func needsFailed(inv subject.Invariant, failed map[string]bool) bool {
	for _, n := range inv.Needs() {
		if failed[n] {
			return true
		}
	}
	return false
}

// sourceViolations reports failed sources once per system ("pd"), listing
// the endpoints that failed, so PD being down is one ticket, not fifteen.
func sourceViolations(failed []subject.Source) []subject.Violation {
	bySystem := map[string][]subject.Source{}
	var systems []string
	for _, src := range failed {
		sys := src.System()
		if _, ok := bySystem[sys]; !ok {
			systems = append(systems, sys)
		}
		bySystem[sys] = append(bySystem[sys], src)
	}
	sort.Strings(systems)
	var out []subject.Violation
	for _, sys := range systems {
		srcs := bySystem[sys]
		errs := map[string]any{}
		names := make([]string, len(srcs))
		for i, src := range srcs {
			names[i] = src.Name
			errs[src.Name] = src.Err.Error()
		}
		out = append(out, subject.Violation{
			Invariant: SourceInvariant,
			Labels:    map[string]string{"source": sys},
			Severity:  subject.Warning,
			Summary:   fmt.Sprintf("%s is not answering (%d failed: %v); checks that need it are skipped", sys, len(srcs), srcs[0].Err),
			Evidence:  map[string]any{"failed_sources": names, "errors": errs},
		})
	}
	return out
}

// record opens, reopens or touches the ticket for one violation, after its
// hold-down when no ticket is active yet.
func (m *Monitor) record(ctx context.Context, v subject.Violation, key string, now time.Time, rep *Report) error {
	active := false
	if _, err := m.tickets.GetByKey(ctx, key); err == nil {
		active = true
	} else if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("monitor: look up ticket %s: %w", key, err)
	}
	hold := max(m.cfg.HoldDown, m.holds[v.Invariant])
	if !active && hold > 0 {
		first, ok := m.firstSeen[key]
		if !ok {
			m.firstSeen[key] = now
			first = now
		}
		if now.Sub(first) < hold {
			rep.Held = append(rep.Held, key)
			return nil
		}
	}
	t := ticket.Ticket{
		DedupKey: key, Invariant: v.Invariant, Subject: m.subj.Name(), Severity: v.Severity,
		State: ticket.Open, Summary: v.Summary, Labels: v.Labels, Evidence: v.Evidence,
		FirstSeen: now, LastSeen: now, Occurrences: 1,
	}
	got, outcome, err := m.tickets.OpenOrTouch(ctx, t, m.cfg.ReopenWithin, now)
	if err != nil {
		return fmt.Errorf("monitor: record %s: %w", key, err)
	}
	delete(m.firstSeen, key)
	switch outcome {
	case store.OutcomeOpened:
		rep.Opened = append(rep.Opened, got.ID)
		m.log.Info("ticket opened", "ticket", got.ID, "key", key, "severity", v.Severity.String(), "summary", v.Summary)
	case store.OutcomeReopened:
		rep.Reopened = append(rep.Reopened, got.ID)
		m.log.Info("ticket reopened", "ticket", got.ID, "key", key, "summary", v.Summary)
	default:
		rep.Updated = append(rep.Updated, got.ID)
		return nil
	}
	return m.foldAlerts(ctx, got, now, rep)
}

// foldAlerts resolves the active alert tickets about the problem the
// monitor just opened a ticket for: an alert that fired before the
// monitor saw the problem got its own ticket, which now duplicates this
// one. (Alerts arriving later are folded by the API as they come.)
func (m *Monitor) foldAlerts(ctx context.Context, t ticket.Ticket, now time.Time, rep *Report) error {
	alerts, err := m.tickets.List(ctx, store.Filter{Subject: ticket.SubjectAlertmanager, States: []ticket.State{ticket.Open, ticket.Diagnosed}})
	if err != nil {
		return fmt.Errorf("monitor: list alert tickets for %s: %w", t.DedupKey, err)
	}
	for _, a := range alerts {
		if maps, _ := a.Evidence["maps_to"].(string); maps != t.DedupKey {
			continue
		}
		why := fmt.Sprintf("folded into ticket %d (%s), which the operator's monitor owns", t.ID, t.DedupKey)
		if _, err := m.tickets.Resolve(ctx, a.ID, why, now); err != nil {
			if errors.Is(err, store.ErrConflict) {
				continue // resolved meanwhile
			}
			return fmt.Errorf("monitor: fold alert ticket %d into %d: %w", a.ID, t.ID, err)
		}
		rep.Resolved = append(rep.Resolved, a.ID)
		m.log.Info("alert ticket folded", "ticket", a.ID, "into", t.ID, "key", t.DedupKey)
	}
	return nil
}

// resolveCleared resolves this subject's active tickets whose invariant ran
// this cycle, found nothing, and has not seen the problem for ClearAfter.
// "Last seen" is the store's, so this holds across restarts.
func (m *Monitor) resolveCleared(ctx context.Context, now time.Time, seen, evaluated map[string]bool, rep *Report) error {
	active, err := m.tickets.List(ctx, store.Filter{States: []ticket.State{ticket.Open, ticket.Diagnosed}, Subject: m.subj.Name()})
	if err != nil {
		return fmt.Errorf("monitor: list active tickets: %w", err)
	}
	sort.Slice(active, func(i, j int) bool { return active[i].ID < active[j].ID })
	for _, t := range active {
		if seen[t.DedupKey] || !evaluated[t.Invariant] || now.Sub(t.LastSeen) < m.cfg.ClearAfter {
			continue
		}
		reason := fmt.Sprintf("auto-resolved: %s has held for %s", t.Invariant, now.Sub(t.LastSeen).Round(time.Second))
		if _, err := m.tickets.Resolve(ctx, t.ID, reason, now); err != nil {
			return fmt.Errorf("monitor: resolve ticket %d (%s): %w", t.ID, t.DedupKey, err)
		}
		rep.Resolved = append(rep.Resolved, t.ID)
		m.log.Info("ticket resolved", "ticket", t.ID, "key", t.DedupKey, "reason", reason)
	}
	return nil
}

// Run evaluates every Interval until ctx ends. A store error is logged and
// the next cycle tries again: the monitor never stops on its own. A cycle in
// progress when ctx ends is finished, not abandoned (it is bounded by the
// interval), so a graceful shutdown loses nothing.
func (m *Monitor) Run(ctx context.Context, now func() time.Time) error {
	tick := time.NewTicker(m.cfg.Interval)
	defer tick.Stop()
	for {
		cycleCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), m.cfg.Interval)
		_, err := m.Eval(cycleCtx, now())
		cancel()
		if err != nil {
			m.log.Error("monitor cycle failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
