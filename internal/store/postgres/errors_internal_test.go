package postgres

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/operator-dev/operator/internal/store"
)

func TestClassify(t *testing.T) {
	for _, tt := range []struct {
		code string
		want error
	}{
		{"23505", store.ErrConflict},
		{"53100", store.ErrFull},
		{"25006", store.ErrReadOnly},
		{"42501", store.ErrReadOnly},
		{"22021", store.ErrInvalid},
		{"22P05", store.ErrInvalid},
		{"23503", nil},
		{"40001", nil},
	} {
		pe := &pgconn.PgError{Code: tt.code, Message: "server says no"}
		got := classify(fmt.Errorf("insert: %w", pe))
		var back *pgconn.PgError
		if !errors.As(got, &back) || back.Code != tt.code {
			t.Errorf("%s: classify lost the server's error: %v", tt.code, got)
		}
		for _, sentinel := range []error{store.ErrConflict, store.ErrFull, store.ErrReadOnly, store.ErrInvalid} {
			if errors.Is(got, sentinel) != (sentinel == tt.want) {
				t.Errorf("%s: classify = %v; errors.Is(%v) = %v", tt.code, got, sentinel, !(sentinel == tt.want))
			}
		}
	}
	if classify(nil) != nil {
		t.Error("classify(nil) != nil")
	}
	plain := errors.New("plain")
	if classify(plain) != plain {
		t.Error("classify changed an error that is not the server's")
	}
}

func TestWhere(t *testing.T) {
	var w where
	if w.clause() != "" || w.limit(0) != "" || len(w.args) != 0 {
		t.Fatalf("empty where: %q %v", w.clause(), w.args)
	}
	w.add("state = ANY(?)", []string{"open"})
	w.add("plan_id IS NOT NULL", nil)
	w.add("last_seen >= ?", 7)
	if got := w.clause() + w.limit(5); got != " WHERE state = ANY($1) AND plan_id IS NOT NULL AND last_seen >= $2 LIMIT $3" || len(w.args) != 3 {
		t.Fatalf("where = %q %v", got, w.args)
	}
}
