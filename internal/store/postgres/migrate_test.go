package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/pgtest"
	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/store/postgres"
	"github.com/operator-dev/operator/internal/ticket"
)

// The PostgreSQL migrations are SQLite's, number for number and name for
// name: a migration added to one backend and not the other fails here.
func TestMigrationsMatchSQLite(t *testing.T) {
	pg, lite := migrationNames(t, "migrations"), migrationNames(t, "../sqlite/migrations")
	if len(pg) < 10 || !slices.Equal(pg, lite) {
		t.Fatalf("postgres migrations %q\nsqlite migrations   %q", pg, lite)
	}
}

// Migrations never destroy data (the rule both backends keep): no
// statement drops, deletes or truncates.
func TestMigrationsDoNotDestroy(t *testing.T) {
	forbidden := regexp.MustCompile(`(?i)^\s*(DROP|DELETE|TRUNCATE)\b`)
	files, err := filepath.Glob("migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migrations: %v %v", files, err)
	}
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(body), "\n") {
			if forbidden.MatchString(line) {
				t.Errorf("%s:%d destroys data: %s", f, i+1, line)
			}
		}
	}
}

func TestMigrateEmptyDatabase(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	applied := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)
	s := open(t, dsn, postgres.Options{Now: func() time.Time { return applied }})
	if v, err := s.SchemaVersion(t.Context()); err != nil || v != latest {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, latest)
	}
	conn := raw(t, dsn)
	rows, err := conn.Query(t.Context(), `SELECT version, name, applied_at FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var (
			version int
			name    string
			at      time.Time
		)
		if err := rows.Scan(&version, &name, &at); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%d %s %s", version, name, at.UTC().Format(time.RFC3339)))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var want []string
	for i, name := range migrationNames(t, "migrations") {
		want = append(want, fmt.Sprintf("%d %s 2026-02-03T04:05:06Z", i+1, name))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("schema_migrations = %q, want %q", got, want)
	}
}

// counter counts "applied database migration" log lines.
type counter struct{ n atomic.Int64 }

func (c *counter) logger() *slog.Logger {
	return slog.New(handlerFunc(func(r slog.Record) {
		if r.Message == "applied database migration" {
			c.n.Add(1)
		}
	}))
}

type handlerFunc func(slog.Record)

func (h handlerFunc) Enabled(context.Context, slog.Level) bool      { return true }
func (h handlerFunc) Handle(_ context.Context, r slog.Record) error { h(r); return nil }
func (h handlerFunc) WithAttrs([]slog.Attr) slog.Handler            { return h }
func (h handlerFunc) WithGroup(string) slog.Handler                 { return h }

// Opening a migrated database again changes nothing and keeps the data.
func TestReopenIsIdempotent(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	var first, second counter
	s := open(t, dsn, postgres.Options{Logger: first.logger()})
	v := ticket.Ticket{DedupKey: "store-down/store=1", Invariant: "store-down", Subject: "tikv",
		Severity: ticket.Critical, Summary: "store 1 is down"}
	tk, _, err := s.OpenOrTouch(t.Context(), v, 0, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	again := open(t, dsn, postgres.Options{Logger: second.logger()})
	if n := first.n.Load(); n != int64(latest) {
		t.Errorf("the first open applied %d migrations, want %d", n, latest)
	}
	if n := second.n.Load(); n != 0 {
		t.Errorf("reopening applied %d migrations, want none", n)
	}
	if v, err := again.SchemaVersion(t.Context()); err != nil || v != latest {
		t.Fatalf("SchemaVersion after reopening = %d, %v", v, err)
	}
	if _, err := again.Get(t.Context(), tk.ID); err != nil {
		t.Fatalf("the ticket after reopening: %v", err)
	}
	if n := queryInt(t, raw(t, dsn), `SELECT count(*) FROM schema_migrations`); n != latest {
		t.Fatalf("%d schema_migrations rows, want %d", n, latest)
	}
}

// Replicas starting at once migrate a new database once between them.
func TestConcurrentOpensMigrateOnce(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	const replicas = 6
	var (
		applied counter
		wg      sync.WaitGroup
		stores  = make([]*postgres.Store, replicas)
		errs    = make([]error, replicas)
		start   = make(chan struct{})
	)
	for i := range replicas {
		wg.Go(func() {
			<-start
			stores[i], errs[i] = postgres.Open(t.Context(), dsn, postgres.Options{Logger: applied.logger()})
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: Open: %v", i, err)
		}
		defer stores[i].Close()
		if v, err := stores[i].SchemaVersion(t.Context()); err != nil || v != latest {
			t.Errorf("replica %d: SchemaVersion = %d, %v", i, v, err)
		}
	}
	if n := applied.n.Load(); n != int64(latest) {
		t.Errorf("%d migrations applied between %d replicas, want %d", n, replicas, latest)
	}
	if n := queryInt(t, raw(t, dsn), `SELECT count(*) FROM schema_migrations`); n != latest {
		t.Fatalf("%d schema_migrations rows, want %d", n, latest)
	}
}

// A database with tables but no schema_migrations is someone else's.
func TestOpenRefusesForeignDatabase(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	if _, err := raw(t, dsn).Exec(t.Context(), `CREATE TABLE invoices (id int)`); err != nil {
		t.Fatal(err)
	}
	s, err := postgres.Open(t.Context(), dsn, postgres.Options{})
	if err == nil {
		s.Close()
		t.Fatal("Open adopted another program's database")
	}
	if !errors.Is(err, postgres.ErrNotDatabase) || !strings.Contains(err.Error(), "invoices") {
		t.Fatalf("Open = %v, want ErrNotDatabase naming the table", err)
	}
	if n := queryInt(t, raw(t, dsn), `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'`); n != 1 {
		t.Fatalf("the refused database now has %d tables", n)
	}
}

// A database migrated by a newer operator is refused, untouched.
func TestOpenRefusesNewerSchema(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	open(t, dsn, postgres.Options{}).Close()
	if _, err := raw(t, dsn).Exec(t.Context(), `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'future', now())`, latest+1); err != nil {
		t.Fatal(err)
	}
	s, err := postgres.Open(t.Context(), dsn, postgres.Options{})
	if err == nil {
		s.Close()
		t.Fatal("Open accepted a newer schema")
	}
	if !errors.Is(err, store.ErrSchemaTooNew) {
		t.Fatalf("Open = %v, want ErrSchemaTooNew", err)
	}
}
