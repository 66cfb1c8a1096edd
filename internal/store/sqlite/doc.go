// Package sqlite is the default state store: one SQLite file in WAL mode,
// through the pure-Go driver modernc.org/sqlite (no cgo).
//
// Open creates or opens the file and migrates it (migrations/NNNN_*.sql,
// embedded, applied in order, each in its own transaction). It refuses
// files it must not touch: not a SQLite database, another program's
// database, or a schema newer than this binary knows. See Store for the
// connection discipline (one writer, a read pool) and the durability
// trade-off.
//
// Errors carry the store sentinels (store.ErrFull when the disk is full,
// store.ErrReadOnly, store.ErrConflict, ...) alongside SQLite's own message.
package sqlite
