package sqlite

import (
	"errors"
	"fmt"

	"github.com/operator-dev/operator/internal/store"
	sqlite "modernc.org/sqlite"
	lib "modernc.org/sqlite/lib"
)

// ErrNotDatabase: the file exists but is not a SQLite database (SQLite says
// "file is not a database"), or it is another program's SQLite database.
// Operator never writes to such a file.
var ErrNotDatabase = errors.New("not an operator database")

// classify adds the store sentinel matching a SQLite result code, keeping
// SQLite's own message: "disk is full: database or disk is full (13)".
func classify(err error) error {
	var se *sqlite.Error
	if err == nil || !errors.As(err, &se) {
		return err
	}
	if se.Code() == lib.SQLITE_CONSTRAINT_UNIQUE {
		return fmt.Errorf("%w: %w", store.ErrConflict, err)
	}
	switch se.Code() & 0xff { // primary code; extended codes are enabled
	case lib.SQLITE_FULL:
		return fmt.Errorf("%w: %w", store.ErrFull, err)
	case lib.SQLITE_READONLY:
		return fmt.Errorf("%w (check the permissions of the file, its directory and the mount): %w", store.ErrReadOnly, err)
	case lib.SQLITE_NOTADB:
		return fmt.Errorf("%w: %w", ErrNotDatabase, err)
	}
	return err
}
