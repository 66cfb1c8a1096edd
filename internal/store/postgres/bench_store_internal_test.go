package postgres

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/operator-dev/operator/internal/pgtest"
	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/store/storebench"
)

// BenchmarkStoreThroughput is storebench's measurements on PostgreSQL (a
// throwaway local server, fsync off: the figures are the store's own
// cost, not a disk's), each beside an empty write transaction through the
// same path.
func BenchmarkStoreThroughput(b *testing.B) {
	srv := pgtest.Shared(b)
	storebench.Run(b, storebench.Backend{
		Open: func(b *testing.B) store.Store {
			st, err := Open(context.Background(), srv.NewDatabase(b), Options{MaxConns: 20})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { st.Close() })
			return st
		},
		EmptyWrite: func(ctx context.Context, s store.Store) error {
			return s.(*Store).write(ctx, "empty", func(tx pgx.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO settings (name, value, updated_at, actor) VALUES ('bench', '{}', now(), 'bench')
					ON CONFLICT (name) DO UPDATE SET updated_at = excluded.updated_at`)
				return err
			})
		},
	})
}
