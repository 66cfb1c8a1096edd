package console

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/overview"
	"github.com/operator-dev/operator/internal/ticket"
)

// cluster records n overviews a minute apart, the last at r.now: store
// 1 filling up to 75%, store 2 quiet, store 3 with a hostile address and
// zone.
func (r *rig) cluster(n int) {
	for i := range n {
		at := r.now.Add(time.Duration(i-n+1) * time.Minute)
		r.hist.Add(overview.Overview{At: at, NodeNoun: "store", ShardNoun: "region", Shards: 100,
			Nodes: []overview.Node{
				{ID: "1", Address: "tikv-1:20160", State: "Up", Zone: "z1", CapacityBytes: 1 << 40,
					AvailableBytes: (1 << 40) - uint64(i+1)*(3<<38)/uint64(n), Leaders: 40, Shards: 60, WriteBytesPerSec: 3 << 20},
				{ID: "2", Address: "tikv-2:20160", State: "Disconnected", Zone: "z2", CapacityBytes: 1 << 40,
					AvailableBytes: 1 << 39, Leaders: 30, Shards: 60},
				{ID: "3", Address: `<img src=x onerror=alert(1)>`, State: "Down", Zone: `"><script>`, CapacityBytes: 1 << 40,
					AvailableBytes: 1 << 40, Leaders: 30, Shards: 60},
			},
			Health: []overview.Health{{Name: "miss-peer", Count: 0}, {Name: "down-peer", Count: 60}},
			Gaps:   []string{"write and read rates: pd:hotspot-stores did not answer"}})
	}
}

func TestOverviewBeforeTheFirstCycle(t *testing.T) {
	r := newRig(t)
	_, body := r.login(t, "victor").get(t, "/ui/")
	if !strings.Contains(body, "No cluster overview yet: the monitor has not completed a cycle.") {
		t.Fatalf("overview without data:\n%s", body)
	}
	// A console with no overview source shows no cluster section at all.
	r2 := newRig(t, func(o *Options) { o.Overview = nil })
	if _, body := r2.login(t, "victor").get(t, "/ui/"); strings.Contains(body, "Cluster") {
		t.Fatal("a console without overviews shows a cluster section")
	}
}

