package console

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/operator-dev/operator/internal/auth"
	"github.com/operator-dev/operator/internal/store"
)

func (c *console) loginForm(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusOK, "login", "Log in", "")
}

// login trades an API token for a session. Only the token's hash is
// kept; a fresh session id is issued every time (no fixation).
func (c *console) login(w http.ResponseWriter, r *http.Request) {
	if !c.sameOrigin(w, r) {
		return
	}
	addr, now := clientAddr(r), c.opts.Now()
	if wait, limited := c.logins.blocked(addr, now); limited {
		c.opts.Log.Warn("console login rate-limited", "remote", r.RemoteAddr)
		secs := int(wait.Round(time.Second) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		c.render(w, r, http.StatusTooManyRequests, "login", "Log in",
			fmt.Sprintf("too many failed logins from this address: try again in %d seconds", max(secs, 1)))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	token := strings.TrimSpace(r.PostFormValue("token"))
	if token == "" {
		c.render(w, r, http.StatusUnauthorized, "login", "Log in", "paste your API token")
		return
	}
	hash := auth.HashToken(token)
	u, err := c.opts.Store.UserByToken(r.Context(), hash)
	switch {
	case errors.Is(err, store.ErrNotFound):
		c.logins.fail(addr, now)
		c.opts.Log.Warn("console login refused", "remote", r.RemoteAddr)
		c.render(w, r, http.StatusUnauthorized, "login", "Log in", "unknown or revoked token")
		return
	case err != nil:
		c.opts.Log.Error("console: log in", "err", err)
		c.render(w, r, http.StatusInternalServerError, "login", "Log in", "could not check the token: state store error")
		return
	}
	c.logins.succeed(addr)
	if old, err := r.Cookie(cookieName); err == nil {
		c.sessions.remove(old.Value)
	}
	id, err := c.sessions.create(hash, c.opts.Now())
	if err != nil {
		c.opts.Log.Error("console: start a session", "err", err)
		c.render(w, r, http.StatusInternalServerError, "login", "Log in", "could not start a session")
		return
	}
	c.opts.Log.Info("console login", "user", u.Name, "role", u.Role)
	http.SetCookie(w, sessionCookie(r, id))
	http.Redirect(w, r, "/ui/", http.StatusSeeOther)
}

func (c *console) logout(w http.ResponseWriter, r *http.Request) {
	c.sessions.remove(viewerOf(r).sessionID)
	http.SetCookie(w, sessionCookie(r, ""))
	http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
}
