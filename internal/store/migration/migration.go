// Package migration reads a backend's schema migrations: numbered SQL
// files (0001_tickets.sql, 0002_...) embedded in the backend, the same
// numbers and names for every backend, each in its own dialect.
package migration

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"regexp"
	"strconv"

	"github.com/operator-dev/operator/internal/store"
)

// Migration is one schema step.
type Migration struct {
	Version int
	Name    string // file name without number and extension: "tickets"
	SQL     string
}

var fileName = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.sql$`)

// Load reads dir in fsys and checks the files are numbered 1, 2, 3...
// without gaps or duplicates.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries { // ReadDir sorts by name
		m := fileName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration file %q is not named NNNN_name.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		if v != len(out)+1 {
			return nil, fmt.Errorf("migration %q has number %d, want %d (numbers start at 1 without gaps)", e.Name(), v, len(out)+1)
		}
		body, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		out = append(out, Migration{Version: v, Name: m[2], SQL: string(body)})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no migrations in %s", dir)
	}
	return out, nil
}

// Next is the migration that follows version in ms: nil when the database
// is up to date, store.ErrSchemaTooNew when a newer Operator migrated it.
func Next(ms []Migration, version int) (*Migration, error) {
	switch latest := len(ms); {
	case version > latest:
		return nil, fmt.Errorf("%w: database schema version %d is newer than this operator (knows up to %d): upgrade the operator",
			store.ErrSchemaTooNew, version, latest)
	case version == latest:
		return nil, nil
	}
	next := ms[version]
	return &next, nil
}

// Apply runs step, which applies the next migration in a transaction of
// its own (nil when there was none), until the database is up to date,
// logging each one applied; it returns the final version.
func Apply(ctx context.Context, logger *slog.Logger, step func(context.Context) (int, *Migration, error)) (int, error) {
	for {
		version, applied, err := step(ctx)
		if err != nil {
			return version, err
		}
		if applied == nil {
			return version, nil
		}
		logger.InfoContext(ctx, "applied database migration", "version", applied.Version, "name", applied.Name)
	}
}
