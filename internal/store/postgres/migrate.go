package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	schema "github.com/operator-dev/operator/internal/store/migration"
)

// Migrations are numbered SQL files, the same set as the sqlite backend's
// (same numbers, names and meaning, this dialect), applied in order, each
// in its own transaction with its schema_migrations row. PostgreSQL's DDL
// is transactional, so a failed migration leaves the previous version
// intact. The rules for adding one are SQLite's: take the next number,
// never edit or renumber a released file, never drop or delete data, and
// add the SQLite twin in the same change.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

type migration = schema.Migration

func loadMigrations(fsys fs.FS, dir string) ([]migration, error) { return schema.Load(fsys, dir) }

// migrator brings a database up to the latest known schema.
type migrator struct {
	pool   *pgxpool.Pool
	ms     []migration
	now    func() time.Time
	logger *slog.Logger
}

// run applies every missing migration and returns the final version.
// Replicas starting at once take turns: each step holds an advisory lock
// until it commits and re-reads the version under it, so every migration
// is applied exactly once.
func (m migrator) run(ctx context.Context) (int, error) { return schema.Apply(ctx, m.logger, m.step) }

// step applies the next migration, if any, in one transaction.
func (m migrator) step(ctx context.Context) (version int, applied *migration, err error) {
	tx, err := m.pool.Begin(ctx)
	if err != nil {
		return 0, nil, fmt.Errorf("begin migration: %w", classify(err))
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // no-op after Commit

	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1::int4, $2::int4)`, int32(lockSpace), int32(lockMigrations)); err != nil {
		return 0, nil, fmt.Errorf("take the migration lock: %w", classify(err))
	}
	if version, err = currentVersion(ctx, tx); err != nil {
		return 0, nil, err
	}
	next, err := schema.Next(m.ms, version)
	if err != nil {
		return version, nil, err
	}
	if next == nil { // up to date
		return version, nil, tx.Commit(ctx)
	}
	// No arguments: pgx sends it as a simple query, so a file may hold
	// several statements.
	if _, err := tx.Exec(ctx, next.SQL); err != nil {
		return version, nil, fmt.Errorf("apply migration %d (%s): %w", next.Version, next.Name, classify(err))
	}
	at, err := encodeTime(m.now())
	if err != nil {
		return version, nil, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
		next.Version, next.Name, at); err != nil {
		return version, nil, fmt.Errorf("record migration %d: %w", next.Version, classify(err))
	}
	if err := tx.Commit(ctx); err != nil {
		return version, nil, fmt.Errorf("commit migration %d (%s): %w", next.Version, next.Name, classify(err))
	}
	return next.Version, next, nil
}

// currentVersion reads the schema version, creating the bookkeeping table
// in an empty database (schema). A schema that has tables but no
// schema_migrations belongs to some other program; it is refused, not
// adopted.
func currentVersion(ctx context.Context, tx pgx.Tx) (int, error) {
	rows, err := tx.Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() ORDER BY table_name`)
	if err != nil {
		return 0, fmt.Errorf("read database schema: %w", classify(err))
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, fmt.Errorf("read database schema: %w", classify(err))
	}
	known := false
	for _, t := range tables {
		known = known || t == "schema_migrations"
	}
	if !known && len(tables) > 0 {
		return 0, fmt.Errorf("%w: it has tables (%s) but no schema_migrations table", ErrNotDatabase, strings.Join(tables, ", "))
	}
	if !known {
		if _, err := tx.Exec(ctx, `CREATE TABLE schema_migrations (
			version    INTEGER PRIMARY KEY,
			name       TEXT NOT NULL,
			applied_at TIMESTAMPTZ NOT NULL
		)`); err != nil {
			return 0, fmt.Errorf("create schema_migrations: %w", classify(err))
		}
		return 0, nil
	}
	var v int
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", classify(err))
	}
	return v, nil
}
