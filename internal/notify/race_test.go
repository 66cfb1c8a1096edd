package notify

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Many goroutines send, enqueue and take digests at once while the worker
// runs; run under -race. Every message must arrive exactly where its tier
// says, none twice, none lost.
func TestConcurrentUse(t *testing.T) {
	team, oncall := newHook(t), newHook(t, reply{status: 204})
	sent := make(chan error, 1000)
	r := newRig(t, Routes{
		Notable:  []Channel{reporting{slackOn(t, "team", team.url()), sent}},
		Critical: []Channel{reporting{webhookOn(t, "oncall", oncall.url()), sent}},
	}, func(c *Config) { c.QueueSize = 1000 })
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- r.n.Run(ctx) }()

	const workers, each = 8, 12
	var wg sync.WaitGroup
	var digests sync.Map
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				m := Message{Tier: Tier(i % 3), Kind: KindOutcome, Title: itoa(w) + "/" + itoa(i)}
				var err error
				if i%2 == 0 {
					err = r.n.Send(ctx, m)
				} else {
					err = r.n.Enqueue(ctx, m)
				}
				if err != nil {
					t.Errorf("message %s: %v", m.Title, err)
				}
				if d, ok := r.n.Digest(epoch.Add(time.Duration(w*each+i) * time.Second)); ok {
					digests.Store(d.Text, d)
				}
			}
		})
	}
	wg.Wait()

	// Per worker: i%3 gives 4 routine, 4 notable, 4 critical messages.
	wantTeam, wantOncall := workers*8, workers*4
	// Wait for the worker to finish the queued ones.
	for range wantTeam + wantOncall {
		select {
		case err := <-sent:
			if err != nil {
				t.Errorf("attempt failed: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("team %d/%d, oncall %d/%d requests after 10s", team.requests(), wantTeam, oncall.requests(), wantOncall)
		}
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if team.requests() != wantTeam || oncall.requests() != wantOncall {
		t.Errorf("team %d, oncall %d requests; want %d, %d", team.requests(), oncall.requests(), wantTeam, wantOncall)
	}
	if l := r.letters.all(); len(l) != 0 {
		t.Errorf("dead letters: %+v", l)
	}
	// Every routine message is in exactly one digest.
	if d, ok := r.n.Digest(epoch.Add(time.Hour)); ok {
		digests.Store(d.Text, d)
	}
	total := 0
	digests.Range(func(_, v any) bool {
		for _, f := range v.(Message).Fields {
			n, err := strconv.Atoi(f.Value)
			if err != nil {
				t.Errorf("digest field %+v: %v", f, err)
			}
			total += n
		}
		return true
	})
	if total != workers*4 {
		t.Errorf("digests counted %d routine messages, want %d", total, workers*4)
	}
}