func TestOverviewShowsTheCluster(t *testing.T) {
	r := newRig(t)
	r.cluster(3)
	resp, body := r.login(t, "victor").get(t, "/ui/")
	if resp.StatusCode != 200 {
		t.Fatalf("overview: %d", resp.StatusCode)
	}
	for _, want := range []string{
		"Cluster: 3 stores, 100 regions",
		`<span class="state state-up">Up</span>`, `<span class="state state-disconnected">Disconnected</span>`,
		`<span class="state state-down">Down</span>`,
		"<td>z1</td>", "75% · 768.0 GiB of 1.0 TiB", "cap-high", "3.0 MiB/s",
		"<td>down-peer</td><td>60</td>", "regions in all</td><td>100</td>",
		"Not read this cycle: write and read rates: pd:hotspot-stores did not answer",
		`aria-label="Used capacity per store"`, `aria-label="Write rate per store"`,
		">11:58:00<", ">12:00:00 UTC<", ">2m0s window<",
		// The kill switch and the lists are still there.
		"Kill switch: off", `href="/ui/tickets/1"`, `href="/ui/actions/1"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("overview lacks %q", want)
		}
	}
	if n := strings.Count(body, "<path "); n != 6 { // two charts, three stores each
		t.Errorf("%d chart lines, want 6", n)
	}
	if strings.Contains(body, "<img") || strings.Contains(body, "<script>") || strings.Contains(body, "style=") {
		t.Fatal("cluster text rendered as markup, or an inline style")
	}
	for _, want := range []string{"&lt;img src=x onerror=alert(1)&gt;", "&#34;&gt;&lt;script&gt;"} {
		if !strings.Contains(body, want) {
			t.Errorf("escaped cluster text %q missing", want)
		}
	}
}

func TestOneSampleChartsAsDots(t *testing.T) {
	r := newRig(t)
	r.cluster(1)
	_, body := r.login(t, "victor").get(t, "/ui/")
	if strings.Count(body, "<circle") != 6 || strings.Contains(body, "no data yet") {
		t.Fatalf("one sample: %d dots", strings.Count(body, "<circle"))
	}
}

func TestTicketList(t *testing.T) {
	r := newRig(t)
	ctx := t.Context()
	other, _, err := r.st.OpenOrTouch(ctx, ticket.Ticket{DedupKey: "store-down/store=2", Invariant: "store-down",
		Subject: "tikv", Severity: ticket.Critical, Summary: "store 2 is down"}, time.Hour, r.now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.st.Resolve(ctx, other.ID, "it came back", r.now.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	b := r.login(t, "victor")
	resp, body := b.get(t, "/ui/tickets")
	if resp.StatusCode != 200 {
		t.Fatalf("tickets: %d %s", resp.StatusCode, body)
	}
	i1, i2 := strings.Index(body, `href="/ui/tickets/2"`), strings.Index(body, `href="/ui/tickets/1"`)
	if i1 < 0 || i2 < 0 || i1 > i2 {
		t.Fatalf("both tickets, the most recent first: %d %d\n%s", i1, i2, body)
	}
	if strings.Contains(body, "<script>") || !strings.Contains(body, "&lt;script&gt;") {
		t.Fatal("a ticket summary is not escaped on the list")
	}
	_, body = b.get(t, "/ui/tickets?state=resolved")
	if !strings.Contains(body, `href="/ui/tickets/2"`) || strings.Contains(body, `href="/ui/tickets/1"`) ||
		!strings.Contains(body, `href="/ui/tickets?state=resolved" aria-current="page"`) {
		t.Fatalf("resolved only:\n%s", body)
	}
	_, body = b.get(t, "/ui/tickets?state=diagnosed")
	if !strings.Contains(body, "No diagnosed tickets.") {
		t.Fatalf("empty filter:\n%s", body)
	}
	resp, body = b.get(t, "/ui/tickets?state=%3Cb%3E")
	if resp.StatusCode != 400 || strings.Contains(body, "<b>") {
		t.Fatalf("bad state: %d %s", resp.StatusCode, body)
	}
}

func TestActionQueue(t *testing.T) {
	r := newRig(t)
	ctx := t.Context()
	done, err := r.st.CreateRun(ctx, action.Run{TicketID: r.tk.ID, Subject: "tikv", Action: "split_region",
		Params: map[string]any{"region_id": 50}, State: action.Proposed, Risk: "low", CreatedBy: "diagnosis"}, r.now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.st.TransitionRun(ctx, done.ID, done.Version, action.Transition{To: action.Rejected, At: r.now,
		Actor: "alice", Reason: `wrong <i>region</i>`}); err != nil {
		t.Fatal(err)
	}
	b := r.login(t, "victor")
	resp, body := b.get(t, "/ui/actions")
	if resp.StatusCode != 200 {
		t.Fatalf("actions: %d %s", resp.StatusCode, body)
	}
	live, fin := strings.Index(body, "Waiting or running"), strings.Index(body, "Recently finished")
	i1, i2 := strings.Index(body, `href="/ui/actions/1"`), strings.Index(body, `href="/ui/actions/2"`)
	if live < 0 || fin < 0 || !(live < i1 && i1 < fin && fin < i2) {
		t.Fatalf("the proposed run is not under live and the dry run under finished (%d %d %d %d):\n%s", live, i1, fin, i2, body)
	}
	for _, want := range []string{"split_region region_id=49", "proposed", "rejected", "wrong &lt;i&gt;region&lt;/i&gt;", `href="/ui/tickets/1"`} {
		if !strings.Contains(body, want) {
			t.Errorf("queue lacks %q", want)
		}
	}
	// A week later the finished run has dropped off; the proposal has not.
	r.now = r.now.Add(8 * 24 * time.Hour)
	b = r.login(t, "victor")
	_, body = b.get(t, "/ui/actions")
	if strings.Contains(body, `href="/ui/actions/2"`) || !strings.Contains(body, `href="/ui/actions/1"`) {
		t.Fatalf("after a week:\n%s", body)
	}
	r2 := newRig(t, func(o *Options) { o.Runs, o.Actions = nil, nil })
	if resp, _ := r2.login(t, "victor").get(t, "/ui/actions"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("queue without an executor: %d", resp.StatusCode)
	}
}

var formRE = regexp.MustCompile(`<form[^>]*action="([^"]*)"`)

// A viewer reads every page and is offered no form but logging out.
func TestViewerSeesNoForms(t *testing.T) {
	r := newRig(t)
	r.cluster(2)
	b := r.login(t, "victor")
	for _, path := range []string{"/ui/", "/ui/tickets", "/ui/tickets/1", "/ui/actions", "/ui/actions/1", "/ui/audit"} {
		resp, body := b.get(t, path)
		if resp.StatusCode != 200 {
			t.Errorf("GET %s: %d", path, resp.StatusCode)
			continue
		}
		for _, m := range formRE.FindAllStringSubmatch(body, -1) {
			if m[1] != "/ui/logout" {
				t.Errorf("%s offers a viewer the form %s", path, m[1])
			}
		}
		for _, nav := range []string{`href="/ui/"`, `href="/ui/tickets"`, `href="/ui/actions"`, `href="/ui/audit"`} {
			if !strings.Contains(body, nav) {
				t.Errorf("%s: the nav bar lacks %s", path, nav)
			}
		}
	}
	if _, body := b.get(t, "/ui/tickets/1"); !strings.Contains(body, `href="/ui/tickets" aria-current="page"`) {
		t.Error("a ticket page does not mark Tickets as the current section")
	}
}

