package backend

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/audit"
)

func TestIsPostgresAndDescribe(t *testing.T) {
	for _, tt := range []struct {
		path     string
		postgres bool
		describe string
	}{
		{"operator.db", false, "SQLite operator.db"},
		{"postgres://op@db:5432/operator?sslmode=verify-full&sslrootcert=/etc/ca.pem", true, "PostgreSQL postgres://op@db:5432/operator"},
		{"postgresql://op@db/operator", true, "PostgreSQL postgresql://op@db/operator"},
		{"./postgres.db", false, "SQLite ./postgres.db"},
	} {
		if got := IsPostgres(tt.path); got != tt.postgres {
			t.Errorf("IsPostgres(%q) = %v", tt.path, got)
		}
		if got := Describe(tt.path); got != tt.describe {
			t.Errorf("Describe(%q) = %q, want %q", tt.path, got, tt.describe)
		}
	}
}

// A SQLite path opens the SQLite store, leases included, and its audit
// log reads back through AuditLog.
func TestOpenSQLite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "op.db")
	st, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, held, err := st.AcquireLease(ctx, "leader", "a", time.Minute, time.Now()); err != nil || !held {
		t.Fatalf("lease: %v %v", held, err)
	}
	if _, err := st.Audit().Append(ctx, audit.Record{At: time.Now(), Actor: "test", Kind: "note", Subject: "hello"}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	l, closeLog, err := AuditLog(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer closeLog()
	rep, err := audit.Verify(ctx, l, nil)
	if err != nil || !rep.OK || rep.Records != 1 {
		t.Fatalf("verify: %+v %v", rep, err)
	}
	if _, _, err := AuditLog(ctx, filepath.Join(t.TempDir(), "missing.db")); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("a missing file: %v", err)
	}
}
