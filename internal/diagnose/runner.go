package diagnose

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/ticket"
)

// Store is what the runner needs from the state store.
type Store interface {
	List(ctx context.Context, f store.Filter) ([]ticket.Ticket, error)
	LatestDiagnoses(ctx context.Context, id ticket.ID) ([]ticket.DiagnosisRecord, error)
	SaveDiagnoses(ctx context.Context, id ticket.ID, recs []ticket.DiagnosisRecord, now time.Time) (ticket.Ticket, error)
	DiagnosisSpend(ctx context.Context, id ticket.ID) (ticket.Usage, error)
}

// Budget bounds what a model may cost one ticket over its whole life.
type Budget struct {
	MaxTokens  int64   // input plus output; 0: unbounded
	MaxCostUSD float64 // 0: unbounded
}

// Config tunes the runner.
type Config struct {
	// Interval between looks for tickets to diagnose (default 10s).
	Interval time.Duration
	// RediagnoseAfter is the least time between two rounds for a ticket
	// whose evidence changed materially (default 5m), so a flapping
	// number cannot spend a model budget.
	RediagnoseAfter time.Duration
	// Timeout bounds one provider call, retries included (default 2m).
	Timeout time.Duration
	Budget  Budget
}

func (c Config) withDefaults() Config {
	if c.Interval <= 0 {
		c.Interval = 10 * time.Second
	}
	if c.RediagnoseAfter < 0 {
		c.RediagnoseAfter = 0
	} else if c.RediagnoseAfter == 0 {
		c.RediagnoseAfter = 5 * time.Minute
	}
	if c.Timeout <= 0 {
		c.Timeout = 2 * time.Minute
	}
	return c
}

// Runner diagnoses open tickets: each once, and again when its evidence
// changes materially. It runs beside the monitor, never inside its cycle,
// and a provider that is down only leaves a failed record.
type Runner struct {
	cfg      Config
	store    Store
	subjects map[string]subject.Gatherer // by subject name
	actions  map[string][]subject.ActionSpec
	rules    Provider
	model    Provider // nil: rules only
	log      *slog.Logger
	metrics  *Metrics
	clock    func() time.Time
	// retryAt holds, per ticket whose round could not be saved, when to
	// try again: without it a failing store would have a model asked (and
	// paid) every pass, its spend never recorded.
	mu      sync.Mutex
	retryAt map[ticket.ID]time.Time
	// partial holds tickets last diagnosed on the ticket alone because the
	// context could not be gathered: they get a full round once settled.
	partial map[ticket.ID]bool
}

