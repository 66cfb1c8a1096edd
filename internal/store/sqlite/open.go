package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/operator-dev/operator/internal/store"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Options tune Open. The zero value is ready to use.
type Options struct {
	// BusyTimeout is how long a statement waits for a lock held by another
	// connection (another process on the same file) before failing.
	// Default 5s.
	BusyTimeout time.Duration
	// MaxReaders bounds the read connections. Default 4.
	MaxReaders int
	// Now stamps schema_migrations.applied_at. Default time.Now.
	Now func() time.Time
	// Logger receives one line per applied migration. Default: discard.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = 5 * time.Second
	}
	if o.MaxReaders <= 0 {
		o.MaxReaders = 4
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return o
}

// Store is the SQLite backend of store.Store.
//
// Writes go through one connection, reads through a separate pool. SQLite
// admits one writer at a time anyway; with several write connections,
// concurrent transactions would fight over the file lock inside SQLite,
// where a transaction that read first and then writes can fail with
// SQLITE_BUSY at once (the busy handler is skipped to avoid deadlock).
// One write connection instead queues writers in database/sql, in order
// and honouring each caller's context, and every write transaction starts
// with BEGIN IMMEDIATE (_txlock=immediate) so that a second process on the
// same file waits up to BusyTimeout at BEGIN rather than failing midway.
// WAL mode lets the read pool run alongside a write; read connections are
// query_only, so a read path can never write by mistake.
//
// synchronous=NORMAL in WAL mode: a committed transaction survives a crash
// or kill of the process; on power loss the last few commits may roll back
// (the database stays consistent). Tickets are re-derived from the live
// cluster every cycle, so that trade buys write throughput cheaply.
type Store struct {
	path string
	w    *sql.DB // exactly one connection
	r    *sql.DB // query_only readers
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the database at path, in an existing
// directory, and migrates it to the latest schema. It refuses a file that
// is not a SQLite database, another program's database, and a database
// migrated by a newer operator (store.ErrSchemaTooNew).
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	s, err := open(ctx, path, opts.withDefaults())
	if err != nil {
		return nil, fmt.Errorf("open ticket store %s: %w", path, err)
	}
	return s, nil
}

func open(ctx context.Context, path string, opts Options) (*Store, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: empty database path", store.ErrInvalid)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("resolve path: %w", err)
	}
	if err := checkPath(abs); err != nil {
		return nil, err
	}
	if err := checkHeader(abs); err != nil {
		return nil, err
	}
	ms, err := loadMigrations(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}

	w, err := openWriter(ctx, abs, opts)
	if err != nil {
		return nil, err
	}
	if _, err := (migrator{db: w, ms: ms, now: opts.Now, logger: opts.Logger}).run(ctx); err != nil {
		w.Close()
		return nil, err
	}
	r, err := openReaders(ctx, abs, opts)
	if err != nil {
		w.Close()
		return nil, err
	}
	return &Store{path: abs, w: w, r: r}, nil
}

// openWriter opens the single write connection and puts the file in WAL
// mode (a persistent setting, so readers need not set it).
func openWriter(ctx context.Context, abs string, opts Options) (*sql.DB, error) {
	w, err := sql.Open("sqlite", dsn(abs, opts.BusyTimeout, "_txlock=immediate", "_pragma=journal_mode(WAL)"))
	if err != nil {
		return nil, fmt.Errorf("open writer: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("connect: %w", classify(err))
	}
	// SQLite falls back silently when it cannot use WAL (no shared memory,
	// as on some network filesystems); without WAL readers block the writer.
	var mode string
	if err := w.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		w.Close()
		return nil, fmt.Errorf("read journal mode: %w", classify(err))
	}
	if !strings.EqualFold(mode, "wal") {
		w.Close()
		return nil, fmt.Errorf("could not enable WAL mode (journal_mode is %q); is the file on a network filesystem?", mode)
	}
	return w, nil
}

func openReaders(ctx context.Context, abs string, opts Options) (*sql.DB, error) {
	r, err := sql.Open("sqlite", dsn(abs, opts.BusyTimeout, "_pragma=query_only(1)"))
	if err != nil {
		return nil, fmt.Errorf("open readers: %w", err)
	}
	r.SetMaxOpenConns(opts.MaxReaders)
	r.SetMaxIdleConns(opts.MaxReaders)
	if err := r.PingContext(ctx); err != nil {
		r.Close()
		return nil, fmt.Errorf("connect reader: %w", classify(err))
	}
	return r, nil
}

// checkPath turns the common mistakes into plain errors before SQLite
// reports them as "unable to open database file".
func checkPath(abs string) error {
	dir := filepath.Dir(abs)
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("directory %s does not exist (create it first): %w", dir, fs.ErrNotExist)
	case err != nil:
		return fmt.Errorf("check directory %s: %w", dir, err)
	case !st.IsDir():
		return fmt.Errorf("%s is not a directory", dir)
	}
	// The directory must be writable too: SQLite creates the -wal and -shm
	// files beside the database.
	if err := checkWritable(dir, "directory"); err != nil {
		return err
	}
	st, err = os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil // SQLite creates it
	case err != nil:
		return fmt.Errorf("check database file: %w", err)
	case st.IsDir():
		return fmt.Errorf("%s is a directory, not a database file", abs)
	}
	return checkWritable(abs, "database file")
}

// dsn builds a file: URI for modernc.org/sqlite. The path is escaped, so
// names with '?', '#' or '%' work; the _pragma and _txlock parameters are
// read by the driver, which runs them on every new connection.
func dsn(abs string, busy time.Duration, extra ...string) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	for _, kv := range extra {
		k, v, _ := strings.Cut(kv, "=")
		q.Add(k, v)
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}
	return u.String()
}

// Path is the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// SchemaVersion is the highest migration applied to the database.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	if err := s.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", classify(err))
	}
	return v, nil
}

// Close closes the readers, then the writer (the last connection to close
// checkpoints the WAL into the main file).
func (s *Store) Close() error {
	rerr := s.r.Close()
	werr := s.w.Close()
	if err := errors.Join(rerr, werr); err != nil {
		return fmt.Errorf("close ticket store %s: %w", s.path, err)
	}
	return nil
}

// sqliteHeader starts every SQLite database file.
const sqliteHeader = "SQLite format 3\x00"

// checkHeader refuses an existing, non-empty file that does not start with
// SQLite's header before SQLite touches it: SQLite itself takes a file of a
// few bytes for an empty database and would write over it, so a mistyped
// --db-path could destroy someone's file.
func checkHeader(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read header: %w", err)
	}
	defer f.Close()
	buf := make([]byte, len(sqliteHeader))
	n, err := io.ReadFull(f, buf)
	if n == 0 && (err == io.EOF || err == nil) {
		return nil // empty: SQLite makes it a new database
	}
	if string(buf[:n]) != sqliteHeader {
		return fmt.Errorf("%w: file is not a database (it does not start with the SQLite header)", ErrNotDatabase)
	}
	return nil
}
