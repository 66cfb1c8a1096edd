package notify

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestEnqueueWhenFullDeadLettersAtOnce(t *testing.T) {
	team, oncall := newHook(t), newHook(t)
	sent := make(chan error, 2)
	r := newRig(t, Routes{
		Notable:  []Channel{reporting{slackOn(t, "team", team.url()), sent}},
		Critical: []Channel{reporting{slackOn(t, "oncall", oncall.url()), sent}},
	}, func(c *Config) { c.QueueSize = 1 })
	ctx := context.Background()
	first, second := critical("first"), critical("second")
	if err := r.n.Enqueue(ctx, first); err != nil {
		t.Fatalf("enqueue first: %v", err)
	}
	err := r.n.Enqueue(ctx, second)
	if !errors.Is(err, ErrQueueFull) {
		t.Fatalf("enqueue second: err = %v, want ErrQueueFull", err)
	}
	l := r.letters.all()
	if len(l) != 2 {
		t.Fatalf("dead letters = %+v, want one per channel of the critical route", l)
	}
	for i, ch := range []string{"team", "oncall"} {
		if l[i].channel != ch || l[i].m.Title != "second" || l[i].err.Error() != "queue full" {
			t.Errorf("dead letter %d = %+v, want %s / second / queue full", i, l[i], ch)
		}
	}

	// The first message was kept, not dropped for the second: Run delivers it.
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- r.n.Run(runCtx) }()
	for range 2 {
		if err := <-sent; err != nil {
			t.Errorf("send: %v", err)
		}
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	w := decodeSlack(t, team.body(0))
	if w.Text != "[critical] first" {
		t.Errorf("delivered %q, want the first message", w.Text)
	}
	if len(r.letters.all()) != 2 {
		t.Errorf("dead letters = %+v, want only the two for the second message", r.letters.all())
	}
}

// Messages still queued when Run stops are dead-lettered, and so is what
// comes after: nothing waits in a queue nobody reads.
func TestStoppedQueueDeadLetters(t *testing.T) {
	h := newHook(t)
	r := newRig(t, Routes{Notable: []Channel{slackOn(t, "team", h.url())}})
	ctx, cancel := context.WithCancel(context.Background())
	for _, title := range []string{"a", "b"} {
		if err := r.n.Enqueue(ctx, critical(title)); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	if err := r.n.Run(ctx); err != nil {
		t.Fatalf("run: %v", err)
	}
	if h.requests() != 0 {
		t.Errorf("requests = %d after a cancelled Run, want 0", h.requests())
	}
	err := r.n.Enqueue(context.Background(), critical("c"))
	if !errors.Is(err, ErrStopped) {
		t.Errorf("enqueue after stop: err = %v, want ErrStopped", err)
	}
	var got []string
	for _, l := range r.letters.all() {
		if !errors.Is(l.err, ErrStopped) || l.ctxErr != nil {
			t.Errorf("dead letter %+v, want ErrStopped on a live context", l)
		}
		got = append(got, l.m.Title)
	}
	if strings.Join(got, ",") != "a,b,c" {
		t.Errorf("dead-lettered %v, want a,b,c", got)
	}
	if err := r.n.Run(context.Background()); err == nil {
		t.Error("second Run returned nil")
	}
}

// Run cut short in the middle of retrying (the daemon shutting down)
// dead-letters the message it was delivering.
func TestRunCancelledMidDeliveryDeadLetters(t *testing.T) {
	h := newHook(t, reply{status: 500})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := newRig(t, Routes{Notable: []Channel{slackOn(t, "team", h.url())}}, func(c *Config) {
		c.Sleep = func(ctx context.Context, _ time.Duration) error {
			cancel()
			return ctx.Err()
		}
	})
	if err := r.n.Enqueue(ctx, critical("mid-flight")); err != nil {
		t.Fatal(err)
	}
	if err := r.n.Run(ctx); err != nil {
		t.Fatalf("run: %v", err)
	}
	l := r.letters.all()
	if len(l) != 1 || l[0].m.Title != "mid-flight" || !strings.Contains(l[0].err.Error(), "stopped after 1 attempt while waiting to retry") {
		t.Errorf("dead letters = %+v", l)
	}
}

// reporting is a channel that reports each attempt's result, so a test can
// wait for the Notifier to have finished one.
type reporting struct {
	Channel
	sent chan<- error
}

func (r reporting) Send(ctx context.Context, m Message) error {
	err := r.Channel.Send(ctx, m)
	r.sent <- err
	return err
}
