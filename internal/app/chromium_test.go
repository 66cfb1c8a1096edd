package app

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/operator-dev/operator/internal/testenv"
)

// stepTimeout bounds one browser step (a navigation, a click, a read), so a
// hung page fails with what it shows rather than at the test's deadline.
const stepTimeout = 45 * time.Second

// startChromium starts headless Chromium for the test and returns the
// context of its browser; the browser ends with the test. Chromium's own
// output goes to chromium.log among the test's artifacts.
func startChromium(ctx context.Context, t *testing.T) context.Context {
	t.Helper()
	var bin string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		testenv.Missing(t, "no chromium, chromium-browser or google-chrome on PATH: install Debian's chromium package (scripts/test does)")
	}
	logf, err := os.Create(filepath.Join(t.ArtifactDir(), "chromium.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logf.Close() })
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.Headless,
		// A CI container runs the tests as root, where Chromium's sandbox
		// cannot start; /dev/shm there is small.
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.CombinedOutput(logf),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	// Cancelling the allocator waits for Chromium to exit.
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	start := time.Now()
	if err := chromedp.Do(browserCtx); err != nil {
		t.Fatalf("start %s: %v (its output is in %s)", bin, err, logf.Name())
	}
	t.Logf("%s started in %s", bin, time.Since(start).Round(time.Millisecond))
	return browserCtx
}

// tab is one person's browser tab, in a browser context of its own (its
// own cookies, so its own console session).
type tab struct {
	t    *testing.T
	ctx  context.Context
	who  string
	base string // the daemon, http://host:port

	mu      sync.Mutex
	console []string // errors and warnings the pages logged, CSP violations among them
}

func newTab(t *testing.T, browserCtx context.Context, who, base string) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	b := &tab{t: t, ctx: ctx, who: who, base: base}
	// Listen sees each event before the command after it returns, so
	// consoleProblems is complete once a page has loaded.
	err := chromedp.Listen(ctx, func(ev any) {
		var msg string
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning || ev.Type == runtime.ConsoleAPICalledTypeAssert {
				msg = fmt.Sprintf("console.%s called", ev.Type)
			}
		case *runtime.EventExceptionThrown:
			msg = "exception: " + ev.ExceptionDetails.Text
		case *log.EventEntryAdded:
			// Chromium asks every site for /favicon.ico by itself; the
			// console has none, and no page of it refers to one.
			if ev.Entry.Source == log.EntrySourceNetwork && strings.HasSuffix(ev.Entry.URL, "/favicon.ico") {
				return
			}
			if ev.Entry.Level == log.EntryLevelError || ev.Entry.Level == log.EntryLevelWarning || ev.Entry.Source == log.EntrySourceSecurity {
				msg = fmt.Sprintf("%s %s at %s: %s", ev.Entry.Level, ev.Entry.Source, ev.Entry.URL, ev.Entry.Text)
			}
		}
		if msg != "" {
			b.mu.Lock()
			b.console = append(b.console, msg)
			b.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatalf("open %s's tab: %v", who, err)
	}
	return b
}

// consoleProblems returns what the pages logged as errors or warnings.
func (b *tab) consoleProblems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.console...)
}

// fatalf ends the test with where the tab is and what the page says.
func (b *tab) fatalf(format string, args ...any) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if err != nil {
		text = "(could not read the page: " + err.Error() + ")"
	}
	b.t.Fatalf("%s's tab: %s\n--- page %s ---\n%s\n--- end of page ---", b.who, fmt.Sprintf(format, args...), loc, text)
}

// run runs browser steps with a step's timeout.
func (b *tab) run(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.fatalf("%s: %v", what, err)
	}
}

