package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/auth"
	"github.com/operator-dev/operator/internal/store/sqlite"
	"github.com/operator-dev/operator/internal/ticket"
)

type apiRig struct {
	t     *testing.T
	srv   *httptest.Server
	st    *sqlite.Store
	now   time.Time
	token string // an admin's: every call is authenticated
}

// addUser creates an identity on the rig's store and returns its token.
func (r *apiRig) addUser(t testing.TB, name string, role auth.Role) string {
	t.Helper()
	tok, hash, err := auth.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.st.AddUser(context.Background(), auth.User{Name: name, Role: role, CreatedAt: r.now, CreatedBy: "test"}, hash); err != nil {
		t.Fatal(err)
	}
	return tok
}

func newAPIRig(t testing.TB) *apiRig {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "op.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r := &apiRig{st: st, now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	r.srv = httptest.NewServer(New(st, Options{Now: func() time.Time { return r.now }, ReopenWithin: time.Hour}))
	t.Cleanup(r.srv.Close)
	r.token = r.addUser(t, "root", auth.Admin)
	return r
}

func (r *apiRig) call(t testing.TB, method, path, body string) (int, string) {
	t.Helper()
	return r.callAs(t, r.token, method, path, body)
}

// postRaw is an authenticated POST that returns the raw response.
func (r *apiRig) postRaw(t testing.TB, path string, body io.Reader) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequest("POST", r.srv.URL+path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+r.token)
	return http.DefaultClient.Do(req)
}

func (r *apiRig) callAs(t testing.TB, token, method, path, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, r.srv.URL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func webhook(status string, alerts ...string) string {
	return `{"version":"4","status":"` + status + `","receiver":"operator","groupLabels":{},"commonLabels":{},` +
		`"commonAnnotations":{},"externalURL":"http://am:9093","alerts":[` + strings.Join(alerts, ",") + `]}`
}

func alert(status, name, instance, level string) string {
	return `{"status":"` + status + `","labels":{"alertname":"` + name + `","instance":"` + instance + `","level":"` + level + `"},` +
		`"annotations":{"summary":"` + name + ` on ` + instance + `"},"startsAt":"2026-11-25T11:59:00Z",` +
		`"endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prom/graph","fingerprint":"abc"}`
}

func TestAlertmanagerIntakeDedupsAndResolves(t *testing.T) {
	r := newAPIRig(t)
	firing := webhook("firing", alert("firing", "PD_cluster_lost_connect_tikv_nums", "pd-0:2379", "warning"),
		alert("firing", "PD_cluster_offline_tikv_nums", "pd-0:2379", "emergency"))
	code, body := r.call(t, "POST", "/api/v1/alerts/alertmanager", firing)
	var res []AlertResult
	if code != 200 || json.Unmarshal([]byte(body), &res) != nil || len(res) != 2 || res[0].Outcome != "opened" {
		t.Fatalf("first delivery: %d %s", code, body)
	}
	// Alertmanager re-sends every group_interval: no new tickets.
	r.now = r.now.Add(5 * time.Minute)
	code, body = r.call(t, "POST", "/api/v1/alerts/alertmanager", firing)
	json.Unmarshal([]byte(body), &res)
	if code != 200 || res[0].Outcome != "updated" || res[1].Outcome != "updated" {
		t.Fatalf("repeat: %d %s", code, body)
	}
	code, body = r.call(t, "GET", "/api/v1/tickets?state=open", "")
	var ts []ticket.Ticket
	if json.Unmarshal([]byte(body), &ts); code != 200 || len(ts) != 2 {
		t.Fatalf("list: %d %s", code, body)
	}
	for _, tk := range ts {
		if tk.Occurrences != 2 || tk.Subject != AlertmanagerSubject {
			t.Fatalf("ticket %+v", tk)
		}
		if strings.Contains(tk.DedupKey, "offline") && tk.Severity != ticket.Critical {
			t.Fatalf("emergency alert got severity %v", tk.Severity)
		}
	}
	code, body = r.call(t, "POST", "/api/v1/alerts/alertmanager",
		webhook("resolved", alert("resolved", "PD_cluster_offline_tikv_nums", "pd-0:2379", "emergency")))
	if json.Unmarshal([]byte(body), &res); code != 200 || res[0].Outcome != "resolved" {
		t.Fatalf("resolve: %d %s", code, body)
	}
	code, body = r.call(t, "POST", "/api/v1/alerts/alertmanager",
		webhook("resolved", alert("resolved", "Never_fired", "x", "warning")))
	if json.Unmarshal([]byte(body), &res); code != 200 || res[0].Outcome != "ignored" {
		t.Fatalf("resolved without ticket: %d %s", code, body)
	}
}

func TestAlertmanagerRejectsMalformedPayloads(t *testing.T) {
	r := newAPIRig(t)
	cases := map[string]struct {
		body string
		want string
	}{
		"not json":     {`{"version":`, "not a JSON webhook message"},
		"old version":  {strings.Replace(webhook("firing", alert("firing", "A", "i", "")), `"4"`, `"3"`, 1), `unsupported webhook version "3"`},
		"no alerts":    {webhook("firing"), "no alerts"},
		"bad status":   {webhook("firing", alert("exploding", "A", "i", "")), `status "exploding"`},
		"no alertname": {webhook("firing", strings.Replace(alert("firing", "A", "i", ""), `"alertname":"A",`, "", 1)), "no alertname"},
		"wrong types":  {`{"version":"4","alerts":[{"status":1}]}`, "not a JSON webhook message"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			code, body := r.call(t, "POST", "/api/v1/alerts/alertmanager", tc.body)
			var eb ErrorBody
			json.Unmarshal([]byte(body), &eb)
			if code != 400 || !strings.Contains(eb.Error, tc.want) {
				t.Fatalf("%d %s, want 400 mentioning %q", code, body, tc.want)
			}
		})
	}
	code, body := r.call(t, "GET", "/api/v1/tickets", "")
	if code != 200 || strings.TrimSpace(body) != "[]" {
		t.Fatalf("malformed payloads left tickets: %s", body)
	}
}

