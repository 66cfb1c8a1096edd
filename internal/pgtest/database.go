package pgtest

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// dbSeq makes database names unique within one server's life.
var dbSeq atomic.Int64

// NewDatabase creates an empty database on s for one test and returns its
// DSN; the database is dropped when the test ends (with any connection the
// test left open).
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	name := databaseName(t.Name(), dbSeq.Add(1))
	create := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if s.version >= 150000 {
		// Copying template1's files is several times faster than
		// PostgreSQL 15's default of copying it through the WAL, for a
		// database this small.
		create += " STRATEGY FILE_COPY"
	}
	if err := s.admin(t.Context(), create); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		// t.Context() is already canceled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.admin(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	return s.DSN(name)
}

// admin runs one statement in the maintenance database.
func (s *Server) admin(ctx context.Context, stmt string) error {
	conn, err := pgx.Connect(ctx, s.DSN("postgres"))
	if err != nil {
		return fmt.Errorf("connect to %s: %w", s.DSN("postgres"), err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, stmt); err != nil {
		return err
	}
	return nil
}

// databaseName turns a test name into a database name a person can match
// to the test: "t_testconformance_openortouch_17" (lower case, at most 63
// bytes, PostgreSQL's identifier limit).
func databaseName(test string, seq int64) string {
	var b strings.Builder
	for _, r := range strings.ToLower(test) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			if s := b.String(); s != "" && !strings.HasSuffix(s, "_") {
				b.WriteByte('_')
			}
		}
	}
	suffix := fmt.Sprintf("_%d", seq)
	stem := strings.TrimSuffix(b.String(), "_")
	if limit := 63 - len("t_") - len(suffix); len(stem) > limit {
		stem = stem[len(stem)-limit:] // the end of a subtest name tells more than its start
	}
	return "t_" + stem + suffix
}
