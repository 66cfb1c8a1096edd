package observe

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

// A host whose clock runs minutes away from PD's must neither see healthy
// stores as silent nor miss a silent one: heartbeat ages are measured on
// PD's clock, read from its answers' Date header.
func TestHeartbeatAgeUsesPDsClock(t *testing.T) {
	for _, skew := range []time.Duration{5 * time.Minute, -5 * time.Minute} {
		t.Run(skew.String(), func(t *testing.T) {
			e := newSimEnv(t, pdsim.Options{Stores: 5, Regions: 100}, Config{}, pd.Config{})
			observeSkewed := func() []string {
				t.Helper()
				snap, err := e.subj.Observe(context.Background(), e.clock.Now().Add(skew))
				if err != nil {
					t.Fatal(err)
				}
				return keyList(evaluate(t, e.subj, snap))
			}
			e.clock.Advance(30 * time.Second)
			if keys := observeSkewed(); len(keys) != 0 {
				t.Fatalf("healthy cluster seen from a skewed clock: %v", keys)
			}
			e.fault(`{"type":"kill-store","store":4}`)
			e.clock.Advance(21 * time.Second)
			found := false
			for _, k := range observeSkewed() {
				if strings.HasPrefix(k, "store-down/store=4 ") {
					found = true
				}
			}
			if !found {
				t.Fatalf("store 4 silent for 21s+ not seen from a clock skewed by %s", skew)
			}
		})
	}
}
