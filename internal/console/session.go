package console

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// cookieName holds the session id; the token itself never leaves the
// login request.
const cookieName = "operator_session"

// sessionTTL bounds a forgotten browser tab: after it the person logs in
// again even if their token is still valid.
const sessionTTL = 12 * time.Hour

// session is what the server keeps for one logged-in browser.
type session struct {
	tokenHash string // looked up on every request, so revocation is immediate
	csrf      string // echoed by every form
	created   time.Time
	flash     string // shown once, on the next page
}

// sessions is the in-memory session table. Sessions do not survive a
// daemon restart, which only means logging in again.
type sessions struct {
	mu sync.Mutex
	m  map[string]*session
}

func newSessions() *sessions { return &sessions{m: map[string]*session{}} }

// randomID is 32 bytes from crypto/rand, URL-safe.
func randomID() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate a session id: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// create starts a session for a token hash and returns its id. Expired
// sessions are dropped here, so the table does not grow without bound.
func (s *sessions) create(tokenHash string, now time.Time) (string, error) {
	id, err := randomID()
	if err != nil {
		return "", err
	}
	csrf, err := randomID()
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range s.m {
		if now.Sub(v.created) > sessionTTL {
			delete(s.m, k)
		}
	}
	s.m[id] = &session{tokenHash: tokenHash, csrf: csrf, created: now}
	return id, nil
}

// get returns a copy of a live session.
func (s *sessions) get(id string, now time.Time) (session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[id]
	if !ok {
		return session{}, false
	}
	if now.Sub(v.created) > sessionTTL {
		delete(s.m, id)
		return session{}, false
	}
	return *v, true
}

func (s *sessions) remove(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
}

// setFlash leaves a message for the session's next page.
func (s *sessions) setFlash(id, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.m[id]; ok {
		v.flash = msg
	}
}

// takeFlash returns the pending message and clears it.
func (s *sessions) takeFlash(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[id]
	if !ok {
		return ""
	}
	msg := v.flash
	v.flash = ""
	return msg
}

// sessionCookie is the cookie for id; an empty id (with MaxAge -1)
// deletes it. Secure only over TLS, so the console still works on a
// plain-HTTP localhost daemon.
func sessionCookie(r *http.Request, id string) *http.Cookie {
	c := &http.Cookie{Name: cookieName, Value: id, Path: "/ui/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: r.TLS != nil}
	if id == "" {
		c.MaxAge = -1
	}
	return c
}
