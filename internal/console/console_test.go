package console

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/action/actiontest"
	"github.com/operator-dev/operator/internal/auth"
	"github.com/operator-dev/operator/internal/execute"
	"github.com/operator-dev/operator/internal/overview"
	"github.com/operator-dev/operator/internal/store/sqlite"
	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/ticket"
)

var specs = []subject.ActionSpec{{Name: "split_region", Description: "Split a region in two", Risk: subject.RiskLow,
	Reversibility: subject.Irreversible, BlastRadius: "one region becomes two", Preconditions: []string{"the region exists"},
	Timeout: time.Minute, Params: []subject.ParamSpec{{Name: "region_id", Type: subject.ParamRegionID, Required: true}}}}

const evilSummary = `hot region <script>alert("x")</script>`

type rig struct {
	st   *sqlite.Store
	srv  *httptest.Server
	now  time.Time
	tk   ticket.Ticket
	run  action.Run
	drv  *actiontest.Still
	hist *overview.History
	toks map[string]string // user name -> token
}

// newRig serves the console over a real store and executor; opts, if
// given, change its Options before it is built.
func newRig(t *testing.T, opts ...func(*Options)) *rig {
	t.Helper()
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "op.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r := &rig{st: st, now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC), toks: map[string]string{},
		hist: overview.NewHistory(10, 20)}
	clock := func() time.Time { return r.now }
	r.drv = &actiontest.Still{Res: action.DryRunResult{Valid: true, Message: "all preconditions hold", Warnings: []string{"region 49 is small"},
		Blast: &action.Blast{Stores: 3, Regions: 1}}}
	ex := execute.New(execute.Config{Execute: true}, st, map[string]execute.Subject{"tikv": {Actions: specs, Driver: r.drv}}, nil, clock)
	o := Options{Store: st, Runs: st, Actions: ex, Registry: map[string][]subject.ActionSpec{"tikv": specs}, Now: clock, Overview: r.hist}
	for _, f := range opts {
		f(&o)
	}
	r.srv = httptest.NewServer(New(o))
	t.Cleanup(r.srv.Close)
	for name, role := range map[string]auth.Role{"root": auth.Admin, "alice": auth.Approver, "victor": auth.Viewer} {
		tok, hash, err := auth.NewToken()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.AddUser(ctx, auth.User{Name: name, Role: role, CreatedAt: r.now, CreatedBy: "test"}, hash); err != nil {
			t.Fatal(err)
		}
		r.toks[name] = tok
	}
	if r.tk, _, err = st.OpenOrTouch(ctx, ticket.Ticket{DedupKey: "hot-write-region/region=49", Invariant: "hot-write-region",
		Subject: "tikv", Severity: ticket.Warning, Summary: evilSummary}, time.Hour, r.now); err != nil {
		t.Fatal(err)
	}
	if r.run, err = st.CreateRun(ctx, action.Run{TicketID: r.tk.ID, Subject: "tikv", Action: "split_region",
		Params: map[string]any{"region_id": 49}, State: action.Proposed, Risk: "low", CreatedBy: "diagnosis"}, r.now); err != nil {
		t.Fatal(err)
	}
	return r
}

// browser is one person's cookie, kept by hand so the tests see every
// redirect instead of following it.
type browser struct {
	r      *rig
	cookie *http.Cookie
}

func (r *rig) client() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (b *browser) do(t *testing.T, method, path string, form url.Values, header http.Header) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.r.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if b.cookie != nil {
		req.AddCookie(b.cookie)
	}
	resp, err := b.r.client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(data)
}

func (b *browser) get(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	return b.do(t, "GET", path, nil, nil)
}

func (b *browser) post(t *testing.T, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	return b.do(t, "POST", path, form, nil)
}

