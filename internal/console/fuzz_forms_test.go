package console

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/action/actiontest"
	"github.com/operator-dev/operator/internal/auth"
	"github.com/operator-dev/operator/internal/execute"
	"github.com/operator-dev/operator/internal/store/sqlite"
	"github.com/operator-dev/operator/internal/ticket"
)

// FuzzFormPosts: a form post is outside input, even from a logged-in
// admin. Whatever the body and content type hold: no 5xx, no panic, and
// with a valid CSRF token the kill switch moves only on on=true|false.
// Login with any token never logs anyone in.
func FuzzFormPosts(f *testing.F) {
	for _, s := range []struct {
		path uint8
		body string
	}{{0, "reason=looks+right"}, {1, "reason="}, {2, "on=true&reason=incident"}, {2, "on=TRUE"}, {3, "token=op_x"},
		{0, "reason=%zz"}, {1, "reason=" + strings.Repeat("é", 500)}, {2, "on=true&on=false"}, {3, ""}, {0, "\x00;;&&=="}} {
		f.Add(s.path, s.body, true)
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(f.TempDir(), "op.db"), sqlite.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	drv := &actiontest.Still{Res: action.DryRunResult{Valid: true, Message: "ok"}}
	ex := execute.New(execute.Config{}, st, map[string]execute.Subject{"tikv": {Actions: specs, Driver: drv}}, nil, clock)
	srv := httptest.NewServer(New(Options{Store: st, Runs: st, Actions: ex, Now: clock}))
	f.Cleanup(srv.Close)
	tok, hash, err := auth.NewToken()
	if err != nil {
		f.Fatal(err)
	}
	if _, err := st.AddUser(ctx, auth.User{Name: "root", Role: auth.Admin, CreatedAt: now, CreatedBy: "test"}, hash); err != nil {
		f.Fatal(err)
	}
	tk, _, err := st.OpenOrTouch(ctx, ticket.Ticket{DedupKey: "hot-write-region/region=49", Invariant: "hot-write-region",
		Subject: "tikv", Severity: ticket.Warning, Summary: "hot"}, time.Hour, now)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := st.CreateRun(ctx, action.Run{TicketID: tk.ID, Subject: "tikv", Action: "split_region",
		Params: map[string]any{"region_id": 49}, State: action.Proposed, Risk: "low", CreatedBy: "diagnosis"}, now); err != nil {
		f.Fatal(err)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	send := func(t testing.TB, cookie *http.Cookie, method, path, contentType, body string) (*http.Response, string) {
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if cookie != nil {
			req.AddCookie(cookie)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, _ := send(f, nil, "POST", "/ui/login", "application/x-www-form-urlencoded", url.Values{"token": {tok}}.Encode())
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == cookieName {
			cookie = c
		}
	}
	if cookie == nil {
		f.Fatal("login set no session cookie")
	}
	_, page := send(f, cookie, "GET", "/ui/", "", "")
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		f.Fatal("no CSRF token on the overview")
	}
	csrf := m[1]
	paths := []string{"/ui/actions/1/approve", "/ui/actions/1/reject", "/ui/kill-switch", "/ui/login"}

	f.Fuzz(func(t *testing.T, which uint8, body string, form bool) {
		path := paths[int(which)%len(paths)]
		ct := "application/x-www-form-urlencoded"
		if !form {
			ct = "multipart/form-data; boundary=x"
		}
		c := cookie
		if path == "/ui/login" {
			c = nil
		} else if body != "" {
			body = "csrf=" + url.QueryEscape(csrf) + "&" + body
		}
		before, err := st.KillSwitch(ctx)
		if err != nil {
			t.Fatal(err)
		}
		resp, page := send(t, c, "POST", path, ct, body)
		if resp.StatusCode >= 500 {
			t.Fatalf("POST %s %q: %d %s", path, body, resp.StatusCode, page)
		}
		if path == "/ui/login" && resp.StatusCode == http.StatusSeeOther && !strings.Contains(body, tok) {
			for _, ck := range resp.Cookies() {
				if ck.Name == cookieName && ck.Value != "" {
					t.Fatalf("login with %q set a session", body)
				}
			}
		}
		after, err := st.KillSwitch(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if path == "/ui/kill-switch" && after.On != before.On {
			v, _ := url.ParseQuery(body)
			if on := v.Get("on"); !form || on != "true" && on != "false" {
				t.Fatalf("kill switch moved on %q", body)
			}
		}
		if after.On {
			send(t, cookie, "POST", "/ui/kill-switch", "application/x-www-form-urlencoded", url.Values{"csrf": {csrf}, "on": {"false"}}.Encode())
		}
	})
}