func TestTicketEndpoints(t *testing.T) {
	r := newAPIRig(t)
	r.call(t, "POST", "/api/v1/alerts/alertmanager", webhook("firing", alert("firing", "A", "i", "")))
	code, body := r.call(t, "GET", "/api/v1/tickets/1", "")
	var view TicketView
	if json.Unmarshal([]byte(body), &view); code != 200 || view.ID != 1 || len(view.Events) == 0 {
		t.Fatalf("get: %d %s", code, body)
	}
	cases := []struct {
		method, path, body string
		code               int
		want               string
	}{
		{"GET", "/api/v1/tickets/abc", "", 400, "ticket id"},
		{"GET", "/api/v1/tickets/99", "", 404, "not found"},
		{"GET", "/api/v1/tickets?state=bogus", "", 400, "bogus"},
		{"GET", "/api/v1/tickets?limit=-1", "", 400, "limit"},
		{"POST", "/api/v1/tickets/1/resolve", `{}`, 400, "reason is required"},
		{"POST", "/api/v1/tickets/1/resolve", `nope`, 400, "must be JSON"},
		{"POST", "/api/v1/tickets/99/resolve", `{"reason":"x"}`, 404, "not found"},
		{"POST", "/api/v1/tickets/1/resolve", `{"reason":"fixed by hand"}`, 200, `"state": "resolved"`},
		{"GET", "/healthz", "", 200, "ok"},
	}
	for _, tc := range cases {
		code, body := r.call(t, tc.method, tc.path, tc.body)
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("%s %s: %d %s, want %d mentioning %q", tc.method, tc.path, code, body, tc.code, tc.want)
		}
	}
}

func FuzzAlertmanagerWebhook(f *testing.F) {
	f.Add([]byte(webhook("firing", alert("firing", "A", "i", "critical"))))
	f.Add([]byte(webhook("resolved", alert("resolved", "A", "i", ""))))
	f.Add([]byte(`{"version":"4","alerts":[{"status":"firing","labels":{"alertname":""}}]}`))
	f.Add([]byte(`null`))
	r := newAPIRig(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		resp, err := r.postRaw(t, "/api/v1/alerts/alertmanager", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 && resp.StatusCode != 400 {
			t.Fatalf("status %d for %q", resp.StatusCode, body)
		}
	})
}

func newServer(t testing.TB, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}
