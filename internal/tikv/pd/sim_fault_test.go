package pd_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

func TestSimPDErrorsReadsRetryWritesDoNot(t *testing.T) {
	for _, status := range []int{500, 503} {
		t.Run(http500or503(status), func(t *testing.T) {
			e := newSimEnv(t, pdsim.Options{}, func(c *pd.Config) { c.ReadAttempts = 4 })
			e.inject(pdsim.Fault{Type: "pd-errors", Count: 2, Status: status})
			before := e.requests.Load()
			stores, err := e.pd.GetStores(e.ctx(), pd.GetStoresOptions{})
			must(t, "read through two failures", err)
			if stores.Count != 5 {
				t.Fatalf("stores: %d", stores.Count)
			}
			if n := e.requests.Load() - before; n != 3 {
				t.Errorf("read took %d requests, want 3", n)
			}
			if left := e.status().PDErrorsLeft; left != 0 {
				t.Errorf("pd_errors_left %d after the read", left)
			}

			r := e.pickRegion()
			e.inject(pdsim.Fault{Type: "pd-errors", Count: 2, Status: status})
			writes := []struct {
				name string
				call func() error
			}{
				{"set schedule config", func() error {
					return e.pd.SetScheduleConfig(e.ctx(), pd.SchedulePatch{LeaderScheduleLimit: pd.Ptr(uint64(8))})
				}},
				{"create operator", func() error {
					return e.pd.CreateOperator(e.ctx(), pd.TransferLeader(r.ID, followerStore(t, r)))
				}},
			}
			for i, w := range writes {
				before := e.requests.Load()
				err := w.call()
				pe := wantPDError(t, w.name, err, pd.ErrUnavailable)
				if pe.Attempts != 1 || pe.Status != status || pe.Code != "PD:server:ErrServerNotStarted" || pe.Op == "" {
					t.Errorf("%s: %+v", w.name, pe)
				}
				if n := e.requests.Load() - before; n != 1 {
					t.Errorf("%s: %d requests sent, want exactly 1", w.name, n)
				}
				if left := e.status().PDErrorsLeft; left != 1-i {
					t.Errorf("%s: pd_errors_left %d, want %d: the write was retried", w.name, left, 1-i)
				}
			}
			// Neither write reached PD's logic.
			sc, err := e.pd.GetScheduleConfig(e.ctx())
			must(t, "schedule config", err)
			if sc.LeaderScheduleLimit == 8 {
				t.Error("the failed config write was applied")
			}
			_, err = e.pd.GetOperator(e.ctx(), r.ID)
			wantPDError(t, "operator of the failed create", err, pd.ErrNotFound)
			// With the fault used up, the same writes go through.
			for _, w := range writes {
				must(t, w.name+" after the fault", w.call())
			}
		})
	}
}

func http500or503(status int) string {
	if status == 503 {
		return "503"
	}
	return "500"
}

func TestSimPDErrorsReadsGiveUp(t *testing.T) {
	e := newSimEnv(t, pdsim.Options{}, func(c *pd.Config) { c.ReadAttempts = 3 })
	e.inject(pdsim.Fault{Type: "pd-errors"}) // until cleared
	before := e.requests.Load()
	_, err := e.pd.GetRegionCount(e.ctx())
	pe := wantPDError(t, "read while PD fails", err, pd.ErrUnavailable)
	if pe.Attempts != 3 || pe.Path != "/pd/api/v1/regions/count" || pe.Message != "[PD:server:ErrServerNotStarted]server not started" {
		t.Errorf("gave up with %+v", pe)
	}
	if n := e.requests.Load() - before; n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
	if left := e.status().PDErrorsLeft; left != -1 {
		t.Errorf("pd_errors_left %d, want -1 (until cleared)", left)
	}
	e.inject(pdsim.Fault{Type: "clear-pd-faults"})
	if n, err := e.pd.GetRegionCount(e.ctx()); err != nil || n != 300 {
		t.Fatalf("after clearing: %d, %v", n, err)
	}
}

