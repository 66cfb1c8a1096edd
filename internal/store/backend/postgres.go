package backend

import (
	"context"
	"log/slog"

	"github.com/operator-dev/operator/internal/store/postgres"
)

var _ Store = (*postgres.Store)(nil)

func openPostgres(ctx context.Context, dsn string, log *slog.Logger) (Store, error) {
	st, err := postgres.Open(ctx, dsn, postgres.Options{Logger: log})
	if err != nil {
		return nil, err
	}
	return st, nil
}
