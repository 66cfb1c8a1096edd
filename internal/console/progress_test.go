package console

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/action/actiontest"
	"github.com/operator-dev/operator/internal/execute"
	"github.com/operator-dev/operator/internal/store/sqlite"
)

// The run page draws the progress as an SVG bar (no inline style: the
// CSP forbids it) with the figures beside it; a failed measure is said,
// the page still shown.
func TestActionPageShowsProgress(t *testing.T) {
	var (
		ex    *execute.Executor
		mu    sync.Mutex
		now   = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
		clock = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		d     = &actiontest.Draining{Still: actiontest.Still{Res: action.DryRunResult{Valid: true, Message: "ok"}}, Total: 1000}
	)
	d.Set(1000, nil)
	r := newRig(t, func(o *Options) {
		ex = execute.New(execute.Config{Execute: true}, o.Runs.(*sqlite.Store), map[string]execute.Subject{"tikv": {Actions: specs, Driver: d}}, nil, clock)
		o.Actions = ex
	})
	b := r.login(t, "victor")
	if _, body := b.get(t, "/ui/actions/1"); strings.Contains(body, "<svg") || strings.Contains(body, "Progress") {
		t.Fatalf("a proposal shows progress:\n%s", body)
	}
	if _, err := ex.Approve(t.Context(), r.run.ID, execute.Approver{Name: "alice", Role: "approver"}, ""); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // queued, then executing
		if err := ex.Once(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	d.Set(400, nil)
	resp, body := b.get(t, "/ui/actions/1")
	for _, want := range []string{
		`<h2>Progress</h2>`, `<svg class="progress"`, `aria-label="60% done"`, `<rect width="60" height="10" fill="#1565c0"/>`,
		"600/1000 regions (60%), 10.0 regions/s, ETA 40s; store 4 is Offline: PD is moving its regions away",
	} {
		if resp.StatusCode != 200 || !strings.Contains(body, want) {
			t.Errorf("run page under way: %d, lacks %q:\n%s", resp.StatusCode, want, body)
		}
	}
	if strings.Contains(body, "style=") {
		t.Errorf("the page has an inline style attribute, which the CSP blocks:\n%s", body)
	}

	d.Set(400, errors.New("read store 4: connection refused"))
	resp, body = b.get(t, "/ui/actions/1")
	if resp.StatusCode != 200 || strings.Contains(body, "<svg") || !strings.Contains(body, "It could not be measured: measure the progress of run 1 (split_region): read store 4: connection refused") {
		t.Fatalf("run page without a measure: %d\n%s", resp.StatusCode, body)
	}
}
