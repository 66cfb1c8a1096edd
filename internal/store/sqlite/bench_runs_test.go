package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/store/sqlite"
)

// BenchmarkRunTransitions measures the persisted state machine: each run
// is created and moved approved -> queued -> executing -> verifying ->
// completed, every move one transaction with its version check, its
// history row and its audit record. Reported per transition.
func BenchmarkRunTransitions(b *testing.B) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "op.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	path := []action.State{action.Approved, action.Queued, action.Executing, action.Verifying, action.Completed}
	b.ResetTimer()
	moves := 0
	for i := 0; i < b.N; i++ {
		r, err := st.CreateRun(ctx, action.Run{Subject: "tikv", Action: "split_region", State: action.Proposed, Risk: "low",
			CreatedBy: "bench", Params: map[string]any{"region_id": i, "policy": "approximate"}}, at)
		if err != nil {
			b.Fatal(err)
		}
		for _, to := range path {
			at = at.Add(time.Millisecond)
			if r, err = st.TransitionRun(ctx, r.ID, r.Version, action.Transition{To: to, At: at, Actor: "executor", Reason: "bench",
				Data: map[string]any{"step": string(to)}}); err != nil {
				b.Fatal(err)
			}
			moves++
		}
	}
	b.ReportMetric(float64(moves)/b.Elapsed().Seconds(), "transitions/s")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(moves), "µs/transition")
}