// TestSimPDTruncate: a PD that dies mid-answer. The fault promises the
// status line and the first half of the body, then a broken connection;
// the client documents that as ErrBadResponse (a success status whose body
// could not be decoded), final, naming the endpoint.
func TestSimPDTruncate(t *testing.T) {
	e := newSimEnv(t, pdsim.Options{}, func(c *pd.Config) { c.ReadAttempts = 3 })
	r := e.pickRegion()
	must(t, "operator to read back", e.pd.CreateOperator(e.ctx(), pd.TransferLeader(r.ID, followerStore(t, r))))
	e.inject(pdsim.Fault{Type: "pd-truncate"})
	if !e.status().PDTruncate {
		t.Fatal("truncate fault not set")
	}
	for _, tc := range []struct {
		path string
		call func(ctx context.Context) error
	}{
		{"/pd/api/v1/regions/key?key=&limit=64", func(ctx context.Context) error { _, err := e.pd.GetRegionsByKey(ctx, "", 64); return err }},
		{"/pd/api/v1/regions", func(ctx context.Context) error { _, err := e.pd.GetRegions(ctx); return err }},
		{"/pd/api/v1/stores", func(ctx context.Context) error {
			_, err := e.pd.GetStores(ctx, pd.GetStoresOptions{})
			return err
		}},
		{"/pd/api/v1/config/schedule", func(ctx context.Context) error { _, err := e.pd.GetScheduleConfig(ctx); return err }},
		{"/pd/api/v1/operators/" + r.ID.String(), func(ctx context.Context) error { _, err := e.pd.GetOperator(ctx, r.ID); return err }},
	} {
		t.Run(strings.TrimPrefix(tc.path, "/pd/api/v1/"), func(t *testing.T) {
			before := e.requests.Load()
			err := tc.call(e.ctx())
			if err == nil {
				t.Fatal("a truncated answer decoded")
			}
			if !strings.Contains(err.Error(), tc.path) {
				t.Errorf("error %q does not name %s", err, tc.path)
			}
			pe := wantPDError(t, tc.path, err, pd.ErrBadResponse)
			if pe.Path != tc.path || pe.Status != 200 || pe.Attempts != 1 {
				t.Errorf("%+v", pe)
			}
			if n := e.requests.Load() - before; n != 1 {
				t.Errorf("%d requests, want 1 (a bad body is not retried)", n)
			}
		})
	}
	e.inject(pdsim.Fault{Type: "clear-pd-faults"})
	if _, err := e.pd.GetStores(e.ctx(), pd.GetStoresOptions{}); err != nil {
		t.Fatalf("after clearing: %v", err)
	}
}

func TestSimPDSlowTimesOut(t *testing.T) {
	e := newSimEnv(t, pdsim.Options{}, func(c *pd.Config) {
		c.Timeout = 200 * time.Millisecond
		c.ReadAttempts = 2
	})
	e.inject(pdsim.Fault{Type: "pd-slow", Latency: "5s"})
	t.Cleanup(func() { _ = e.cluster.Inject(pdsim.Fault{Type: "clear-pd-faults"}) })
	for _, tc := range []struct {
		name     string
		attempts int
		call     func() error
	}{
		{"read", 2, func() error { _, err := e.pd.GetStores(e.ctx(), pd.GetStoresOptions{}); return err }},
		{"write", 1, func() error {
			return e.pd.SetScheduleConfig(e.ctx(), pd.SchedulePatch{LeaderScheduleLimit: pd.Ptr(uint64(8))})
		}},
		{"read, the caller gives up first", 1, func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			_, err := e.pd.GetRegionCount(ctx)
			return err
		}},
	} {
		busy := e.inflight.Load() // handlers still stuck from an earlier case
		start := time.Now()
		err := tc.call()
		took := time.Since(start)
		pe := wantPDError(t, tc.name, err, pd.ErrUnavailable)
		if !errors.Is(err, context.DeadlineExceeded) || pe.Attempts != tc.attempts || pe.Status != 0 {
			t.Errorf("%s: %+v", tc.name, pe)
		}
		// Bounded by the client timeout, far below PD's 5 s latency.
		if took > 2*time.Second {
			t.Errorf("%s took %s", tc.name, took)
		}
		// The simulator is meant to drop a slowed request once its client
		// has gone (ServeHTTP selects on the request context); give its
		// goroutine a moment to notice.
		if !waitWall(time.Second, func() bool { return e.inflight.Load() <= busy }) {
			t.Errorf("%s: pdsim still handles the request 1s after the client gave up (pd-slow ignores the disconnect)", tc.name)
		}
	}
	e.inject(pdsim.Fault{Type: "clear-pd-faults"})
	sc, err := e.pd.GetScheduleConfig(e.ctx())
	must(t, "after clearing", err)
	if sc.LeaderScheduleLimit == 8 {
		t.Error("the timed-out write was applied after the client gave up")
	}
}

