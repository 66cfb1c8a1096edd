package pgtest_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/operator-dev/operator/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatalf("connect %s: %v", dsn, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func queryString(t *testing.T, conn *pgx.Conn, q string) string {
	t.Helper()
	var s string
	if err := conn.QueryRow(t.Context(), q).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return s
}

// A server of its own answers on TCP and on its socket, runs as someone
// other than root, with fsync off; Stop ends it and removes its files.
func TestStart(t *testing.T) {
	s := pgtest.Start(t)
	tcp := connect(t, s.DSN("postgres"))
	sock := connect(t, s.SocketDSN("postgres"))
	if got := queryString(t, tcp, `SHOW fsync`); got != "off" {
		t.Errorf("fsync = %s, want off", got)
	}
	if got := queryString(t, sock, `SELECT COALESCE(inet_server_addr()::text, 'unix socket')`); got != "unix socket" {
		t.Errorf("SocketDSN connected over %s", got)
	}
	if _, err := os.Stat(filepath.Join(s.SocketDir(), ".s.PGSQL."+strconv.Itoa(s.Port()))); err != nil {
		t.Errorf("socket file: %v", err)
	}
	dataDir := queryString(t, tcp, `SHOW data_directory`)
	st, err := os.Stat(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	if owner := fileOwner(st); os.Geteuid() == 0 && owner == 0 {
		t.Errorf("the data directory belongs to root: the server must not run as root")
	}

	tcp.Close(t.Context())
	sock.Close(t.Context())
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if _, err := os.Stat(dataDir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("data directory after Stop: %v, want it gone", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if conn, err := pgx.Connect(ctx, s.DSN("postgres")); err == nil {
		conn.Close(ctx)
		t.Error("the server still accepts connections after Stop")
	}
	if err := s.Stop(); err != nil {
		t.Errorf("a second Stop: %v", err)
	}
}

// Each test's database is its own and empty, and is dropped when the test
// ends.
func TestNewDatabase(t *testing.T) {
	var first string
	t.Run("one", func(t *testing.T) {
		first = pgtest.NewDatabase(t)
		conn := connect(t, first)
		if _, err := conn.Exec(t.Context(), `CREATE TABLE mine (x int)`); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("two", func(t *testing.T) {
		dsn := pgtest.NewDatabase(t)
		if dsn == first {
			t.Fatalf("two tests got the same database %s", dsn)
		}
		conn := connect(t, dsn)
		var n int
		if err := conn.QueryRow(t.Context(), `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("a new database has %d tables (%v), want none", n, err)
		}
		name := first[strings.LastIndexByte(first, '/')+1 : strings.IndexByte(first, '?')]
		if err := conn.QueryRow(t.Context(), `SELECT count(*) FROM pg_database WHERE datname = $1`, name).Scan(&n); err != nil || n != 0 {
			t.Fatalf("database %s of a finished test: %d rows (%v), want it dropped", name, n, err)
		}
	})
}

func TestBinDir(t *testing.T) {
	dir, err := pgtest.BinDir()
	if errors.Is(err, pgtest.ErrNoBinaries) {
		pgtest.Start(t) // skips or fails, as the environment says
		return
	}
	for _, name := range []string{"initdb", "postgres"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("BinDir %s: %v", dir, err)
		}
	}
}

// Restart kills the server the hard way and brings it back on the same
// port: an open transaction is lost, committed rows are not, and clients
// reconnect to the same DSN.
func TestRestartKeepsCommittedData(t *testing.T) {
	s := pgtest.Start(t)
	if s == nil {
		return
	}
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, s.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE kept (v int); INSERT INTO kept VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO kept VALUES (2)`); err != nil {
		t.Fatal(err)
	}
	if err := s.Restart(); err != nil {
		t.Fatalf("restart: %v\n%s", err, s.Log())
	}
	if err := tx.Commit(ctx); err == nil {
		t.Fatal("a transaction open across the restart committed")
	}
	conn2, err := pgx.Connect(ctx, s.DSN("postgres"))
	if err != nil {
		t.Fatalf("reconnect after restart: %v", err)
	}
	defer conn2.Close(ctx)
	var n, sum int
	if err := conn2.QueryRow(ctx, `SELECT count(*), sum(v) FROM kept`).Scan(&n, &sum); err != nil || n != 1 || sum != 1 {
		t.Fatalf("after restart: %d rows summing %d (%v), want the committed row only", n, sum, err)
	}
}
