// Package pgtest runs a throwaway PostgreSQL server for tests, the way
// promtest runs Prometheus: find Debian's binaries (skip on a bare machine,
// fail in the full run), initdb into a temporary directory, start the
// server on a unix socket and a free loopback port, and stop it and remove
// its files when done.
//
// Two ways to use it:
//
//   - Start(t) runs a server owned by one test (stopped in t.Cleanup), for
//     tests about the server itself or that stop it on purpose;
//
//   - NewDatabase(t) gives a test a fresh, empty database on one server
//     shared by the whole test binary, started on first use. The package's
//     TestMain must call Main, which stops that server after the tests:
//
//     func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
// PostgreSQL refuses to run as root; under root (as in the test
// container) initdb and postgres run as the "postgres" user that Debian's
// package creates.
package pgtest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// ErrNoBinaries: PostgreSQL's server binaries (initdb, postgres) are not
// installed.
var ErrNoBinaries = errors.New("PostgreSQL server binaries (initdb, postgres) not found")

// missingHint is what a skipped or failed test says to do about it.
const missingHint = "PostgreSQL not found: install Debian's postgresql package (./scripts/test installs it)"

// BinDir returns the directory holding initdb and postgres: the one on
// PATH, else pg_config --bindir, else the newest /usr/lib/postgresql/*/bin
// (Debian keeps the server binaries off PATH).
func BinDir() (string, error) {
	has := func(dir string) bool {
		for _, name := range []string{"initdb", "postgres"} {
			if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.IsDir() {
				return false
			}
		}
		return true
	}
	if p, err := exec.LookPath("initdb"); err == nil && has(filepath.Dir(p)) {
		return filepath.Dir(p), nil
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		if dir := strings.TrimSpace(string(out)); has(dir) {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin") // the pattern is valid
	// Newest major version first: "15" > "9.6" numerically, not as text.
	slices.SortFunc(dirs, func(a, b string) int { return slices.Compare(versionOf(b), versionOf(a)) })
	for _, dir := range dirs {
		if has(dir) {
			return dir, nil
		}
	}
	return "", ErrNoBinaries
}

// versionOf reads "15" out of /usr/lib/postgresql/15/bin.
func versionOf(dir string) []int {
	var v []int
	for _, part := range strings.Split(filepath.Base(filepath.Dir(dir)), ".") {
		n, err := strconv.Atoi(part)
		if err != nil {
			return nil
		}
		v = append(v, n)
	}
	return v
}
