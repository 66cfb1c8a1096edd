package sqlite_test

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/store/sqlite"
	"github.com/operator-dev/operator/internal/testenv"
	"github.com/operator-dev/operator/internal/ticket"
)

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, body []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, body, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	garbage := []byte(strings.Repeat("this is not a database; ", 400))
	cases := []struct {
		name    string
		path    string
		is      error
		message string
	}{
		{"empty path", "", store.ErrInvalid, "empty database path"},
		{"missing directory", filepath.Join(dir, "no", "such", "dir", "operator.db"), fs.ErrNotExist, "does not exist (create it first)"},
		{"parent is a file", filepath.Join(write("plain", []byte("x")), "operator.db"), nil, "is not a directory"},
		{"path is a directory", dir, nil, "is a directory, not a database file"},
		{"not a database", write("notes.txt", garbage), sqlite.ErrNotDatabase, "file is not a database"},
		{"short non-database", write("short.txt", []byte("hello")), sqlite.ErrNotDatabase, "file is not a database"},
		{"one byte", write("one.txt", []byte("x")), sqlite.ErrNotDatabase, "file is not a database"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := sqlite.Open(t.Context(), tc.path, sqlite.Options{})
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("error %q does not wrap %q", err, tc.is)
			}
			if !strings.Contains(err.Error(), tc.message) || !strings.Contains(err.Error(), "open ticket store") {
				t.Fatalf("error %q does not say %q", err, tc.message)
			}
		})
	}
	// A refused file is left exactly as it was.
	if got, _ := os.ReadFile(filepath.Join(dir, "notes.txt")); string(got) != string(garbage) {
		t.Fatal("Open modified a file that is not a database")
	}
}

func TestOpenReadOnly(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T) (open string)
	}{
		{"existing file", func(t *testing.T) string {
			path := dbPath(t)
			s, err := sqlite.Open(t.Context(), path, sqlite.Options{})
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			makeReadOnly(t, path, 0o444)
			return path
		}},
		{"directory for a new file", func(t *testing.T) string {
			dir := t.TempDir()
			makeReadOnly(t, dir, 0o555)
			return filepath.Join(dir, "operator.db")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.setup(t)
			s, err := sqlite.Open(t.Context(), path, sqlite.Options{})
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded on something it cannot write")
			}
			if !errors.Is(err, store.ErrReadOnly) || !strings.Contains(err.Error(), "cannot be written") {
				t.Fatalf("Open = %v, want ErrReadOnly saying what cannot be written", err)
			}
		})
	}
}

// makeReadOnly makes path unwritable even for root (who ignores mode bits)
// when it can, with chattr +i; otherwise the test is skipped.
func makeReadOnly(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(path, 0o755) }) // so t.TempDir can clean up
	if !writable(path) {
		return
	}
	if out, err := exec.Command("chattr", "+i", path).CombinedOutput(); err != nil {
		testenv.Missing(t, "cannot make %s read-only: running as root and chattr +i failed (%v: %s); run as an unprivileged user", path, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("chattr", "-i", path).CombinedOutput(); err != nil {
			t.Errorf("chattr -i %s: %v: %s", path, err, out)
		}
	})
	if writable(path) {
		testenv.Missing(t, "cannot make %s read-only in this environment (chattr +i had no effect)", path)
	}
}

// writable probes with an open for writing. Only call it while no SQLite
// connection has the file open: closing any descriptor of a file drops the
// process's POSIX locks on it.
func writable(path string) bool {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		f, err := os.CreateTemp(path, "probe")
		if err != nil {
			return false
		}
		f.Close()
		os.Remove(f.Name())
		return true
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return false
	}
	f.Close()
	return true
}

func TestOpenPathNeedingEscapes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a b?c#d%20e")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "operator?.db")
	s := open(t, path, sqlite.Options{})
	v := ticket.Ticket{DedupKey: "pd-unhealthy", Invariant: "pd-unhealthy", Subject: "tikv", Severity: ticket.Critical}
	if _, _, err := s.OpenOrTouch(t.Context(), v, 0, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not created at the exact path: %v", err)
	}
	if s.Path() != path {
		t.Fatalf("Path() = %q, want %q", s.Path(), path)
	}
}
