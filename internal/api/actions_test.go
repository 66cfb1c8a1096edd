package api

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/action/actiontest"
	"github.com/operator-dev/operator/internal/auth"
	"github.com/operator-dev/operator/internal/execute"
	"github.com/operator-dev/operator/internal/store/sqlite"
	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/ticket"
)

var apiSpecs = []subject.ActionSpec{{Name: "split_region", Risk: subject.RiskLow, Reversibility: subject.Irreversible,
	BlastRadius: "one region becomes two", Timeout: time.Minute,
	Params: []subject.ParamSpec{{Name: "region_id", Type: subject.ParamRegionID, Required: true}}}}

func newActionRig(t testing.TB, mode bool) (*apiRig, *actiontest.Still, action.Run) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "op.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r := &apiRig{st: st, now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	d := &actiontest.Still{Res: action.DryRunResult{Valid: true, Message: "ok"}}
	ex := execute.New(execute.Config{Execute: mode}, st, map[string]execute.Subject{"tikv": {Actions: apiSpecs, Driver: d}},
		nil, func() time.Time { return r.now })
	r.srv = httptest.NewServer(New(st, Options{Now: func() time.Time { return r.now }, Runs: st, Actions: ex,
		Registry: map[string][]subject.ActionSpec{"tikv": apiSpecs}}))
	t.Cleanup(r.srv.Close)
	r.token = r.addUser(t, "root", auth.Admin)
	tk, _, err := st.OpenOrTouch(ctx, ticket.Ticket{DedupKey: "hot-write-region/region=49", Invariant: "hot-write-region",
		Subject: "tikv", Severity: ticket.Warning, Summary: "hot"}, time.Hour, r.now)
	if err != nil {
		t.Fatal(err)
	}
	run, err := st.CreateRun(ctx, action.Run{TicketID: tk.ID, Subject: "tikv", Action: "split_region",
		Params: map[string]any{"region_id": 49}, State: action.Proposed, Risk: "low", CreatedBy: "diagnosis"}, r.now)
	if err != nil {
		t.Fatal(err)
	}
	return r, d, run
}

func TestActionEndpoints(t *testing.T) {
	r, d, run := newActionRig(t, true)
	code, body := r.call(t, "GET", "/api/v1/actions?state=proposed", "")
	if code != 200 || !strings.Contains(body, `"action": "split_region"`) {
		t.Fatalf("list: %d %s", code, body)
	}
	code, body = r.call(t, "GET", "/api/v1/actions/1", "")
	var v RunView
	if code != 200 || json.Unmarshal([]byte(body), &v) != nil || v.Spec == nil || v.Spec.Reversibility != "irreversible" || v.Approvals == nil {
		t.Fatalf("show: %d %s", code, body)
	}
	for _, tt := range []struct {
		name, method, path, body string
		code                     int
		want                     string
	}{
		{"unknown field", "POST", "/api/v1/actions/1/approve", `{"actor":"mallory","force":true}`, 400, "unknown field"},
		{"bad id", "GET", "/api/v1/actions/x", "", 400, "not a positive number"},
		{"missing", "GET", "/api/v1/actions/99", "", 404, "not found"},
		{"bad state", "GET", "/api/v1/actions?state=done", "", 400, "unknown state"},
		{"reject without reason", "POST", "/api/v1/actions/1/reject", `{}`, 400, "why"},
		{"cancel a proposal", "POST", "/api/v1/actions/1/cancel", `{}`, 409, "reject it instead"},
		{"dry run", "POST", "/api/v1/actions/1/approve", `{"dry_run":true}`, 200, `"valid": true`},
	} {
		code, body := r.call(t, tt.method, tt.path, tt.body)
		if code != tt.code || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %d %s, want %d with %q", tt.name, code, body, tt.code, tt.want)
		}
	}
	d.Res = action.DryRunResult{Valid: false, Message: "store 99 does not exist"}
	if code, body := r.call(t, "POST", "/api/v1/actions/1/approve", `{}`); code != 422 || !strings.Contains(body, "store 99") {
		t.Fatalf("approve with a failing preflight: %d %s", code, body)
	}
	d.Res = action.DryRunResult{Valid: true}
	if code, body := r.call(t, "POST", "/api/v1/actions/1/approve", `{"reason":"go"}`); code != 200 || !strings.Contains(body, `"state": "approved"`) {
		t.Fatalf("approve: %d %s", code, body)
	}
	code, body = r.call(t, "POST", "/api/v1/kill-switch", `{"on":true,"reason":"incident"}`)
	if code != 200 || !strings.Contains(body, `"on": true`) || !strings.Contains(body, `"cancelled": [`) {
		t.Fatalf("kill switch on: %d %s", code, body)
	}
	if got, _ := r.st.GetRun(t.Context(), run.ID); got.State != action.Cancelled {
		t.Fatalf("run after the kill switch: %s", got.State)
	}
	if code, body := r.call(t, "GET", "/api/v1/kill-switch", ""); code != 200 || !strings.Contains(body, `"actor": "root"`) {
		t.Fatalf("kill switch status: %d %s", code, body)
	}
}

func TestApproveInObserveOnlyMode(t *testing.T) {
	r, _, _ := newActionRig(t, false)
	code, body := r.call(t, "POST", "/api/v1/actions/1/approve", `{}`)
	if code != 409 || !strings.Contains(body, "observe") {
		t.Fatalf("approve in observe mode: %d %s", code, body)
	}
}

func TestActionEndpointsWithoutAnExecutor(t *testing.T) {
	r := newAPIRig(t)
	if code, body := r.call(t, "GET", "/api/v1/actions", ""); code != 503 || !strings.Contains(body, "no executor") {
		t.Fatalf("%d %s", code, body)
	}
}

func TestPlanEndpoint(t *testing.T) {
	r, _, _ := newActionRig(t, true)
	code, body := r.call(t, "POST", "/api/v1/plans", `{"ticket_id":1,"steps":[
		{"action":"split_region","params":{"region_id":49}},{"action":"split_region","params":{"region_id":50}}]}`)
	if code != 201 || !strings.Contains(body, `"plan_step": 2`) || !strings.Contains(body, `"plan_id": 2`) {
		t.Fatalf("create plan: %d %s", code, body)
	}
	for _, tt := range []struct{ body, want string }{
		{`{"steps":[{"action":"split_region","params":{"region_id":49}}]}`, "at least two steps"},
		{`{"steps":[{"action":"split_region"},{"action":"drop_table"}]}`, "is not an action in the tikv registry"},
		{`{"actor":"a","steps":[]}`, "unknown field"},
	} {
		if code, body := r.call(t, "POST", "/api/v1/plans", tt.body); code != 400 || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %d %s, want 400 with %q", tt.body, code, body, tt.want)
		}
	}
}
