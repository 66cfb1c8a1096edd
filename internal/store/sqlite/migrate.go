package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"time"

	schema "github.com/operator-dev/operator/internal/store/migration"
)

// Migrations are numbered SQL files, applied in order, each in its own
// transaction together with its schema_migrations row. Rules for adding one:
// take the next number, never edit or renumber a released file, and never
// drop or delete data (a test refuses DROP/DELETE); SQLite DDL is
// transactional, so a failed migration leaves the previous version intact.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

type migration = schema.Migration

func loadMigrations(fsys fs.FS, dir string) ([]migration, error) { return schema.Load(fsys, dir) }

// migrator brings a database up to the latest known schema.
type migrator struct {
	db     *sql.DB // the writer: BEGIN IMMEDIATE, so concurrent openers take turns
	ms     []migration
	now    func() time.Time
	logger *slog.Logger
}

// run applies every missing migration and returns the final version. It is
// safe against another process migrating the same file at the same time:
// each step re-reads the version inside its write transaction.
func (m migrator) run(ctx context.Context) (int, error) { return schema.Apply(ctx, m.logger, m.step) }

// step applies the next migration, if any, in one transaction.
func (m migrator) step(ctx context.Context) (version int, applied *migration, err error) {
	tx, err := m.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, nil, fmt.Errorf("begin migration: %w", classify(err))
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit

	if version, err = currentVersion(ctx, tx); err != nil {
		return 0, nil, err
	}
	next, err := schema.Next(m.ms, version)
	if err != nil {
		return version, nil, err
	}
	if next == nil { // up to date
		return version, nil, nil
	}
	if _, err := tx.ExecContext(ctx, next.SQL); err != nil {
		return version, nil, fmt.Errorf("apply migration %d (%s): %w", next.Version, next.Name, classify(err))
	}
	at, err := encodeTime(m.now())
	if err != nil {
		return version, nil, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		next.Version, next.Name, at); err != nil {
		return version, nil, fmt.Errorf("record migration %d: %w", next.Version, classify(err))
	}
	if err := tx.Commit(); err != nil {
		return version, nil, fmt.Errorf("commit migration %d (%s): %w", next.Version, next.Name, classify(err))
	}
	return next.Version, next, nil
}

// currentVersion reads the schema version, creating the bookkeeping table in
// an empty database. A database that has tables but no schema_migrations
// belongs to some other program; it is refused, not adopted.
func currentVersion(ctx context.Context, tx *sql.Tx) (int, error) {
	var tables []string
	rows, err := tx.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`)
	if err != nil {
		return 0, fmt.Errorf("read database schema: %w", classify(err))
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return 0, fmt.Errorf("read database schema: %w", err)
		}
		tables = append(tables, name)
	}
	if err := rows.Close(); err != nil {
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
		if _, err := tx.ExecContext(ctx, `CREATE TABLE schema_migrations (
			version    INTEGER PRIMARY KEY,
			name       TEXT NOT NULL,
			applied_at TEXT NOT NULL
		) STRICT`); err != nil {
			return 0, fmt.Errorf("create schema_migrations: %w", classify(err))
		}
		return 0, nil
	}
	var v int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", classify(err))
	}
	return v, nil
}