func TestSimNotBootstrapped(t *testing.T) {
	e := newSimEnv(t, pdsim.Options{NotBootstrapped: true}, nil)
	for name, call := range map[string]func() error{
		"stores":       func() error { _, err := e.pd.GetStores(e.ctx(), pd.GetStoresOptions{}); return err },
		"region count": func() error { _, err := e.pd.GetRegionCount(e.ctx()); return err },
		"store":        func() error { _, err := e.pd.GetStore(e.ctx(), 1); return err },
		"operators":    func() error { _, err := e.pd.GetOperators(e.ctx()); return err },
		"schedulers":   func() error { _, err := e.pd.GetSchedulers(e.ctx(), pd.SchedulersAll); return err },
	} {
		before := e.requests.Load()
		pe := wantPDError(t, name, call(), pd.ErrNotBootstrapped)
		if pe.Code != "PD:cluster:ErrNotBootstrapped" || pe.Status != 500 || pe.Attempts != 1 {
			t.Errorf("%s: %+v", name, pe)
		}
		if n := e.requests.Load() - before; n != 1 {
			t.Errorf("%s: %d requests (not retryable)", name, n)
		}
	}
	cl, err := e.pd.GetCluster(e.ctx())
	must(t, "cluster before bootstrap", err)
	if cl.ID == 0 {
		t.Errorf("cluster: %+v", cl)
	}
	cs, err := e.pd.GetClusterStatus(e.ctx())
	must(t, "cluster status before bootstrap", err)
	if cs.IsInitialized || !cs.RaftBootstrapTime.IsZero() {
		t.Errorf("cluster status: %+v", cs)
	}
	for name, call := range map[string]func() error{
		"health":          func() error { _, err := e.pd.GetHealth(e.ctx()); return err },
		"members":         func() error { _, err := e.pd.GetMembers(e.ctx()); return err },
		"schedule config": func() error { _, err := e.pd.GetScheduleConfig(e.ctx()); return err },
		"ping":            func() error { return e.pd.Ping(e.ctx()) },
	} {
		must(t, name+" before bootstrap", call())
	}
}

func TestSimReadOnlyClient(t *testing.T) {
	e := newSimEnv(t, pdsim.Options{}, nil)
	ro := e.client(func(c *pd.Config) { c.ReadOnly = true })
	if !ro.ReadOnly() || e.pd.ReadOnly() {
		t.Fatal("ReadOnly() does not report the config")
	}
	r := e.pickRegion()
	ctx := e.ctx()
	before := e.requests.Load()
	for name, err := range map[string]error{
		"set schedule config": ro.SetScheduleConfig(ctx, pd.SchedulePatch{LeaderScheduleLimit: pd.Ptr(uint64(8))}),
		"set store state":     ro.SetStoreState(ctx, 1, pd.StoreOffline),
		"delete store":        ro.DeleteStore(ctx, 1, true),
		"remove tombstones":   ro.RemoveTombstones(ctx),
		"create operator":     ro.CreateOperator(ctx, pd.TransferLeader(r.ID, followerStore(t, r))),
		"cancel operator":     ro.CancelOperator(ctx, r.ID),
		"add scheduler":       ro.AddScheduler(ctx, "evict-leader-scheduler", 1),
		"pause scheduler":     ro.PauseScheduler(ctx, "balance-leader-scheduler", time.Minute),
		"delete scheduler":    ro.DeleteScheduler(ctx, "balance-leader-scheduler"),
		"pause checker":       ro.PauseChecker(ctx, pd.CheckerRule, time.Minute),
		"start maintenance":   ro.StartMaintenance(ctx, "upgrade", "t1", "x"),
		"delete maintenance":  ro.DeleteMaintenance(ctx, "upgrade", "t1"),
	} {
		wantKind(t, name, err, pd.ErrReadOnly)
		var pe *pd.Error
		if errors.As(err, &pe) {
			t.Errorf("%s: %v came back as a PD answer", name, err)
		}
	}
	if n := e.requests.Load() - before; n != 0 {
		t.Fatalf("the read-only client sent %d requests", n)
	}
	// Reads work, and show that nothing changed.
	if st, err := ro.GetStore(ctx, 1); err != nil || st.Store.State != pd.StoreUp || st.Store.PhysicallyDestroyed {
		t.Errorf("store 1: %+v, %v", st, err)
	}
	if sc, err := ro.GetScheduleConfig(ctx); err != nil || sc.LeaderScheduleLimit == 8 {
		t.Errorf("schedule config: %v", err)
	}
	if _, err := ro.GetOperator(ctx, r.ID); !errors.Is(err, pd.ErrNotFound) {
		t.Errorf("operator of region %d: %v", r.ID, err)
	}
	if names, err := ro.GetSchedulers(ctx, pd.SchedulersAll); err != nil || len(names) != 5 {
		t.Errorf("schedulers: %v, %v", names, err)
	}
	if c, err := ro.GetChecker(ctx, pd.CheckerRule); err != nil || c.Paused {
		t.Errorf("rule checker: %+v, %v", c, err)
	}
	if tasks, err := ro.GetMaintenance(ctx); err != nil || len(tasks) != 0 {
		t.Errorf("maintenance: %+v, %v", tasks, err)
	}
	if n := e.requests.Load() - before; n == 0 {
		t.Error("reads through the read-only client sent nothing")
	}
}
