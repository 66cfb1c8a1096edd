package pdsim

import (
	"testing"
	"time"
)

func leaderSpread(c *Cluster) (lo, hi int) {
	lo = 1 << 30
	for _, s := range c.stores {
		lo, hi = min(lo, s.leaderCount), max(hi, s.leaderCount)
	}
	return lo, hi
}

func TestBalanceLeaderUndoesImbalanceUnlessPaused(t *testing.T) {
	for _, paused := range []bool{false, true} {
		name := map[bool]string{false: "active", true: "paused"}[paused]
		t.Run(name, func(t *testing.T) {
			s := newTestSim(t, Options{Stores: 5, Regions: 500})
			if paused {
				if code, body, _ := s.do("POST", "/pd/api/v1/schedulers/balance-leader-scheduler", `{"delay":86400}`); code != 200 {
					t.Fatalf("pause: %d %s", code, body)
				}
			}
			if err := s.c.Inject(Fault{Type: "leader-imbalance", Store: 1, Fraction: 0.9}); err != nil {
				t.Fatal(err)
			}
			lo, hi := leaderSpread(s.c)
			if hi-lo < 100 {
				t.Fatalf("fault made no imbalance: %d..%d", lo, hi)
			}
			s.clock.Advance(30 * time.Minute)
			s.c.Sync()
			lo, hi = leaderSpread(s.c)
			if paused && hi-lo < 100 {
				t.Fatalf("paused scheduler still balanced leaders: %d..%d", lo, hi)
			}
			if !paused && hi-lo > 10 {
				t.Fatalf("leaders not rebalanced after 30m: %d..%d", lo, hi)
			}
		})
	}
}

func TestRepairReplacesSchedulerOperator(t *testing.T) {
	s := newTestSim(t, Options{Stores: 5, Regions: 50})
	c := s.c
	r := c.byKey[0]
	from, to := r.leaderStore(), StoreID(0)
	var third StoreID
	for _, p := range r.Peers {
		switch {
		case p.StoreID == from:
		case to == 0:
			to = p.StoreID
		default:
			third = p.StoreID
		}
	}
	// Slow targets keep both transfers below running.
	c.stores[to].extraLatency = time.Hour
	old := newOperator("balance-leader-scheduler", "transfer leader", r, kindLeader,
		[]step{{kind: stepTransferLeader, from: from, to: to}}, c.now)
	if err := c.addOperator(old); err != nil {
		t.Fatal(err)
	}
	// An admin operator on another region with a peer on the same store.
	var r2 *Region
	var adminTo StoreID
	for _, cand := range c.byKey[1:] {
		if cand.peerOnStore(third) == nil || cand.leaderStore() == third {
			continue
		}
		for _, p := range cand.Peers {
			if p.StoreID != third && p.StoreID != cand.leaderStore() {
				r2, adminTo = cand, p.StoreID
			}
		}
		if r2 != nil {
			break
		}
	}
	if r2 == nil {
		t.Fatalf("no region shares store %d", third)
	}
	c.stores[adminTo].extraLatency = time.Hour
	admin := newOperator("admin-transfer-leader", "transfer leader", r2, kindAdmin|kindLeader,
		[]step{{kind: stepTransferLeader, from: r2.leaderStore(), to: adminTo}}, c.now)
	if err := c.addOperator(admin); err != nil {
		t.Fatal(err)
	}
	if code, body, _ := s.do("POST", "/pd/api/v1/store/"+itoa(uint64(third))+"/state?state=Offline", ""); code != 200 {
		t.Fatalf("offline: %d %s", code, body)
	}
	// Store limits refill at 15 peers/minute: a few seconds until a token.
	s.clock.Advance(10 * time.Second)
	c.Sync()
	if old.status != opReplaced {
		t.Fatalf("scheduler operator status = %v, want replaced", old.status)
	}
	cur := c.ops.running[r.ID]
	if cur == nil {
		cur = c.ops.records[r.ID]
	}
	if cur == nil || cur.desc != "replace-rule-offline-peer" {
		t.Fatalf("region's operator = %+v, want replace-rule-offline-peer", cur)
	}
	if admin.status != opStarted || c.ops.running[r2.ID] != admin {
		t.Fatalf("admin operator status = %v, want still running", admin.status)
	}
}
