package actions

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/tikv/pd"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

var pfT0 = time.Date(2026, 11, 24, 21, 0, 0, 0, time.UTC)

type pfEnv struct {
	t      *testing.T
	clock  *pdsim.ManualClock
	srv    *httptest.Server
	reader *pd.Client
	writer *pd.Client
	// leaderless makes GET /leader answer as PD does while it has no
	// leader: 200 with the body null (the handler renders a nil member).
	leaderless atomic.Bool
}

func newPFEnv(t *testing.T, opts pdsim.Options) *pfEnv {
	t.Helper()
	clock := pdsim.NewManualClock(pfT0)
	opts.Clock = clock
	e := &pfEnv{t: t, clock: clock}
	sim := pdsim.NewServer(pdsim.New(opts), "http://127.0.0.1:2379")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if e.leaderless.Load() && r.URL.Path == "/pd/api/v1/leader" {
			w.Header().Set("Content-Type", "application/json; charset=UTF-8")
			_, _ = io.WriteString(w, "null\n")
			return
		}
		sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	reader, err := pd.New(pd.Config{Endpoint: srv.URL, ReadOnly: true, RetryBackoff: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	writer, err := pd.New(pd.Config{Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(reader.Close)
	t.Cleanup(writer.Close)
	e.srv, e.reader, e.writer = srv, reader, writer
	return e
}

func (e *pfEnv) post(path, body string) {
	e.t.Helper()
	resp, err := http.Post(e.srv.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		e.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		e.t.Fatalf("POST %s %s: %d %s", path, body, resp.StatusCode, b)
	}
}

func (e *pfEnv) fault(body string) { e.t.Helper(); e.post("/pdsim/v1/faults", body) }

func (e *pfEnv) preflight(name string, params map[string]any) action.DryRunResult {
	e.t.Helper()
	res, err := Preflight(context.Background(), e.reader, name, params, PreflightOptions{})
	if err != nil {
		e.t.Fatalf("Preflight %s %v: %v", name, params, err)
	}
	e.t.Logf("%s %v: valid=%v %s\n  checked: %s\n  warnings: %v\n  predicted: %v",
		name, params, res.Valid, res.Message, strings.Join(res.Checked, "\n           "), res.Warnings, res.Predicted)
	return res
}

// follower returns a region with a voter on some store that does not lead
// it, and that store; with onStore set, the voter is on that store.
func (e *pfEnv) follower(onStore pd.StoreID) (pd.RegionInfo, pd.StoreID) {
	e.t.Helper()
	list, err := e.reader.GetRegionsByKey(context.Background(), "", 50)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range list.Regions {
		for _, q := range r.Peers {
			if q.StoreID != r.Leader.StoreID && isVoter(q) && (onStore == 0 || q.StoreID == onStore) {
				return r, q.StoreID
			}
		}
	}
	e.t.Fatal("no region with a follower")
	return pd.RegionInfo{}, 0
}

func wantInvalid(t *testing.T, res action.DryRunResult, substr string) {
	t.Helper()
	if res.Valid {
		t.Fatalf("valid, want invalid with %q", substr)
	}
	if !strings.Contains(res.Message, substr) {
		t.Fatalf("message %q does not say %q", res.Message, substr)
	}
}

func TestPreflightTransferLeader(t *testing.T) {
	e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
	r, to := e.follower(0)
	res := e.preflight(TransferLeader, map[string]any{"region_id": float64(r.ID), "to_store_id": float64(to)})
	if !res.Valid {
		t.Fatalf("invalid: %s", res.Message)
	}
	if res.Predicted["leader_from"] != uint64(r.Leader.StoreID) || res.Predicted["leader_to"] != uint64(to) {
		t.Errorf("predicted %v", res.Predicted)
	}
	if len(res.Checked) < 8 {
		t.Errorf("only %d checks: %v", len(res.Checked), res.Checked)
	}
	wantBlast(t, res, action.Blast{Stores: 2, Regions: 1})

	// To the store that already leads: a no-op touching that store only.
	res = e.preflight(TransferLeader, map[string]any{"region_id": float64(r.ID), "to_store_id": float64(r.Leader.StoreID)})
	wantValid(t, res)
	wantWarning(t, res, "nothing would change")
	wantBlast(t, res, action.Blast{Stores: 1, Regions: 1})
}

func TestPreflightTransferLeaderRefusals(t *testing.T) {
	t.Run("no voter on the target", func(t *testing.T) {
		e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
		r, _ := e.follower(0)
		var to pd.StoreID
		for s := pd.StoreID(1); s <= 5 && to == 0; s++ {
			has := false
			for _, q := range r.Peers {
				has = has || q.StoreID == s
			}
			if !has {
				to = s
			}
		}
		res := e.preflight(TransferLeader, map[string]any{"region_id": r.ID, "to_store_id": to})
		wantInvalid(t, res, fmt.Sprintf("store %d holds no replica of region %d", to, r.ID))
	})
	t.Run("target store low on space", func(t *testing.T) {
		e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
		r, to := e.follower(3)
		e.fault(`{"type":"fill-disk","store":3,"available_ratio":0.1}`)
		e.clock.Advance(10 * time.Second)
		res := e.preflight(TransferLeader, map[string]any{"region_id": r.ID, "to_store_id": to})
		wantInvalid(t, res, "target store 3 is low on space")
	})
	t.Run("scheduling halted", func(t *testing.T) {
		e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
		r, to := e.follower(0)
		e.post("/pd/api/v1/config/schedule", `{"halt-scheduling":"true"}`)
		res := e.preflight(TransferLeader, map[string]any{"region_id": r.ID, "to_store_id": to})
		wantInvalid(t, res, "PD scheduling is halted")
	})
	t.Run("target store down", func(t *testing.T) {
		e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
		e.post("/pd/api/v1/config/schedule", `{"max-store-down-time":"1m"}`)
		r, to := e.follower(2)
		e.fault(`{"type":"kill-store","store":2}`)
		e.clock.Advance(70 * time.Second)
		res := e.preflight(TransferLeader, map[string]any{"region_id": r.ID, "to_store_id": to})
		wantInvalid(t, res, "store 2 is Down, not Up")
	})
	t.Run("operator running", func(t *testing.T) {
		e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
		r, to := e.follower(0)
		var other pd.StoreID
		for _, q := range r.Peers {
			if q.StoreID != to && q.StoreID != r.Leader.StoreID {
				other = q.StoreID
			}
		}
		if err := e.writer.CreateOperator(context.Background(), pd.TransferLeader(r.ID, other)); err != nil {
			t.Fatal(err)
		}
		res := e.preflight(TransferLeader, map[string]any{"region_id": r.ID, "to_store_id": to})
		wantInvalid(t, res, "already has an operator")
	})
	t.Run("region missing", func(t *testing.T) {
		e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
		res := e.preflight(TransferLeader, map[string]any{"region_id": 999999, "to_store_id": 1})
		wantInvalid(t, res, "region 999999 does not exist")
	})
}

func TestPreflightDrainStore(t *testing.T) {
	t.Run("room and quorum", func(t *testing.T) {
		e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
		res := e.preflight(DrainStore, map[string]any{"store_id": 1})
		if !res.Valid {
			t.Fatalf("invalid: %s", res.Message)
		}
		if n, _ := res.Predicted["regions_to_move"].(int); n == 0 {
			t.Errorf("predicted %v", res.Predicted)
		}
		if b, _ := res.Predicted["bytes_to_move"].(uint64); b == 0 {
			t.Errorf("predicted %v", res.Predicted)
		}
	})
	t.Run("another store down loses quorum", func(t *testing.T) {
		e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
		e.fault(`{"type":"kill-store","store":2}`)
		e.clock.Advance(30 * time.Second)
		res := e.preflight(DrainStore, map[string]any{"store_id": 1})
		wantInvalid(t, res, "without a majority of healthy voters")
		if !strings.Contains(res.Message, "store 2 Disconnected") {
			t.Errorf("message does not name the other store: %s", res.Message)
		}
	})
	// The usual way to retire a dead store: drain it (pd-ctl store
	// delete). Its own replicas count as lost; the others keep quorum.
	t.Run("the dead store itself", func(t *testing.T) {
		e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
		e.post("/pd/api/v1/checker/rule", `{"delay":7200}`) // keep its replicas where they are
		e.fault(`{"type":"kill-store","store":2}`)
		e.clock.Advance(31 * time.Minute)
		if st, _ := e.reader.GetStore(context.Background(), 2); st.Store.StateName != pd.StateNameDown {
			t.Fatalf("store 2 is %s, want Down", st.Store.StateName)
		}
		if res := e.preflight(DrainStore, map[string]any{"store_id": 2}); !res.Valid {
			t.Fatalf("draining the Down store: %s\n%v", res.Message, res.Checked)
		}
		e.fault(`{"type":"kill-store","store":3}`)
		e.clock.Advance(30 * time.Second)
		wantInvalid(t, e.preflight(DrainStore, map[string]any{"store_id": 2}), "without a majority of healthy voters")
	})
	t.Run("already Offline", func(t *testing.T) {
		e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
		e.post("/pd/api/v1/store/1/state?state=Offline", "")
		wantInvalid(t, e.preflight(DrainStore, map[string]any{"store_id": 1}), "already being drained")
	})
	t.Run("too few stores", func(t *testing.T) {
		e := newPFEnv(t, pdsim.Options{Stores: 3, Regions: 30})
		res := e.preflight(DrainStore, map[string]any{"store_id": 1})
		wantInvalid(t, res, "only 2 other Up stores would remain")
	})
}

func TestPreflightOthers(t *testing.T) {
	e := newPFEnv(t, pdsim.Options{Stores: 5, Regions: 100})
	wantInvalid(t, e.preflight("reboot-the-world", nil), "not an action in the registry")
	if res := e.preflight(SetLeaderScheduleLimit, map[string]any{"value": 8}); !res.Valid {
		t.Errorf("set_leader_schedule_limit: %s", res.Message)
	}
	wantInvalid(t, e.preflight(SetLeaderScheduleLimit, map[string]any{"value": 0}), "outside the registry's range")
	wantInvalid(t, e.preflight(SetLeaderScheduleLimit, map[string]any{"value": 2.5}), "not a limit PD accepts")
	if res := e.preflight(PauseScheduler, map[string]any{"name": "balance-region-scheduler", "for": "10m"}); !res.Valid {
		t.Errorf("pause_scheduler: %s", res.Message)
	}
	r, _ := e.follower(0)
	if res := e.preflight(SplitRegion, map[string]any{"region_id": r.ID, "policy": "approximate"}); !res.Valid {
		t.Errorf("split_region: %s", res.Message)
	}
}

func TestPreflightPDUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c, err := pd.New(pd.Config{Endpoint: url, ReadAttempts: 1, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := Preflight(context.Background(), c, TransferLeader, map[string]any{"region_id": 2, "to_store_id": 1}, PreflightOptions{}); err == nil {
		t.Fatal("no error from an unreachable PD")
	}
}
