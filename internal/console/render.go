package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/operator-dev/operator/internal/store"
)

// pageNames are the templates that are whole pages; each is parsed with
// layout.html into its own set, so every page can define "content".
var pageNames = []string{"login", "overview", "ticket", "action", "audit", "error", "tickets", "actions"}

// navOf is the nav bar entry a page belongs to, marked as the current one.
var navOf = map[string]string{"overview": "overview", "tickets": "tickets", "ticket": "tickets",
	"actions": "actions", "action": "actions", "audit": "audit"}

var funcs = template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format(time.RFC3339)
	},
	"runSubject": store.RunSubject,
	// compact shows a value the way the CLI does: strings as they are,
	// anything else as JSON. The template escapes the result.
	"compact": func(v any) string {
		if s, ok := v.(string); ok {
			return s
		}
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Sprint(v)
		}
		return string(b)
	},
	"percent":    func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
	"bytes":      func(v uint64) string { return humanBytes(float64(v)) },
	"rate":       humanRate,
	"stateClass": stateClass,
	"capBar":     capBar,
	"capitalize": capitalize,
}

func parsePages() map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, name := range pageNames {
		out[name] = template.Must(template.New("layout.html").Funcs(funcs).
			ParseFS(assets, "templates/layout.html", "templates/"+name+".html"))
	}
	return out
}

// frame is what every page shows around its content.
type frame struct {
	Banner string
	Nav    string // the nav entry of this page
	Title  string
	User   string
	Role   string
	CSRF   string
	Flash  string
	Data   any
}

// render writes a page. It renders into a buffer first so a template
// error is a clean 500, not half a page.
func (c *console) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	v := viewerOf(r)
	f := frame{Banner: c.opts.Banner, Nav: navOf[name], Title: title, User: v.user.Name, Role: string(v.user.Role), CSRF: v.csrf, Data: data}
	if v.sessionID != "" {
		f.Flash = c.sessions.takeFlash(v.sessionID)
	}
	var buf bytes.Buffer
	if err := c.pages[name].Execute(&buf, f); err != nil {
		c.opts.Log.Error("console: render a page", "page", name, "err", err)
		http.Error(w, "could not render the page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	buf.WriteTo(w)
}

func (c *console) errorPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	c.render(w, r, status, "error", http.StatusText(status), msg)
}

// flashAndBack leaves a message for the next page and sends the browser
// there (POST/redirect/GET, so a reload does not repeat the post).
func (c *console) flashAndBack(w http.ResponseWriter, r *http.Request, to, msg string) {
	c.sessions.setFlash(viewerOf(r).sessionID, msg)
	http.Redirect(w, r, to, http.StatusSeeOther)
}
