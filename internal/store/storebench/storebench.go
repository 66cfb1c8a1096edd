// Package storebench measures a store.Store's write throughput, the same
// way on every backend, each figure beside its floor on the same database:
//
//   - EmptyWrite: one write transaction that changes one settings row, the
//     least any state change pays (the backend supplies it, since the
//     Store interface has no such method);
//   - TicketTouch: OpenOrTouch of a ticket that is already open (what the
//     monitor does for every standing problem, every cycle);
//   - TicketOpen: OpenOrTouch of a new problem (a new ticket and its
//     "opened" event);
//   - RunTransition: a run created and moved approved -> queued ->
//     executing -> verifying -> completed, reported per transition.
//
// Each runs with 1, 4 and 16 concurrent writers sharing one store (b.N
// operations in all), so ns/op is the inverse of the throughput and
// ops/s says it directly. A backend registers it from its own tests:
//
//	func BenchmarkStoreThroughput(b *testing.B) {
//		storebench.Run(b, storebench.Backend{Open: ..., EmptyWrite: ...})
//	}
package storebench

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/ticket"
)

// Backend is the store under measurement.
type Backend struct {
	// Open returns a new, empty store for one benchmark and arranges for
	// it to be closed (b.Cleanup).
	Open func(b *testing.B) store.Store
	// EmptyWrite commits one write transaction that changes one small row
	// on s's database, through the same path (connection, locking,
	// fencing) as the store's own writes.
	EmptyWrite func(ctx context.Context, s store.Store) error
}

// Writers are the concurrencies measured.
var Writers = []int{1, 4, 16}

// touchKeys is how many open tickets TicketTouch cycles through: a large
// incident's worth.
const touchKeys = 1000

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// Run runs every measurement as a sub-benchmark of b, each on a fresh
// store: Op/writers=N.
func Run(b *testing.B, be Backend) {
	for _, w := range Writers {
		b.Run(fmt.Sprintf("EmptyWrite/writers=%d", w), func(b *testing.B) { EmptyWrite(b, be, w) })
		b.Run(fmt.Sprintf("TicketTouch/writers=%d", w), func(b *testing.B) { TicketTouch(b, be, w) })
		b.Run(fmt.Sprintf("TicketOpen/writers=%d", w), func(b *testing.B) { TicketOpen(b, be, w) })
		b.Run(fmt.Sprintf("RunTransition/writers=%d", w), func(b *testing.B) { RunTransition(b, be, w) })
	}
}

// parallel runs op b.N times in all, spread over writers goroutines, and
// reports the throughput. op gets the writer and a sequence number
// unique across writers.
func parallel(b *testing.B, writers int, op func(w int, i int64) error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	var once sync.Once
	var failed error
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				if err := op(w, i); err != nil {
					once.Do(func() { failed = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if failed != nil {
		b.Fatal(failed)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "ops/s")
}

// EmptyWrite is the floor: the backend's empty write transaction.
func EmptyWrite(b *testing.B, be Backend, writers int) {
	ctx := context.Background()
	s := be.Open(b)
	parallel(b, writers, func(int, int64) error { return be.EmptyWrite(ctx, s) })
}

func problem(key string, i int64) ticket.Ticket {
	return ticket.Ticket{DedupKey: key, Invariant: "bench-invariant", Subject: "tikv", Severity: ticket.Warning,
		Summary: "bench problem " + key, Labels: map[string]string{"key": key},
		Evidence: map[string]any{"observed": i, "threshold": 100}}
}

// TicketTouch measures OpenOrTouch of tickets that are already open: the
// monitor's steady state.
func TicketTouch(b *testing.B, be Backend, writers int) {
	ctx := context.Background()
	s := be.Open(b)
	keys := make([]string, touchKeys)
	for i := range keys {
		keys[i] = fmt.Sprintf("bench-touch/key=%d", i)
		if _, out, err := s.OpenOrTouch(ctx, problem(keys[i], 0), time.Hour, t0); err != nil || out != store.OutcomeOpened {
			b.Fatalf("open %s: %v %v", keys[i], out, err)
		}
	}
	parallel(b, writers, func(_ int, i int64) error {
		_, out, err := s.OpenOrTouch(ctx, problem(keys[i%touchKeys], i), time.Hour, t0.Add(time.Duration(i+1)*time.Millisecond))
		if err == nil && out != store.OutcomeUpdated {
			err = fmt.Errorf("touch %s: outcome %v, want updated", keys[i%touchKeys], out)
		}
		return err
	})
}

// TicketOpen measures OpenOrTouch of problems never seen before.
func TicketOpen(b *testing.B, be Backend, writers int) {
	ctx := context.Background()
	s := be.Open(b)
	parallel(b, writers, func(_ int, i int64) error {
		key := fmt.Sprintf("bench-open/key=%d", i)
		_, out, err := s.OpenOrTouch(ctx, problem(key, i), time.Hour, t0.Add(time.Duration(i)*time.Millisecond))
		if err == nil && out != store.OutcomeOpened {
			err = fmt.Errorf("open %s: outcome %v, want opened", key, out)
		}
		return err
	})
}

// runPath is the executor's path for a run that succeeds.
var runPath = []action.State{action.Approved, action.Queued, action.Executing, action.Verifying, action.Completed}

// RunTransition measures the persisted state machine, per transition:
// each writer creates a run and moves it along runPath, every move one
// transaction with its version check, history row and audit record. The
// creation (one per five transitions) is inside the timed loop, as in the
// sqlite package's BenchmarkRunTransitions, so the figures compare.
func RunTransition(b *testing.B, be Backend, writers int) {
	ctx := context.Background()
	s := be.Open(b)
	type cursor struct {
		run  action.Run
		step int
	}
	cur := make([]cursor, writers)
	var created atomic.Int64
	parallel(b, writers, func(w int, i int64) error {
		c := &cur[w]
		if c.run.ID == 0 || c.step == len(runPath) {
			n := created.Add(1)
			r, err := s.CreateRun(ctx, action.Run{Subject: "tikv", Action: "split_region", State: action.Proposed, Risk: "low",
				CreatedBy: "bench", Params: map[string]any{"region_id": n, "policy": "approximate"}}, t0)
			if err != nil {
				return err
			}
			*c = cursor{run: r}
		}
		to := runPath[c.step]
		r, err := s.TransitionRun(ctx, c.run.ID, c.run.Version, action.Transition{To: to, At: t0.Add(time.Duration(i) * time.Millisecond),
			Actor: "executor", Reason: "bench", Data: map[string]any{"step": string(to)}})
		if err != nil {
			return err
		}
		c.run, c.step = r, c.step+1
		return nil
	})
}
