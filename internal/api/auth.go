package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/operator-dev/operator/internal/audit"
	"github.com/operator-dev/operator/internal/auth"
	"github.com/operator-dev/operator/internal/store"
)

// Every /api call carries "Authorization: Bearer <token>". The token is
// looked up by its hash on every request, so a revoked one stops working
// at once; the identity it names, never a name in the body, is who acts.
// Refusals are answered 401 (no or unknown token) or 403 (role too low)
// and audited.

type identityKey struct{}

// identity is who made the request; only set behind requireRole.
func identity(r *http.Request) auth.User {
	u, _ := r.Context().Value(identityKey{}).(auth.User)
	return u
}

// requireRole wraps a handler: the caller must present an active token
// whose identity has at least role min.
func (s *Server) requireRole(min auth.Role, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearer(r)
		if !ok {
			s.refuse(w, r, http.StatusUnauthorized, "", "no bearer token: send \"Authorization: Bearer <token>\" (the CLI reads OPERATOR_TOKEN or --token-file)")
			return
		}
		u, err := s.tickets.UserByToken(r.Context(), auth.HashToken(token))
		switch {
		case errors.Is(err, store.ErrNotFound):
			msg := "unknown or revoked token"
			if n, cerr := s.tickets.CountActiveUsers(r.Context()); cerr == nil && n == 0 {
				msg = "unknown or revoked token, and no active API user exists: on the daemon's host, create an admin with `operator users add NAME --role admin --db PATH` and use the token it prints"
			}
			s.refuse(w, r, http.StatusUnauthorized, "", msg)
			return
		case err != nil:
			s.storeError(w, "authenticate", err)
			return
		}
		if !u.Role.AtLeast(min) {
			s.refuse(w, r, http.StatusForbidden, u.Name, "user "+u.Name+" is "+string(u.Role)+"; this needs "+string(min)+" or above")
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), identityKey{}, u)))
	}
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", false
	}
	return strings.TrimSpace(token), true
}

// refuse answers a refused call and audits it. The token is never
// recorded, not even hashed: the record says who (if known) and what.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, status int, who, msg string) {
	rec := audit.Refused(s.now(), who, "api", r.Method, r.URL.Path, status, msg, r.RemoteAddr)
	if _, err := s.tickets.Audit().Append(r.Context(), rec); err != nil {
		s.log.Error("could not audit a refused API call", "path", r.URL.Path, "err", err)
	}
	s.log.Warn("API call refused", "method", r.Method, "path", r.URL.Path, "status", status, "user", who)
	writeError(w, status, "%s", msg)
}
