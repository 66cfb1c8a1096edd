package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// DeadLetter records a message that could not be delivered to channel,
// with why. The daemon appends it to the audit log. err names the channel,
// never its URL.
type DeadLetter func(ctx context.Context, channel string, m Message, err error) error

// deadLetterTimeout bounds recording one dead letter. It runs on a context
// detached from the caller's, so a cancelled caller still leaves a record.
const deadLetterTimeout = 10 * time.Second

// Routes says which channels hear which tier.
type Routes struct {
	// Notable hears notable and critical messages (usually one channel).
	Notable []Channel
	// Critical hears critical messages only. A critical message goes to
	// these and to the notable ones: every configured channel. A channel
	// listed in both (same Name) gets it once.
	Critical []Channel
}

// Config configures a Notifier. Only Routes matters for behaviour; the rest
// has defaults.
type Config struct {
	Routes Routes
	Retry  Retry
	// DeadLetter records undeliverable messages. When nil they are only
	// logged at error level, which the daemon should not rely on.
	DeadLetter DeadLetter
	Log        *slog.Logger
	// Now stamps messages without a time and starts the first digest
	// period (default time.Now).
	Now func() time.Time
	// Sleep waits between attempts (default Sleep).
	Sleep SleepFunc
	// QueueSize bounds Enqueue's queue (default 64).
	QueueSize int
	// DigestLimit is how many routine messages the digest lists one by one
	// (default 100); beyond it they are only counted.
	DigestLimit int
}

// Notifier routes messages by tier, retries and dead-letters. It is safe
// for concurrent use.
type Notifier struct {
	notable    []Channel
	all        []Channel // notable then critical-only, each name once
	retry      Retry
	deadLetter DeadLetter
	log        *slog.Logger
	now        func() time.Time
	sleep      SleepFunc

	queue   chan Message
	qmu     sync.Mutex // guards stopped against sends to queue
	stopped bool
	running bool

	digest digest
}

// New checks cfg and returns a Notifier. Channel names must be unique
// within each route: a name is what a dead letter says, so two channels
// with one name could not be told apart.
func New(cfg Config) (*Notifier, error) {
	n := &Notifier{
		retry:      cfg.Retry.withDefaults(),
		deadLetter: cfg.DeadLetter,
		log:        cfg.Log,
		now:        cfg.Now,
		sleep:      cfg.Sleep,
	}
	if n.log == nil {
		n.log = slog.New(slog.DiscardHandler)
	}
	if n.now == nil {
		n.now = time.Now
	}
	if n.sleep == nil {
		n.sleep = Sleep
	}
	size := cfg.QueueSize
	if size <= 0 {
		size = 64
	}
	n.queue = make(chan Message, size)
	limit := cfg.DigestLimit
	if limit <= 0 {
		limit = 100
	}
	n.digest = newDigest(n.now(), limit)

	for _, r := range []struct {
		route string
		chans []Channel
	}{{"notable", cfg.Routes.Notable}, {"critical", cfg.Routes.Critical}} {
		route, names := r.route, map[string]bool{}
		for i, ch := range r.chans {
			if ch == nil {
				return nil, fmt.Errorf("configure notifier: %s route: channel %d is nil", route, i+1)
			}
			if ch.Name() == "" {
				return nil, fmt.Errorf("configure notifier: %s route: channel %d has no name", route, i+1)
			}
			if names[ch.Name()] {
				return nil, fmt.Errorf("configure notifier: %s route: two channels are named %q", route, ch.Name())
			}
			names[ch.Name()] = true
		}
	}
	seen := map[string]bool{}
	for _, ch := range cfg.Routes.Notable {
		n.notable = append(n.notable, ch)
		n.all = append(n.all, ch)
		seen[ch.Name()] = true
	}
	for _, ch := range cfg.Routes.Critical {
		if !seen[ch.Name()] {
			n.all = append(n.all, ch)
			seen[ch.Name()] = true
		}
	}
	return n, nil
}

// route is where a message of tier t goes; nil for Routine.
func (n *Notifier) route(t Tier) []Channel {
	switch t {
	case Routine:
		return nil
	case Notable:
		return n.notable
	}
	return n.all // Critical, and any invalid tier (see Tier.valid)
}

// stamp fills in what the caller may leave out.
func (n *Notifier) stamp(m Message) Message {
	if m.At.IsZero() {
		m.At = n.now()
	}
	if !m.Tier.valid() {
		n.log.Warn("notification with unknown tier sent as critical", "message", m)
	}
	return m
}

// Send delivers m now, to every channel of its tier at once, each with its
// own retries; it returns when all are done or dead-lettered. It is bounded
// by ctx (and by Retry: a few attempts of a bounded request each). Routine
// messages are logged and kept for the digest; Send returns nil for them at
// once. The error joins each channel's failure and any dead letter that
// could not be recorded; a message that failed was dead-lettered unless
// the error says otherwise.
func (n *Notifier) Send(ctx context.Context, m Message) error {
	m = n.stamp(m)
	if m.Tier == Routine {
		n.routine(m)
		return nil
	}
	return n.sendTo(ctx, n.route(m.Tier), m)
}

func (n *Notifier) routine(m Message) {
	n.log.Info("routine notification kept for the digest", "message", m)
	n.digest.add(m)
}

// sendTo delivers m to chans in parallel, dead-lettering each failure.
func (n *Notifier) sendTo(ctx context.Context, chans []Channel, m Message) error {
	if len(chans) == 0 {
		n.log.Warn("no channel configured for this tier; notification only logged", "message", m)
		return nil
	}
	errs := make([]error, len(chans))
	var wg sync.WaitGroup
	for i, ch := range chans {
		wg.Go(func() {
			err := n.deliver(ctx, ch, m)
			if err == nil {
				return
			}
			errs[i] = fmt.Errorf("notify %s %s: %w", m.Tier, m.Kind, err)
			if dlErr := n.dead(ctx, ch.Name(), m, err); dlErr != nil {
				errs[i] = errors.Join(errs[i], dlErr)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// dead records m as undelivered to channel.
func (n *Notifier) dead(ctx context.Context, channel string, m Message, cause error) error {
	n.log.Error("notification not delivered; dead-lettered", "channel", channel, "message", m, "err", cause)
	if n.deadLetter == nil {
		return nil
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), deadLetterTimeout)
	defer cancel()
	if err := n.deadLetter(dctx, channel, m, cause); err != nil {
		n.log.Error("dead letter not recorded", "channel", channel, "message", m, "err", err)
		return fmt.Errorf("record dead letter for %s: %w", channel, err)
	}
	return nil
}
