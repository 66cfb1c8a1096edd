//go:build !unix

package sqlite

// checkWritable has no portable probe here; SQLite's SQLITE_READONLY at
// the first write is reported as store.ErrReadOnly instead.
func checkWritable(path, what string) error { return nil }