// NewRunner builds a runner. rules is required and always runs; model may
// be nil. Subjects that cannot gather context get a context of the ticket
// alone.
func NewRunner(cfg Config, st Store, rules, model Provider, log *slog.Logger, metrics *Metrics, clock func() time.Time) (*Runner, error) {
	if rules == nil {
		return nil, errors.New("diagnose: the rules provider is required")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if clock == nil {
		clock = time.Now
	}
	return &Runner{cfg: cfg.withDefaults(), store: st, subjects: map[string]subject.Gatherer{},
		actions: map[string][]subject.ActionSpec{}, rules: rules, model: model, log: log, metrics: metrics, clock: clock,
		retryAt: map[ticket.ID]time.Time{}, partial: map[ticket.ID]bool{}}, nil
}

// AddSubject lets the runner gather context and propose actions for the
// subject's tickets.
func (r *Runner) AddSubject(name string, g subject.Gatherer, actions []subject.ActionSpec) {
	r.subjects[name] = g
	r.actions[name] = actions
}

// Round says what one pass did.
type Round struct {
	Diagnosed []ticket.ID
	Skipped   int // up to date, or too soon
	Errors    map[ticket.ID]error
}

// Once diagnoses every active ticket that needs it, most severe first.
// Only a failure to read the store's ticket list is returned; a ticket that
// cannot be gathered or saved is reported in Round.Errors and retried on
// the next pass.
func (r *Runner) Once(ctx context.Context) (Round, error) {
	round := Round{Errors: map[ticket.ID]error{}}
	active, err := r.store.List(ctx, store.Filter{States: []ticket.State{ticket.Open, ticket.Diagnosed}})
	if err != nil {
		return round, fmt.Errorf("diagnose: list active tickets: %w", err)
	}
	sort.SliceStable(active, func(i, j int) bool {
		if active[i].Severity != active[j].Severity {
			return active[i].Severity > active[j].Severity
		}
		return active[i].ID < active[j].ID
	})
	for _, t := range active {
		if ctx.Err() != nil {
			break
		}
		did, err := r.diagnoseIfDue(ctx, t)
		switch {
		case err != nil:
			round.Errors[t.ID] = err
			r.log.Warn("diagnosis round failed", "ticket", t.ID, "key", t.DedupKey, "err", err)
		case did:
			round.Diagnosed = append(round.Diagnosed, t.ID)
		default:
			round.Skipped++
		}
	}
	return round, nil
}

// diagnoseIfDue runs one round for the ticket unless its latest round saw
// the same material evidence, or is more recent than RediagnoseAfter.
func (r *Runner) diagnoseIfDue(ctx context.Context, t ticket.Ticket) (bool, error) {
	now := r.clock()
	r.mu.Lock()
	wait, partial := r.retryAt[t.ID], r.partial[t.ID]
	r.mu.Unlock()
	if now.Before(wait) {
		return false, nil
	}
	digest := Digest(t)
	latest, err := r.store.LatestDiagnoses(ctx, t.ID)
	if err != nil {
		return false, fmt.Errorf("read the latest diagnosis of ticket %d: %w", t.ID, err)
	}
	if len(latest) > 0 {
		prev, at := latest[0].EvidenceDigest, latest[0].At
		settled := now.Sub(at) >= r.cfg.RediagnoseAfter
		switch {
		case digestSeverity(prev) != digestSeverity(digest):
			// A change of severity (a store turning Down): a new round now.
		case prev == digest:
			// Same evidence: only a provider that gave no answer (down,
			// timed out, not out of budget) is asked again, once settled.
			if !settled || (!retryable(latest) && !partial) {
				return false, nil
			}
		case !settled:
			return false, nil
		}
	}
	c, err := r.gather(ctx, t, now)
	r.mu.Lock()
	r.partial[t.ID] = err != nil
	r.mu.Unlock()
	if err != nil {
		// The rules can still say something on the ticket alone (PD being
		// the problem is when this happens).
		r.log.Warn("diagnosing on the ticket alone: its context could not be gathered", "ticket", t.ID, "err", err)
		history, _ := r.history(ctx, t)
		c = ticketOnly(t, history, now)
		c.Evidence = append(c.Evidence, subject.Evidence{ID: fmt.Sprintf("e%d", len(c.Evidence)+1), Kind: "unavailable",
			Title: "the rest of the context could not be gathered", Data: map[string]string{"error": err.Error()}})
	}
	recs := r.diagnose(ctx, t, c)
	for i := range recs {
		recs[i].EvidenceDigest = digest
	}
	if _, err := r.store.SaveDiagnoses(ctx, t.ID, recs, now); err != nil {
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, ticket.ErrTransition) {
			return false, nil // resolved or gone meanwhile: nothing to diagnose
		}
		r.mu.Lock()
		r.retryAt[t.ID] = now.Add(max(r.cfg.RediagnoseAfter, r.cfg.Interval))
		r.mu.Unlock()
		return false, fmt.Errorf("save the diagnosis of ticket %d: %w", t.ID, err)
	}
	r.mu.Lock()
	delete(r.retryAt, t.ID)
	r.mu.Unlock()
	r.log.Info("ticket diagnosed", "ticket", t.ID, "key", t.DedupKey, "round", roundText(recs))
	return true, nil
}

// gather asks the ticket's subject for context, with the recent tickets on
// the same entities as history.
func (r *Runner) gather(ctx context.Context, t ticket.Ticket, now time.Time) (*subject.Context, error) {
	history, err := r.history(ctx, t)
	if err != nil {
		return nil, err
	}
	g, ok := r.subjects[t.Subject]
	if !ok {
		return ticketOnly(t, history, now), nil
	}
	return g.Gather(ctx, t, history, now)
}

// historyWindow is how far back related tickets count as history.
const historyWindow = 7 * 24 * time.Hour

// history is the other tickets of the last week that share a label with t.
func (r *Runner) history(ctx context.Context, t ticket.Ticket) ([]ticket.Ticket, error) {
	recent, err := r.store.List(ctx, store.Filter{Since: r.clock().Add(-historyWindow), Limit: 500})
	if err != nil {
		return nil, fmt.Errorf("list recent tickets: %w", err)
	}
	var out []ticket.Ticket
	for _, o := range recent {
		if o.ID != t.ID && sharesLabel(o, t) {
			out = append(out, o)
		}
	}
	return out, nil
}

func sharesLabel(a, b ticket.Ticket) bool {
	for k, v := range a.Labels {
		if b.Labels[k] == v {
			return true
		}
	}
	return len(a.Labels) == 0 && len(b.Labels) == 0 && a.Invariant == b.Invariant
}

// ticketOnly is the context of a subject that cannot gather more: the
// ticket itself and its history.
func ticketOnly(t ticket.Ticket, history []ticket.Ticket, now time.Time) *subject.Context {
	c := &subject.Context{Ticket: t, GatheredAt: now, Entities: map[subject.ParamType][]string{}}
	c.Evidence = append(c.Evidence, subject.Evidence{ID: "e1", Kind: "ticket", Title: t.Summary, Data: t})
	if len(history) > 0 {
		c.Evidence = append(c.Evidence, subject.Evidence{ID: "e2", Kind: "history", Title: "related tickets of the last week", Data: history})
	}
	return c
}

