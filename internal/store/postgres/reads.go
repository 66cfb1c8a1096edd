package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// reads is the pool as the store's reads use it outside a transaction: a
// read whose connection turns out dead (the server restarted, a failover
// moved it) resets the pool, whose other idle connections died too, and
// runs once more. Reads change nothing, so running one again is safe;
// writes go through write, which decides what may run again.
type reads struct{ pool *pgxpool.Pool }

var _ querier = reads{}

func (r reads) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return r.pool.Exec(ctx, sql, args...)
}

func (r reads) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	rows, err := r.pool.Query(ctx, sql, args...)
	if err != nil && lostConnection(err) {
		r.pool.Reset()
		return r.pool.Query(ctx, sql, args...)
	}
	return rows, err
}

func (r reads) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return retryRow{r: r, ctx: ctx, sql: sql, args: args}
}

// retryRow runs its query when scanned, once more if the connection was
// lost.
type retryRow struct {
	r    reads
	ctx  context.Context
	sql  string
	args []any
}

func (row retryRow) Scan(dest ...any) error {
	err := row.r.pool.QueryRow(row.ctx, row.sql, row.args...).Scan(dest...)
	if err != nil && lostConnection(err) {
		row.r.pool.Reset()
		err = row.r.pool.QueryRow(row.ctx, row.sql, row.args...).Scan(dest...)
	}
	return err
}

// reads returns the pool for reads outside a transaction.
func (s *Store) reads() querier { return reads{pool: s.pool} }
