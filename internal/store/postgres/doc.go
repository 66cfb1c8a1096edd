// Package postgres is the state store on PostgreSQL, for several
// replicas sharing one database: the same store.Store (and store.Leases)
// as the sqlite package, passing the same conformance suite, through
// pgx's connection pool.
//
// Open is the one entry point: it connects, migrates
// (migrations/NNNN_*.sql, the same numbered set as SQLite's in this
// dialect, each in its own transaction under an advisory lock, so
// replicas starting together migrate once) and returns the Store.
//
// Where SQLite serializes every write through one connection, PostgreSQL
// runs writers side by side, so each rule SQLite got from the single
// writer is kept here explicitly; Store says how.
package postgres
