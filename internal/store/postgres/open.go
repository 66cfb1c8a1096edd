package postgres

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/operator-dev/operator/internal/store"
)

// Options tune Open. The zero value is ready to use.
type Options struct {
	// Logger receives one line per applied migration. Default: discard.
	Logger *slog.Logger
	// Now stamps schema_migrations.applied_at. Default time.Now.
	Now func() time.Time
	// MaxConns bounds the pool. Default: pgx's (the greater of 4 and the
	// number of CPUs), or pool_max_conns in the DSN.
	MaxConns int32
}

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return o
}

// Store is the PostgreSQL backend of store.Store and store.Leases.
//
// Every write is one transaction at READ COMMITTED; what SQLite's single
// writer gave for free is kept explicitly:
//
//   - a row about to be changed on the strength of what was read is read
//     FOR NO KEY UPDATE (a run's version check, a ticket's diagnosis
//     round, an approval), so of two writers the second sees the first's
//     commit; the version condition is repeated in the UPDATE itself;
//   - OpenOrTouch and a manual reopen take a transaction-scoped advisory
//     lock on the dedup key, so callers for one key take turns (exactly
//     one opens); the partial unique index stays the database's own
//     guarantee, and OpenOrTouch retries if it ever trips it;
//   - the audit chain is appended under one advisory lock per database,
//     held until commit, so two writers cannot both chain onto the same
//     record (and seq's primary key would refuse the fork anyway);
//   - a fenced write holds the lease row FOR SHARE until it commits, so a
//     takeover waits for writes in flight, and later writes see the new
//     token.
//
// A transaction that the server aborts as a deadlock or a serialization
// failure is run again from the start.
type Store struct {
	pool *pgxpool.Pool
	name string // for errors: "PostgreSQL op@db:5432/operator", no password
}

var (
	_ store.Store  = (*Store)(nil)
	_ store.Leases = (*Store)(nil)
)

// Open connects to the database dsn names (a postgres:// URL or a
// key=value string, as libpq takes them, PGPASSWORD and ~/.pgpass
// included) and migrates it to the latest schema. It refuses another
// program's database (ErrNotDatabase) and one migrated by a newer
// operator (store.ErrSchemaTooNew).
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	opts = opts.withDefaults()
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's parse errors quote the DSN with its password masked.
		return nil, fmt.Errorf("open ticket store: %w: %w", store.ErrInvalid, err)
	}
	name := describe(cfg.ConnConfig)
	s, err := open(ctx, cfg, opts)
	if err != nil {
		return nil, fmt.Errorf("open ticket store %s: %w", name, err)
	}
	s.name = name
	return s, nil
}

func open(ctx context.Context, cfg *pgxpool.Config, opts Options) (*Store, error) {
	ms, err := loadMigrations(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	// The audit walk holds one connection while its callback may use
	// another; a pool of one would deadlock.
	cfg.MaxConns = max(cfg.MaxConns, 2)
	// A connection idle for a moment is checked before use: after the
	// server restarted, or a failover moved it, every idle connection is
	// dead, and a request should get a fresh one rather than an error.
	// (pgx's own default waits a second; the daemon reuses connections
	// well within that.)
	cfg.ShouldPing = func(_ context.Context, p pgxpool.ShouldPingParams) bool { return p.IdleDuration > 100*time.Millisecond }
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect: %w", classify(err))
	}
	if _, err := (migrator{pool: pool, ms: ms, now: opts.Now, logger: opts.Logger}).run(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return &Store{pool: pool}, nil
}

// describe names a database without its password.
func describe(c *pgx.ConnConfig) string {
	return fmt.Sprintf("PostgreSQL %s@%s:%d/%s", c.User, c.Host, c.Port, c.Database)
}

// SchemaVersion is the highest migration applied to the database.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	if err := s.reads().QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", classify(err))
	}
	return v, nil
}

// Close closes the pool, waiting for connections in use to be returned.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}
