package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/pgtest"
	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/store/postgres"
)

// Open's errors say what it was opening, never with the password.
func TestOpenErrors(t *testing.T) {
	srv := pgtest.Shared(t)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	cases := []struct {
		name, dsn string
		is        error
		says      string
	}{
		{"not a DSN", "postgres://op:s3cret@[::1", store.ErrInvalid, "open ticket store"},
		{"no such database", strings.Replace(srv.DSN("nosuchdb"), "postgres@", "postgres:s3cret@", 1), nil, "nosuchdb"},
		{"nothing listening", "postgres://op:s3cret@127.0.0.1:1/operator?sslmode=disable&connect_timeout=5", nil, "PostgreSQL op@127.0.0.1:1/operator"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := postgres.Open(ctx, tc.dsn, postgres.Options{})
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q does not wrap %q", err, tc.is)
			}
			if !strings.Contains(err.Error(), tc.says) || !strings.Contains(err.Error(), "open ticket store") {
				t.Errorf("error %q does not say %q", err, tc.says)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
}

// The unix socket works as well as TCP.
func TestOpenOverSocket(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	name := dsn[strings.LastIndexByte(dsn, '/')+1 : strings.IndexByte(dsn, '?')]
	s := open(t, pgtest.Shared(t).SocketDSN(name), postgres.Options{})
	if v, err := s.SchemaVersion(t.Context()); err != nil || v != latest {
		t.Fatalf("SchemaVersion over the socket = %d, %v", v, err)
	}
}
