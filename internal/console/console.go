package console

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/operator-dev/operator/internal/api"
	"github.com/operator-dev/operator/internal/auth"
	"github.com/operator-dev/operator/internal/overview"
	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/subject"
)

//go:embed templates/*.html static/*
var assets embed.FS

// Options are the console's dependencies: the same ones the JSON API is
// built from.
type Options struct {
	Store    api.Store
	Runs     api.RunStore
	Actions  api.Actions
	Registry map[string][]subject.ActionSpec
	Now      func() time.Time
	Log      *slog.Logger
	// Overview, if set, is the cluster overview the monitor gathers: the
	// overview page shows its latest nodes and charts its history.
	Overview *overview.History
	// Banner, if not empty, is shown at the top of every page, the login
	// and error pages too (the demo's "DEMO").
	Banner string
}

// console serves /ui/. Its routes are registered with the /ui/ prefix, so
// the daemon mounts it as mux.Handle("/ui/", console.New(...)) without
// stripping anything (the session cookie is scoped to /ui/ as well).
type console struct {
	opts     Options
	sessions *sessions
	pages    map[string]*template.Template
	mux      *http.ServeMux
	logins   *loginLimiter
}

// New builds the console handler. The embedded templates are parsed here;
// a template that does not parse is a build mistake, so it panics.
func New(opts Options) http.Handler {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	c := &console{opts: opts, sessions: newSessions(), pages: parsePages(), mux: http.NewServeMux(),
		logins: newLoginLimiter()}
	static, _ := fs.Sub(assets, "static")
	c.mux.Handle("GET /ui/static/", http.StripPrefix("/ui/static/", http.FileServerFS(static)))
	c.mux.HandleFunc("GET /ui/login", c.loginForm)
	c.mux.HandleFunc("POST /ui/login", c.login)
	c.mux.HandleFunc("POST /ui/logout", c.post(auth.Viewer, c.logout))
	c.mux.HandleFunc("GET /ui/{$}", c.get(c.overview))
	c.mux.HandleFunc("GET /ui/tickets", c.get(c.ticketsPage))
	c.mux.HandleFunc("GET /ui/tickets/{id}", c.get(c.ticketPage))
	c.mux.HandleFunc("GET /ui/actions", c.get(c.actionsPage))
	c.mux.HandleFunc("GET /ui/actions/{id}", c.get(c.actionPage))
	c.mux.HandleFunc("GET /ui/audit", c.get(c.auditPage))
	c.mux.HandleFunc("POST /ui/actions/{id}/approve", c.post(auth.Approver, c.approve))
	c.mux.HandleFunc("POST /ui/actions/{id}/reject", c.post(auth.Approver, c.reject))
	c.mux.HandleFunc("POST /ui/kill-switch", c.post(auth.Admin, c.killSwitch))
	return c
}

func (c *console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// No script runs on these pages, so none may; forms only post here;
	// no framing (clickjacking an Approve button).
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	// same-origin, not no-referrer: under no-referrer a browser sends
	// "Origin: null" with every form post, and sameOrigin (rightly)
	// refuses that. Cross-origin requests still get no referrer.
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	c.mux.ServeHTTP(w, r)
}

// viewer is the authenticated person behind a request.
type viewer struct {
	user      auth.User
	sessionID string
	csrf      string
}

type viewerKey struct{}

func viewerOf(r *http.Request) viewer {
	v, _ := r.Context().Value(viewerKey{}).(viewer)
	return v
}

// authenticate finds the request's session and checks its token hash
// against the store again; false means the caller was sent to the login
// page (or answered with an error).
func (c *console) authenticate(w http.ResponseWriter, r *http.Request) (viewer, bool) {
	ck, err := r.Cookie(cookieName)
	if err != nil || ck.Value == "" {
		http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
		return viewer{}, false
	}
	s, ok := c.sessions.get(ck.Value, c.opts.Now())
	if !ok {
		http.SetCookie(w, sessionCookie(r, ""))
		http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
		return viewer{}, false
	}
	u, err := c.opts.Store.UserByToken(r.Context(), s.tokenHash)
	switch {
	case errors.Is(err, store.ErrNotFound):
		// Revoked since login: end the session now, not at expiry.
		c.sessions.remove(ck.Value)
		http.SetCookie(w, sessionCookie(r, ""))
		http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
		return viewer{}, false
	case err != nil:
		c.opts.Log.Error("console: authenticate a session", "err", err)
		c.errorPage(w, r, http.StatusInternalServerError, "authenticate: state store error")
		return viewer{}, false
	}
	return viewer{user: u, sessionID: ck.Value, csrf: s.csrf}, true
}

// get wraps a page that any logged-in user may read.
func (c *console) get(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, ok := c.authenticate(w, r)
		if !ok {
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), viewerKey{}, v)))
	}
}

// post wraps a form handler: a live session, a same-origin request, the
// session's CSRF token and at least role min, in that order.
func (c *console) post(min auth.Role, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !c.sameOrigin(w, r) {
			return
		}
		v, ok := c.authenticate(w, r)
		if !ok {
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if !checkCSRF(r, v.csrf) {
			c.refuse(w, r, v.user.Name, "the form's CSRF token is missing or wrong; reload the page and try again")
			return
		}
		if !v.user.Role.AtLeast(min) {
			c.refuse(w, r, v.user.Name, "user "+v.user.Name+" is "+string(v.user.Role)+"; this needs "+string(min)+" or above")
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), viewerKey{}, v)))
	}
}
