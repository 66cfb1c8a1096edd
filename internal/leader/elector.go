package leader

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/operator-dev/operator/internal/store"
)

// Config configures an Elector.
type Config struct {
	// Lease is the lease's name ("leader"); Holder this replica's ID,
	// unique among the replicas and stable across its restarts.
	Lease  string
	Holder string
	// TTL is how long a lease lasts without renewal (default 15s).
	TTL time.Duration
	Log *slog.Logger
}

// Status is what the replica knows of the election.
type Status struct {
	Holder string      `json:"replica"`
	Leader bool        `json:"leader"`
	Lease  store.Lease `json:"lease"`
	// Err is the last campaign error, if the last round failed.
	Err string `json:"error,omitempty"`
}

// Elector campaigns for the lease and runs the leader's work while it
// holds it. Safe for concurrent use.
type Elector struct {
	cfg    Config
	leases store.Leases
	lead   func(ctx context.Context)

	mu     sync.Mutex
	status Status
	// While leading: the work's cancel, the channel closed when it has
	// returned, and the time by which a renewal must have succeeded.
	cancel   context.CancelFunc
	done     chan struct{}
	deadline time.Time
	token    int64 // the fencing token the work runs under
}

// New returns an elector that runs lead while it holds the lease; lead
// must return soon after its context ends.
func New(cfg Config, leases store.Leases, lead func(ctx context.Context)) (*Elector, error) {
	if cfg.Lease == "" {
		cfg.Lease = "leader"
	}
	if cfg.Holder == "" {
		return nil, errors.New("leader: a replica ID is required")
	}
	if cfg.TTL <= 0 {
		cfg.TTL = 15 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Elector{cfg: cfg, leases: leases, lead: lead, status: Status{Holder: cfg.Holder}}, nil
}

// Renew is how often Run campaigns: a third of the TTL.
func (e *Elector) Renew() time.Duration { return e.cfg.TTL / 3 }

// Status returns the replica's view of the election.
func (e *Elector) Status() Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.status
}

// Step is one campaign round at now: take or renew the lease, start the
// leader's work on gaining it, stop it (and wait for it) on losing it or
// when renewals have failed for too long. It returns whether this replica
// leads after the round.
func (e *Elector) Step(ctx context.Context, now time.Time) bool {
	// A leader's round may not outlast its deadline: a store that hangs
	// must not keep it acting past the point the others may take over.
	wait := e.Renew()
	e.mu.Lock()
	if e.cancel != nil {
		wait = min(wait, e.deadline.Sub(now))
	}
	e.mu.Unlock()
	if wait <= 0 {
		e.cfg.Log.Error("leader: the lease was not renewed in time; stopping the leader's work", "lease", e.cfg.Lease)
		e.stop()
		wait = e.Renew()
	}
	actx, cancel := context.WithTimeout(store.WithoutFence(ctx), wait)
	l, held, err := e.leases.AcquireLease(actx, e.cfg.Lease, e.cfg.Holder, e.cfg.TTL, now)
	cancel()

	e.mu.Lock()
	leading := e.cancel != nil
	switch {
	case err != nil:
		e.status.Err = err.Error()
		if leading && !now.Before(e.deadline) {
			e.mu.Unlock()
			e.cfg.Log.Error("leader: could not renew the lease in time; stopping the leader's work", "lease", e.cfg.Lease, "err", err)
			e.stop()
			return false
		}
		e.mu.Unlock()
		e.cfg.Log.Warn("leader: campaign round failed", "lease", e.cfg.Lease, "leading", leading, "err", err)
		return leading
	case !held:
		e.status.Err, e.status.Lease = "", l
		e.mu.Unlock()
		if leading {
			e.cfg.Log.Warn("leader: the lease moved to another replica; stopping the leader's work", "lease", e.cfg.Lease, "holder", l.Holder, "token", l.Token)
			e.stop()
		}
		return false
	}
	e.status.Err, e.status.Lease, e.status.Leader = "", l, true
	// Stop acting a third of the TTL before the lease runs out for the
	// others: the margin absorbs clock drift between replicas.
	e.deadline = l.ExpiresAt.Add(-e.Renew())
	if leading && e.token == l.Token {
		e.mu.Unlock()
		return true
	}
	if leading {
		// Our own lease lapsed and we took it again (a pause, or this
		// host's clock jumped): a new term, with a new token. The work
		// still carries the old one, which the store now refuses, so it
		// starts over under the new.
		e.mu.Unlock()
		e.cfg.Log.Warn("leader: the lease lapsed and was taken again; restarting the leader's work under the new token", "lease", l.Name, "token", l.Token)
		e.stop()
		e.mu.Lock()
		e.status.Leader = true
	}
	wctx, wcancel := context.WithCancel(store.WithFence(ctx, store.Fence{Lease: l.Name, Token: l.Token}))
	done := make(chan struct{})
	e.cancel, e.done, e.token = wcancel, done, l.Token
	e.mu.Unlock()
	e.cfg.Log.Info("leader: this replica leads", "lease", l.Name, "replica", e.cfg.Holder, "token", l.Token)
	go func() {
		defer close(done)
		e.lead(wctx)
	}()
	return true
}

// stop ends the leader's work and waits for it.
func (e *Elector) stop() {
	e.mu.Lock()
	cancel, done := e.cancel, e.done
	e.cancel, e.done = nil, nil
	e.status.Leader = false
	e.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// Run campaigns every Renew until ctx ends, then stops the leader's work
// and releases the lease so another replica takes over at once.
func (e *Elector) Run(ctx context.Context, now func() time.Time) error {
	t := time.NewTicker(e.Renew())
	defer t.Stop()
	for {
		e.Step(ctx, now())
		select {
		case <-ctx.Done():
			wasLeader := e.Status().Leader
			e.stop()
			if wasLeader {
				rctx, cancel := context.WithTimeout(context.WithoutCancel(store.WithoutFence(ctx)), 5*time.Second)
				defer cancel()
				if err := e.leases.ReleaseLease(rctx, e.cfg.Lease, e.cfg.Holder, now()); err != nil {
					return fmt.Errorf("release lease %s: %w", e.cfg.Lease, err)
				}
				e.cfg.Log.Info("leader: lease released", "lease", e.cfg.Lease, "replica", e.cfg.Holder)
			}
			return nil
		case <-t.C:
		}
	}
}