// diagnose asks every provider (the model within its budget), checks each
// answer and marks disputes. The providers run one after the other: the
// rules provider takes microseconds.
func (r *Runner) diagnose(ctx context.Context, t ticket.Ticket, c *subject.Context) []ticket.DiagnosisRecord {
	actions := r.actions[t.Subject]
	req := Request{Context: c, Actions: actions, Schema: AnswerSchema(c, actions)}
	if d, ok := r.subjects[t.Subject].(Describer); ok {
		req.Watched = d.Description()
	}
	recs := []ticket.DiagnosisRecord{r.ask(ctx, r.rules, t, req)}
	if r.model != nil {
		recs = append(recs, r.askWithinBudget(ctx, t, req))
	}
	markDisputes(recs, r.rules.Name(), actions)
	for _, rec := range recs {
		r.metrics.record(rec)
	}
	return recs
}

func (r *Runner) askWithinBudget(ctx context.Context, t ticket.Ticket, req Request) ticket.DiagnosisRecord {
	spent, err := r.store.DiagnosisSpend(ctx, t.ID)
	if err != nil {
		return r.failed(r.model, t, fmt.Errorf("read what ticket %d has spent: %w", t.ID, err), ticket.Usage{})
	}
	b := r.cfg.Budget
	tokens := spent.InputTokens + spent.OutputTokens
	if (b.MaxTokens > 0 && tokens >= b.MaxTokens) || (b.MaxCostUSD > 0 && spent.CostUSD >= b.MaxCostUSD) {
		return r.failed(r.model, t, fmt.Errorf("%w: ticket %d has used %d tokens and $%.4f (budget %d tokens, $%.2f); the rules diagnosis stands",
			ErrBudget, t.ID, tokens, spent.CostUSD, b.MaxTokens, b.MaxCostUSD), ticket.Usage{})
	}
	return r.ask(ctx, r.model, t, req)
}

// ask runs one provider and checks its answer.
func (r *Runner) ask(ctx context.Context, p Provider, t ticket.Ticket, req Request) ticket.DiagnosisRecord {
	cctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	start := time.Now()
	ans, err := p.Diagnose(cctx, req)
	r.metrics.took(p.Name(), time.Since(start))
	if err != nil {
		return r.failed(p, t, err, ans.Usage)
	}
	checked := Check(ans.Raw, req.Context, req.Actions)
	rec := ticket.DiagnosisRecord{
		TicketID: t.ID, At: r.clock(), Provider: p.Name(), Model: ans.Model, Usage: saneUsage(ans.Usage),
		Status: checked.Status, Diagnosis: checked.Diagnosis, Refusals: checked.Refusals,
	}
	if checked.Status != ticket.DiagnosisOK {
		r.log.Warn("diagnosis answer refused", "ticket", t.ID, "provider", p.Name(), "status", string(checked.Status), "refusals", len(checked.Refusals))
	}
	return rec
}

func (r *Runner) failed(p Provider, t ticket.Ticket, err error, u ticket.Usage) ticket.DiagnosisRecord {
	r.log.Warn("diagnosis provider gave no answer", "ticket", t.ID, "provider", p.Name(), "err", err)
	return ticket.DiagnosisRecord{TicketID: t.ID, At: r.clock(), Provider: p.Name(), Status: ticket.DiagnosisFailed,
		Error: err.Error(), Usage: saneUsage(u)}
}

// saneUsage keeps a server's usage figures from breaking the round: a
// negative or non-finite count (a broken OpenAI-compatible server) is 0.
func saneUsage(u ticket.Usage) ticket.Usage {
	u.InputTokens, u.OutputTokens, u.Attempts = max(u.InputTokens, 0), max(u.OutputTokens, 0), max(u.Attempts, 0)
	if math.IsNaN(u.CostUSD) || math.IsInf(u.CostUSD, 0) || u.CostUSD < 0 {
		u.CostUSD = 0
	}
	return u
}

// retryable reports whether a round has a provider that gave no answer for
// a reason other than its budget: worth asking again, once settled.
func retryable(recs []ticket.DiagnosisRecord) bool {
	for _, rec := range recs {
		if rec.Status == ticket.DiagnosisFailed && !strings.Contains(rec.Error, ErrBudget.Error()) {
			return true
		}
	}
	return false
}

// Run diagnoses every Interval until ctx ends. A pass in progress when ctx
// ends is abandoned between tickets: what was saved is saved, the rest is
// picked up after a restart.
func (r *Runner) Run(ctx context.Context) {
	tick := time.NewTicker(r.cfg.Interval)
	defer tick.Stop()
	for {
		if _, err := r.Once(ctx); err != nil && ctx.Err() == nil {
			r.log.Error("diagnosis pass failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// roundText is a log line's summary of a round: "rules=ok anthropic=failed".
func roundText(recs []ticket.DiagnosisRecord) string {
	out := ""
	for i, rec := range recs {
		if i > 0 {
			out += " "
		}
		out += rec.Provider + "=" + string(rec.Status)
		if rec.Disputed {
			out += "(disputed)"
		}
	}
	return out
}