// checkResponse checks a page the console served: 200 with its security
// headers (the CSP allows no script at all).
func (b *tab) checkResponse(what string, resp *network.Response) {
	b.t.Helper()
	if resp == nil {
		b.fatalf("%s: no response", what)
	}
	if resp.Status != 200 {
		b.fatalf("%s: HTTP %d %s", what, resp.Status, resp.StatusText)
	}
	csp := header(resp.Headers, "Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "form-action 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			b.fatalf("%s: Content-Security-Policy %q lacks %q", what, csp, want)
		}
	}
}

// header reads a response header whatever its case (HTTP/1.1 keeps Go's
// canonical case; be safe).
func header(h network.Headers, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return fmt.Sprint(v)
		}
	}
	return ""
}

// open navigates to a console path and checks the response.
func (b *tab) open(path string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(b.base+path))
	if err != nil {
		b.fatalf("open %s: %v", path, err)
	}
	b.checkResponse("GET "+path, resp)
}

// reload reloads the page and checks the response.
func (b *tab) reload() {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Reload())
	if err != nil {
		b.fatalf("reload: %v", err)
	}
	b.checkResponse("reload", resp)
}

// click clicks what sel selects and waits for the page it leads to.
func (b *tab) click(what, sel string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.fatalf("%s (click %s): %v", what, sel, err)
	}
	b.checkResponse(what, resp)
}

// submit fills the form whose action is action, field by field name (typed
// as a person types), and presses its submit button.
func (b *tab) submit(action string, fields map[string]string) {
	b.t.Helper()
	form := fmt.Sprintf(`form[action=%q]`, action)
	for name, v := range fields {
		b.run("type into "+name, chromedp.SendKeys(chromedp.CSS(fmt.Sprintf(`%s [name=%q]`, form, name)), v))
	}
	b.click("submit "+action, form+` [type="submit"]`)
}

// text is the page's text as a person reads it.
func (b *tab) text() string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	if err != nil {
		b.fatalf("read the page: %v", err)
	}
	return s
}

// count is how many elements sel matches now (0 without waiting, where a
// query action would wait for one to appear).
func (b *tab) count(sel string) int {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, sel)))
	if err != nil {
		b.fatalf("count %s: %v", sel, err)
	}
	return n
}

// rows returns the text of each table row of the page.
func (b *tab) rows() []string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	rs, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("tr"), r => r.innerText)`))
	if err != nil {
		b.fatalf("read the table rows: %v", err)
	}
	return rs
}

// buttons is the text of each button of the page.
func (b *tab) buttons() []string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	bs, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("button, input[type=submit]"), e => (e.innerText || e.value).trim())`))
	if err != nil {
		b.fatalf("read the buttons: %v", err)
	}
	return bs
}

// expect fails unless the page's text matches every pattern.
func (b *tab) expect(what string, patterns ...string) string {
	b.t.Helper()
	text := b.text()
	for _, p := range patterns {
		if !regexp.MustCompile(p).MatchString(text) {
			b.fatalf("%s: the page does not match %q", what, p)
		}
	}
	return text
}

// waitFor opens path and reloads it until ok accepts the page's text (or says to stop
// with a reason), polling with a backoff until within has passed.
func (b *tab) waitFor(what, path string, within time.Duration, ok func(text string) (done bool, fail string)) string {
	b.t.Helper()
	start := time.Now()
	deadline := start.Add(within)
	backoff := 100 * time.Millisecond
	b.open(path)
	for {
		text := b.text()
		done, fail := ok(text)
		if fail != "" {
			b.fatalf("waiting for %s: %s", what, fail)
		}
		if done {
			b.t.Logf("%s: %s after %s", b.who, what, time.Since(start).Round(time.Millisecond))
			return text
		}
		if time.Now().After(deadline) {
			b.fatalf("no %s within %s", what, within)
		}
		time.Sleep(backoff) // the poll's backoff; the deadline bounds it
		backoff = min(2*backoff, time.Second)
		b.reload()
	}
}

// shot saves a full-page PNG of the tab among the test's artifacts.
func (b *tab) shot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(b.t.ArtifactDir(), name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}
