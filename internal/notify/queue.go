package notify

import (
	"context"
	"errors"
	"fmt"
)

// ErrQueueFull is the dead letter's reason for a message Enqueue could not
// queue. The oldest queued message is not dropped to make room: the queue
// holds alerts, and the oldest may be the one that matters.
var ErrQueueFull = errors.New("queue full")

// ErrStopped is the dead letter's reason for a message queued when, or
// after, Run stopped.
var ErrStopped = errors.New("notifier stopped")

// Enqueue queues m for Run's worker and returns at once, so the caller's
// critical path never waits on a webhook. Routine messages go to the digest
// directly. When the queue is full, or Run has stopped, m is dead-lettered
// for each channel it was meant for, and the error says so.
func (n *Notifier) Enqueue(ctx context.Context, m Message) error {
	m = n.stamp(m)
	if m.Tier == Routine {
		n.routine(m)
		return nil
	}
	n.qmu.Lock()
	reason := ErrStopped
	if !n.stopped {
		select {
		case n.queue <- m:
			n.qmu.Unlock()
			return nil
		default:
			reason = ErrQueueFull
		}
	}
	n.qmu.Unlock()
	return n.reject(ctx, m, reason)
}

// reject dead-letters m for every channel of its tier.
func (n *Notifier) reject(ctx context.Context, m Message, reason error) error {
	errs := []error{fmt.Errorf("notify %s %s: %w", m.Tier, m.Kind, reason)}
	for _, ch := range n.route(m.Tier) {
		if err := n.dead(ctx, ch.Name(), m, reason); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Run delivers queued messages one at a time, in order, until ctx is done.
// Then it stops taking messages and dead-letters those still queued
// (ErrStopped): a restart must not lose them without a trace. A message
// being delivered when ctx ends is cut short and dead-lettered too. Run
// returns nil when ctx ends; it may be called once.
func (n *Notifier) Run(ctx context.Context) error {
	n.qmu.Lock()
	if n.running || n.stopped {
		n.qmu.Unlock()
		return errors.New("notifier: Run called twice")
	}
	n.running = true
	n.qmu.Unlock()
	defer n.stop(ctx)
	for {
		// Checked first so that a done ctx wins over a ready message.
		if ctx.Err() != nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case m := <-n.queue:
			// Errors are logged and dead-lettered by send.
			_ = n.sendTo(ctx, n.route(m.Tier), m)
		}
	}
}

func (n *Notifier) stop(ctx context.Context) {
	n.qmu.Lock()
	n.stopped = true
	n.qmu.Unlock()
	// No send to the queue can start now, so this empties it for good.
	for {
		select {
		case m := <-n.queue:
			_ = n.reject(ctx, m, ErrStopped)
		default:
			return
		}
	}
}
