package rules

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/diagnose"
	"github.com/operator-dev/operator/internal/ticket"
	"github.com/operator-dev/operator/internal/tikv/actions"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

// BenchmarkDiagnosisRound is one ticket's diagnosis by the rules: Gather
// against pdsim over HTTP, the rules' answer, and Check, for a Down store
// on 100 stores at 10k, 100k and 1M regions. ctx-bytes/op is the context's
// JSON size: bounded, whatever the cluster's size.
func BenchmarkDiagnosisRound(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("regions=%dk", n/1000), func(b *testing.B) {
			e := newSim(b, pdsim.Options{Stores: 100, Regions: n, StoreCapacity: 16 << 40, MaxStoreDownTime: time.Minute})
			e.fault(`{"type":"kill-store","store":2}`)
			for range 7 {
				e.clock.Advance(10 * time.Second)
			}
			tk, ok := e.tickets()["store-down/store=2"]
			if !ok || tk.Severity != ticket.Critical {
				b.Fatalf("no critical store-down ticket: %+v", tk)
			}
			p, ctx := New(), context.Background()
			var size int
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				c, err := e.subj.Gather(ctx, tk, nil, e.clock.Now())
				if err != nil {
					b.Fatal(err)
				}
				req := diagnose.Request{Context: c, Actions: actions.Registry()}
				ans, err := p.Diagnose(ctx, req)
				if err != nil {
					b.Fatal(err)
				}
				if got := diagnose.Check(ans.Raw, c, req.Actions); got.Status != ticket.DiagnosisOK {
					b.Fatalf("check: %+v", got)
				}
				raw, _ := json.Marshal(c.Evidence)
				size = len(raw)
			}
			b.ReportMetric(float64(size), "ctx-bytes/op")
		})
	}
}