func TestUnauthenticatedListsAreSentToLogin(t *testing.T) {
	r := newRig(t)
	for _, path := range []string{"/ui/tickets", "/ui/actions"} {
		if resp, _ := (&browser{r: r}).get(t, path); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/login" {
			t.Errorf("GET %s without a session: %d", path, resp.StatusCode)
		}
	}
}

func TestBannerOnEveryPage(t *testing.T) {
	banner := `=== DEMO === <simulated> cluster`
	r := newRig(t, func(o *Options) { o.Banner = banner })
	want := `<div class="banner" role="note">=== DEMO === &lt;simulated&gt; cluster</div>`
	anon := &browser{r: r}
	_, body := anon.get(t, "/ui/login")
	if !strings.Contains(body, want) {
		t.Fatalf("login page lacks the banner:\n%s", body)
	}
	if _, body := anon.post(t, "/ui/login", url.Values{"token": {"optk_wrong"}}); !strings.Contains(body, want) {
		t.Error("a refused login lacks the banner")
	}
	b := r.login(t, "victor")
	for _, path := range []string{"/ui/", "/ui/tickets", "/ui/actions", "/ui/audit", "/ui/tickets/1", "/ui/actions/1", "/ui/tickets/99"} {
		if _, body := b.get(t, path); !strings.Contains(body, want) {
			t.Errorf("%s lacks the banner", path)
		}
	}
	if _, body := b.post(t, "/ui/kill-switch", url.Values{"csrf": {b.csrf(t)}, "on": {"true"}}); !strings.Contains(body, want) {
		t.Error("a refusal page lacks the banner")
	}
	// Without one, no banner element at all.
	if _, body := (&browser{r: newRig(t)}).get(t, "/ui/login"); strings.Contains(body, `class="banner"`) {
		t.Error("a banner without Options.Banner")
	}
}

func TestLoginRateLimit(t *testing.T) {
	r := newRig(t)
	anon := &browser{r: r}
	bad := url.Values{"token": {"optk_guess"}}
	for i := range loginFailures {
		if resp, _ := anon.post(t, "/ui/login", bad); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, resp.StatusCode)
		}
		r.now = r.now.Add(time.Second)
	}
	// The sixth try within the minute is refused before the token is
	// looked at, even a good one.
	resp, body := anon.post(t, "/ui/login", url.Values{"token": {r.toks["alice"]}})
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "too many failed logins from this address: try again in 55 seconds") ||
		resp.Header.Get("Retry-After") != "55" || len(resp.Cookies()) != 0 {
		t.Fatalf("sixth try: %d %q %v\n%s", resp.StatusCode, resp.Header.Get("Retry-After"), resp.Cookies(), body)
	}
	// A minute after the first failure, one more try is allowed; it fails
	// again, and the window is full again.
	r.now = r.now.Add(55 * time.Second)
	if resp, _ := anon.post(t, "/ui/login", bad); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("after the first failure aged out: %d", resp.StatusCode)
	}
	if resp, _ := anon.post(t, "/ui/login", bad); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("the window refilled but the next try was let through: %d", resp.StatusCode)
	}
	// After a quiet minute a good token works, and clears the slate.
	r.now = r.now.Add(loginWindow)
	r.login(t, "alice")
	for range loginFailures - 1 {
		anon.post(t, "/ui/login", bad)
	}
	if resp, _ := anon.post(t, "/ui/login", bad); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("failures before the success still counted: %d", resp.StatusCode)
	}
}

func TestLoginLimiterIsBounded(t *testing.T) {
	l := newLoginLimiter()
	now := c0
	for i := range loginClients + 50 {
		l.fail(string(rune('a'+i%26))+string(rune(i)), now)
	}
	if len(l.failures) > loginClients {
		t.Fatalf("%d clients tracked, bound %d", len(l.failures), loginClients)
	}
	// Aged-out clients go first when the table is full.
	l.fail("new", now.Add(2*loginWindow))
	if len(l.failures) != 1 {
		t.Fatalf("%d clients after everyone aged out", len(l.failures))
	}
}
