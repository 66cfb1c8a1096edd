package backend

import (
	"context"
	"errors"
	"log/slog"
)

// openPostgres is replaced when the PostgreSQL backend lands.
func openPostgres(ctx context.Context, dsn string, log *slog.Logger) (Store, error) {
	return nil, errors.New("PostgreSQL is not supported by this build")
}