// login logs in as name and returns the browser holding the session.
func (r *rig) login(t *testing.T, name string) *browser {
	t.Helper()
	b := &browser{r: r}
	resp, body := b.post(t, "/ui/login", url.Values{"token": {r.toks[name]}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/" {
		t.Fatalf("login as %s: %d %s", name, resp.StatusCode, body)
	}
	for _, c := range resp.Cookies() {
		if c.Name == cookieName {
			b.cookie = c
		}
	}
	if b.cookie == nil {
		t.Fatalf("login as %s set no session cookie", name)
	}
	return b
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the session's CSRF token off a page, as a browser would.
func (b *browser) csrf(t *testing.T) string {
	t.Helper()
	_, body := b.get(t, "/ui/")
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token on the overview:\n%s", body)
	}
	return m[1]
}

func (r *rig) runState(t *testing.T) action.State {
	t.Helper()
	got, err := r.st.GetRun(t.Context(), r.run.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got.State
}

func TestUnauthenticatedIsSentToLogin(t *testing.T) {
	r := newRig(t)
	anon := &browser{r: r}
	for _, path := range []string{"/ui/", "/ui/tickets/1", "/ui/actions/1", "/ui/audit"} {
		resp, _ := anon.get(t, path)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/login" {
			t.Errorf("GET %s without a session: %d to %q", path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	anon.cookie = &http.Cookie{Name: cookieName, Value: "made-up"}
	if resp, _ := anon.get(t, "/ui/"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a made-up session id: %d", resp.StatusCode)
	}
	resp, body := anon.get(t, "/ui/login")
	if resp.StatusCode != 200 || !strings.Contains(body, `name="token"`) {
		t.Fatalf("login form: %d %s", resp.StatusCode, body)
	}
}

func TestLogin(t *testing.T) {
	r := newRig(t)
	anon := &browser{r: r}
	resp, body := anon.post(t, "/ui/login", url.Values{"token": {"optk_not-a-real-token"}})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "unknown or revoked token") || len(resp.Cookies()) != 0 {
		t.Fatalf("bad token: %d %v %s", resp.StatusCode, resp.Cookies(), body)
	}
	b := r.login(t, "alice")
	c := b.cookie
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/ui/" || len(c.Value) < 43 {
		t.Fatalf("session cookie: %+v", c)
	}
	if strings.Contains(c.Value, r.toks["alice"]) {
		t.Fatal("the cookie carries the token")
	}
	resp, body = b.get(t, "/ui/")
	if resp.StatusCode != 200 || !strings.Contains(body, "alice (approver)") {
		t.Fatalf("overview after login: %d %s", resp.StatusCode, body)
	}
	// Logging out ends the session on the server, not just in the browser.
	b.post(t, "/ui/logout", url.Values{"csrf": {b.csrf(t)}})
	if resp, _ := b.get(t, "/ui/"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the old session still works after logout: %d", resp.StatusCode)
	}
}

func TestOverviewListsTicketsAndRuns(t *testing.T) {
	r := newRig(t)
	_, body := r.login(t, "victor").get(t, "/ui/")
	for _, want := range []string{`href="/ui/tickets/1"`, "hot-write-region/region=49", "warning",
		`href="/ui/actions/1"`, "split_region region_id=49", "proposed", "Kill switch: off"} {
		if !strings.Contains(body, want) {
			t.Errorf("overview lacks %q", want)
		}
	}
	if strings.Contains(body, `action="/ui/kill-switch"`) {
		t.Error("a viewer is offered the kill switch")
	}
}

func TestUntrustedTextIsEscaped(t *testing.T) {
	r := newRig(t)
	b := r.login(t, "victor")
	for _, path := range []string{"/ui/", "/ui/tickets/1"} {
		_, body := b.get(t, path)
		if strings.Contains(body, "<script>") {
			t.Fatalf("%s renders a ticket's <script> as markup", path)
		}
		if !strings.Contains(body, "&lt;script&gt;") {
			t.Fatalf("%s lacks the escaped summary:\n%s", path, body)
		}
	}
}

func TestActionPage(t *testing.T) {
	r := newRig(t)
	_, body := r.login(t, "alice").get(t, "/ui/actions/1")
	for _, want := range []string{"split_region region_id=49", "irreversible", "one region becomes two", "the region exists",
		"valid: all preconditions hold", "region 49 is small", "3 store(s), 1 region(s)", `action="/ui/actions/1/approve"`,
		`action="/ui/actions/1/reject"`, `href="/ui/tickets/1"`} {
		if !strings.Contains(body, want) {
			t.Errorf("action page lacks %q", want)
		}
	}
}

func TestApproverApprovesThroughTheForm(t *testing.T) {
	r := newRig(t)
	b := r.login(t, "alice")
	resp, body := b.post(t, "/ui/actions/1/approve", url.Values{"csrf": {b.csrf(t)}, "reason": {"looks right"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/actions/1" {
		t.Fatalf("approve: %d %s", resp.StatusCode, body)
	}
	if got := r.runState(t); got != action.Approved {
		t.Fatalf("run after approval: %s", got)
	}
	_, body = b.get(t, "/ui/actions/1")
	if !strings.Contains(body, "Run 1 approved.") || !strings.Contains(body, "alice (approver): looks right") {
		t.Fatalf("page after approval lacks the flash or the approval:\n%s", body)
	}
	if strings.Contains(body, `action="/ui/actions/1/approve"`) {
		t.Error("an approved run still offers Approve")
	}
	// The flash is shown once.
	if _, body = b.get(t, "/ui/actions/1"); strings.Contains(body, "Run 1 approved.") {
		t.Error("the flash message came back")
	}
}

func TestExecutorRefusalIsShownEscaped(t *testing.T) {
	r := newRig(t)
	r.drv.Res = action.DryRunResult{Valid: false, Message: `store <b>99</b> does not exist`}
	b := r.login(t, "alice")
	b.post(t, "/ui/actions/1/approve", url.Values{"csrf": {b.csrf(t)}})
	if got := r.runState(t); got != action.Proposed {
		t.Fatalf("run after a refused approval: %s", got)
	}
	_, body := b.get(t, "/ui/actions/1")
	if !strings.Contains(body, "Not approved: approve run 1: preflight refused: store &lt;b&gt;99&lt;/b&gt; does not exist") {
		t.Fatalf("page lacks the escaped refusal:\n%s", body)
	}
}

func TestRejectNeedsAReason(t *testing.T) {
	r := newRig(t)
	b := r.login(t, "alice")
	b.post(t, "/ui/actions/1/reject", url.Values{"csrf": {b.csrf(t)}, "reason": {"  "}})
	if got := r.runState(t); got != action.Proposed {
		t.Fatalf("rejected without a reason: %s", got)
	}
	b.post(t, "/ui/actions/1/reject", url.Values{"csrf": {b.csrf(t)}, "reason": {"wrong region"}})
	if got := r.runState(t); got != action.Rejected {
		t.Fatalf("run after reject: %s", got)
	}
}

func TestPostsWithoutTheRightCSRFTokenAreRefused(t *testing.T) {
	r := newRig(t)
	alice := r.login(t, "alice")
	root := r.login(t, "root")
	other := root.csrf(t) // a real token, of another session
	for name, form := range map[string]url.Values{
		"no token":            {"reason": {"x"}},
		"wrong token":         {"csrf": {"AAAA"}, "reason": {"x"}},
		"another's token":     {"csrf": {other}, "reason": {"x"}},
		"token in query only": nil,
	} {
		path := "/ui/actions/1/approve"
		if form == nil {
			path += "?csrf=" + url.QueryEscape(alice.csrf(t))
			form = url.Values{"reason": {"x"}}
		}
		resp, _ := alice.post(t, path, form)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, resp.StatusCode)
		}
	}
	resp, _ := alice.do(t, "POST", "/ui/actions/1/approve", url.Values{"csrf": {alice.csrf(t)}},
		http.Header{"Origin": {"https://evil.example"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin post with a good token: %d, want 403", resp.StatusCode)
	}
	if resp, _ := root.post(t, "/ui/kill-switch", url.Values{"on": {"true"}, "reason": {"x"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("kill switch without a token: %d", resp.StatusCode)
	}
	if got := r.runState(t); got != action.Proposed {
		t.Fatalf("a refused post changed the run: %s", got)
	}
	if ks, _ := r.st.KillSwitch(t.Context()); ks.On {
		t.Fatal("a refused post turned the kill switch on")
	}
}

func TestViewerCannotDecide(t *testing.T) {
	r := newRig(t)
	b := r.login(t, "victor")
	_, body := b.get(t, "/ui/actions/1")
	if strings.Contains(body, "/approve") || strings.Contains(body, "/reject") {
		t.Fatal("a viewer is shown the approve or reject form")
	}
	tok := b.csrf(t)
	for _, path := range []string{"/ui/actions/1/approve", "/ui/actions/1/reject", "/ui/kill-switch"} {
		resp, body := b.post(t, path, url.Values{"csrf": {tok}, "reason": {"forged"}, "on": {"true"}})
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "victor is viewer") {
			t.Errorf("viewer POST %s: %d %s", path, resp.StatusCode, body)
		}
	}
	if got := r.runState(t); got != action.Proposed {
		t.Fatalf("a viewer's post changed the run: %s", got)
	}
	// An approver is not an admin either.
	a := r.login(t, "alice")
	if resp, _ := a.post(t, "/ui/kill-switch", url.Values{"csrf": {a.csrf(t)}, "on": {"true"}, "reason": {"x"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("approver kill switch: %d", resp.StatusCode)
	}
}

func TestAdminFlipsTheKillSwitch(t *testing.T) {
	r := newRig(t)
	b := r.login(t, "root")
	if _, body := b.get(t, "/ui/"); !strings.Contains(body, `action="/ui/kill-switch"`) {
		t.Fatal("an admin is not offered the kill switch")
	}
	resp, _ := b.post(t, "/ui/kill-switch", url.Values{"csrf": {b.csrf(t)}, "on": {"true"}, "reason": {"incident"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("kill switch: %d", resp.StatusCode)
	}
	ks, err := r.st.KillSwitch(t.Context())
	if err != nil || !ks.On || ks.Actor != "root" {
		t.Fatalf("kill switch after the form: %+v %v", ks, err)
	}
	if _, body := b.get(t, "/ui/"); !strings.Contains(body, "Kill switch: ON") {
		t.Fatal("overview does not show the switch on")
	}
}

func TestRevokedUserIsLoggedOutAtOnce(t *testing.T) {
	r := newRig(t)
	b := r.login(t, "alice")
	tok := b.csrf(t)
	if _, err := r.st.RevokeUser(t.Context(), "alice", "root", r.now); err != nil {
		t.Fatal(err)
	}
	resp, _ := b.get(t, "/ui/")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/login" {
		t.Fatalf("revoked user's page: %d", resp.StatusCode)
	}
	resp, _ = b.post(t, "/ui/actions/1/approve", url.Values{"csrf": {tok}})
	if resp.StatusCode != http.StatusSeeOther || r.runState(t) != action.Proposed {
		t.Fatalf("revoked user's approval: %d, run %s", resp.StatusCode, r.runState(t))
	}
}

func TestSessionExpires(t *testing.T) {
	r := newRig(t)
	b := r.login(t, "alice")
	r.now = r.now.Add(sessionTTL + time.Second)
	if resp, _ := b.get(t, "/ui/"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("expired session: %d", resp.StatusCode)
	}
}

func TestAuditPage(t *testing.T) {
	r := newRig(t)
	resp, body := r.login(t, "victor").get(t, "/ui/audit")
	if resp.StatusCode != 200 || !strings.Contains(body, "chain intact") || !strings.Contains(body, "run/1") {
		t.Fatalf("audit page: %d %s", resp.StatusCode, body)
	}
}

func TestMissingObjectsAre404(t *testing.T) {
	r := newRig(t)
	b := r.login(t, "victor")
	for path, code := range map[string]int{"/ui/tickets/99": 404, "/ui/actions/99": 404, "/ui/actions/x": 400} {
		if resp, _ := b.get(t, path); resp.StatusCode != code {
			t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, code)
		}
	}
}

func TestPagesAreLockedDown(t *testing.T) {
	r := newRig(t)
	resp, _ := (&browser{r: r}).get(t, "/ui/login")
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Fatalf("CSP: %q", csp)
	}
	// no-referrer would make browsers post forms with "Origin: null",
	// which the Origin check refuses.
	if rp := resp.Header.Get("Referrer-Policy"); rp != "same-origin" {
		t.Fatalf("Referrer-Policy: %q", rp)
	}
	resp, body := (&browser{r: r}).get(t, "/ui/static/console.css")
	if resp.StatusCode != 200 || !strings.Contains(body, "font") {
		t.Fatalf("stylesheet: %d", resp.StatusCode)
	}
}
