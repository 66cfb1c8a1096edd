package config

import (
	"strings"
	"testing"
)

// db.path takes a SQLite file or a postgres:// URL, never one carrying a
// password.
func TestDBPath(t *testing.T) {
	for _, tt := range []struct {
		path, problem string
		postgres      bool
	}{
		{"operator.db", "", false},
		{"/var/lib/operator/op.db", "", false},
		{"postgres://operator@db.internal:5432/operator?sslmode=verify-full", "", true},
		{"postgresql://operator@db.internal/operator", "", true},
		{"postgres://operator:hunter2@db.internal/operator", "PGPASSWORD", true},
		{"postgres://operator@db.internal/operator?password=hunter2", "PGPASSWORD", true},
		{"postgres:///operator", "names no host", true},
		{"", "must be set", false},
	} {
		cfg := Default()
		cfg.DB.Path = tt.path
		err := cfg.Validate()
		switch {
		case tt.problem == "" && err != nil:
			t.Errorf("%q: %v", tt.path, err)
		case tt.problem != "" && (err == nil || !strings.Contains(err.Error(), tt.problem)):
			t.Errorf("%q: %v, want a problem mentioning %q", tt.path, err, tt.problem)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%q: the error repeats the password: %v", tt.path, err)
		}
		if cfg.DB.Postgres() != tt.postgres {
			t.Errorf("%q: Postgres() = %v", tt.path, cfg.DB.Postgres())
		}
	}
}
