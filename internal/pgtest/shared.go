package pgtest

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/operator-dev/operator/internal/testenv"
)

// shared is the one server of a test binary. It is package state on
// purpose: a test binary is one process, and starting PostgreSQL once
// instead of per test is what keeps a suite of fifty cases fast. Main owns
// its end.
var shared struct {
	main atomic.Bool // Main is running the tests
	once sync.Once
	srv  *Server
	err  error
}

// Main runs the tests and then stops the shared server, if any test
// started it. Use it from TestMain: os.Exit(pgtest.Main(m)).
func Main(m *testing.M) int {
	shared.main.Store(true)
	code := m.Run()
	if shared.srv != nil {
		if err := shared.srv.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: stop the shared PostgreSQL: %v\n", err)
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}

// Shared returns the test binary's shared server, starting it on first
// use. The package's TestMain must call Main.
func Shared(t testing.TB) *Server {
	t.Helper()
	if !shared.main.Load() {
		t.Fatal("pgtest: the shared server needs TestMain to call pgtest.Main (which stops it); use pgtest.Start for a server of your own")
	}
	shared.once.Do(func() {
		bin, err := BinDir()
		if err != nil {
			shared.err = err
			return
		}
		shared.srv, shared.err = start(bin)
	})
	switch {
	case errors.Is(shared.err, ErrNoBinaries):
		testenv.Missing(t, "%s", missingHint)
	case shared.err != nil:
		t.Fatalf("start the shared PostgreSQL: %v", shared.err)
	}
	return shared.srv
}

// NewDatabase creates an empty database on the shared server for one
// test and returns its DSN; it is dropped when the test ends.
func NewDatabase(t testing.TB) string {
	t.Helper()
	return Shared(t).NewDatabase(t)
}
