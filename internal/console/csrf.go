package console

import (
	"crypto/subtle"
	"net/http"
	"net/url"

	"github.com/operator-dev/operator/internal/audit"
)

// csrfField is the hidden form field every POST form carries.
const csrfField = "csrf"

// checkCSRF compares the form's token with the session's in constant
// time. SameSite=Strict already keeps the cookie off cross-site posts;
// this is the second lock, for browsers or proxies that get that wrong.
func checkCSRF(r *http.Request, want string) bool {
	got := r.PostFormValue(csrfField)
	return got != "" && want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// sameOrigin refuses a POST whose Origin header names another host than
// the one it was sent to. No Origin (old browsers, curl) passes: the CSRF
// token is what guards those.
func (c *console) sameOrigin(w http.ResponseWriter, r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	if err == nil && u.Host != "" && u.Host == r.Host {
		return true
	}
	c.refuse(w, r, "", "cross-origin form post refused (Origin "+o+" is not "+r.Host+")")
	return false
}

// refuse answers 403 and audits it the way the API audits its refusals.
func (c *console) refuse(w http.ResponseWriter, r *http.Request, who, msg string) {
	rec := audit.Refused(c.opts.Now(), who, "console", r.Method, r.URL.Path, http.StatusForbidden, msg, r.RemoteAddr)
	if _, err := c.opts.Store.Audit().Append(r.Context(), rec); err != nil {
		c.opts.Log.Error("console: could not audit a refused request", "path", r.URL.Path, "err", err)
	}
	c.opts.Log.Warn("console request refused", "method", r.Method, "path", r.URL.Path, "user", who, "reason", msg)
	c.errorPage(w, r, http.StatusForbidden, msg)
}
