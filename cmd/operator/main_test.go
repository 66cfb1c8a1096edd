package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func run(t testing.TB, env map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := newRootCmd(&out, &errb, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), errb.String(), err
}

func TestVersion(t *testing.T) {
	out, _, err := run(t, nil, "version")
	if err != nil || !strings.HasPrefix(out, "operator ") || !strings.Contains(out, "go1.") {
		t.Fatalf("version: %q %v", out, err)
	}
}

func TestConfigCheckReportsEveryProblemWithLine(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("pd:\n  endpoint: ftp://pd\n  timeout: soon\npdsim:\n  stores: 0\n"), 0o600)
	out, _, err := run(t, nil, "config", "check", bad)
	if err == nil || exitCode(err) != 2 {
		t.Fatalf("want exit 2, got %v", err)
	}
	for _, want := range []string{bad + ":2:", bad + ":3:", bad + ":5:", "pd.timeout", "pdsim.stores"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte("pd:\n  endpoint: http://pd:2379\n"), 0o600)
	out, _, err = run(t, nil, "config", "check", good)
	if err != nil || !strings.Contains(out, "ok") {
		t.Fatalf("good file: %q %v", out, err)
	}
	if _, _, err := run(t, nil, "config", "check", filepath.Join(dir, "missing.yaml")); err == nil || exitCode(err) != 2 {
		t.Fatalf("missing file: %v", err)
	}
}

func TestPDSimRejectsBadInputBeforeListening(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"zero stores", nil, []string{"pdsim", "--stores", "0"}, "pdsim.stores"},
		{"bad env", map[string]string{"OPERATOR_PDSIM_REGIONS": "many"}, []string{"pdsim"}, "OPERATOR_PDSIM_REGIONS"},
		{"missing scenario", nil, []string{"pdsim", "--scenario", "/nonexistent.yaml"}, "does not exist"},
		{"bad listen", nil, []string{"pdsim", "--listen", "not-an-address"}, "listen"},
		{"zero heartbeat", nil, []string{"pdsim", "--store-heartbeat", "0s"}, "--store-heartbeat must be a positive duration"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := run(t, tc.env, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}
