package api

import (
	"context"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/action/actiontest"
	"github.com/operator-dev/operator/internal/auth"
	"github.com/operator-dev/operator/internal/execute"
	"github.com/operator-dev/operator/internal/store/sqlite"
	"github.com/operator-dev/operator/internal/subject"
)

// GET /api/v1/actions/{id} carries the run's progress once it executed,
// measured at the time of the request; the client reads it back with its
// ETA; a measure that fails is said, and the run is still shown.
func TestRunViewProgress(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "op.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var mu sync.Mutex
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	d := &actiontest.Draining{Still: actiontest.Still{Res: action.DryRunResult{Valid: true, Message: "ok"}}, Total: 1000}
	d.Set(1000, nil)
	ex := execute.New(execute.Config{Execute: true}, st, map[string]execute.Subject{"tikv": {Actions: apiSpecs, Driver: d}}, nil, clock)
	r := &apiRig{st: st, now: clock()}
	r.srv = httptest.NewServer(New(st, Options{Now: clock, Runs: st, Actions: ex, Registry: map[string][]subject.ActionSpec{"tikv": apiSpecs}}))
	t.Cleanup(r.srv.Close)
	r.token = r.addUser(t, "root", auth.Admin)
	run, err := st.CreateRun(ctx, action.Run{Subject: "tikv", Action: "split_region", Params: map[string]any{"region_id": 49},
		State: action.Proposed, Risk: "low", CreatedBy: "alice"}, clock())
	if err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/actions/1"
	if code, body := r.call(t, "GET", path, ""); code != 200 || strings.Contains(body, `"progress`) {
		t.Fatalf("a proposed run: %d %s, want no progress", code, body)
	}

	if _, err := ex.Approve(ctx, run.ID, execute.Approver{Name: "bob", Role: "approver"}, ""); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // queued, then executing
		if err := ex.Once(ctx); err != nil {
			t.Fatal(err)
		}
	}
	advance(time.Minute)
	d.Set(400, nil)
	code, body := r.call(t, "GET", path, "")
	for _, want := range []string{`"state": "executing"`, `"done": 600`, `"total": 1000`, `"unit": "regions"`, `"rate": 10`, `"eta_seconds": 40`, `"finished": false`, `"note": "store 4 is Offline`} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("run under way: %d, lacks %s:\n%s", code, want, body)
		}
	}
	v, err := NewClient(r.srv.URL, r.token).Run(ctx, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p := v.Progress; p == nil || p.String() != "600/1000 regions (60%), 10.0 regions/s, ETA 40s; store 4 is Offline: PD is moving its regions away" {
		t.Fatalf("the client read progress %+v", p)
	}

	d.Set(0, errors.New("read store 4: connection refused"))
	code, body = r.call(t, "GET", path, "")
	if code != 200 || strings.Contains(body, `"progress":`) || !strings.Contains(body, `"progress_error": "measure the progress of run 1 (split_region): read store 4: connection refused"`) {
		t.Fatalf("an unmeasurable run: %d %s", code, body)
	}
}
