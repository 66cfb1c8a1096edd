package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/store/storebench"
)

// BenchmarkStoreThroughput is storebench's measurements on SQLite: ticket
// and run-transition throughput with 1, 4 and 16 concurrent writers, each
// beside an empty write transaction on the same kind of database (the
// same statement as BenchmarkEmptyWrite).
func BenchmarkStoreThroughput(b *testing.B) {
	storebench.Run(b, storebench.Backend{
		Open: func(b *testing.B) store.Store {
			st, err := Open(context.Background(), filepath.Join(b.TempDir(), "op.db"), Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { st.Close() })
			return st
		},
		EmptyWrite: func(ctx context.Context, s store.Store) error {
			return s.(*Store).write(ctx, "empty", func(tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO settings (name, value, updated_at, actor) VALUES ('bench', '{}', '', 'bench')
					ON CONFLICT (name) DO UPDATE SET updated_at = excluded.updated_at`)
				return err
			})
		},
	})
}
