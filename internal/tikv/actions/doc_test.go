package actions

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateDoc = flag.Bool("update", false, "rewrite docs/actions.md from the registry")

// docs/actions.md is the registry as an SRE (and a security review)
// reads it: what each action does, how risky and reversible it is, and
// exactly which PD endpoint the write credential is used for. It is
// generated from the registry, so it cannot drift.
func TestActionsDocIsCurrent(t *testing.T) {
	var b strings.Builder
	b.WriteString("# Actions\n\n")
	b.WriteString("Generated from `internal/tikv/actions/registry.go` by `go test ./internal/tikv/actions -run TestActionsDocIsCurrent -update`.\n\n")
	b.WriteString("Every action is read and checked with the **read** credential (`pd.read-tls`): preflight, dry run, rehearsal, observation and\n")
	b.WriteString("verification only GET. The **write** credential (`pd.write-tls`) exists only in `actions.mode: execute` and is used by the\n")
	b.WriteString("executor for exactly the calls below, plus PD's maintenance lock (`PUT`/`DELETE /pd/api/v2/maintenance/operator/run-<id>`)\n")
	b.WriteString("around every action and the pauses listed (`POST /pd/api/v1/checker/{name}`, `POST /pd/api/v1/schedulers/{name}` with a delay).\n\n")
	b.WriteString("| action | risk | reversibility | PD write call | pauses while it runs | blast radius |\n|---|---|---|---|---|---|\n")
	for _, s := range Registry() {
		rev := string(s.Reversibility)
		if s.Compensation != "" {
			rev += " (undo: `" + s.Compensation + "`)"
		}
		var pauses []string
		for _, c := range s.PausesCheckers {
			pauses = append(pauses, c+" checker")
		}
		pauses = append(pauses, s.PausesSchedulers...)
		p := strings.Join(pauses, ", ")
		if p == "" {
			p = "-"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | `%s` | %s | %s |\n", s.Name, s.Risk, rev, s.Executes, p, s.BlastRadius)
	}
	b.WriteString("\n## Preconditions, completion and verification\n")
	for _, s := range Registry() {
		fmt.Fprintf(&b, "\n### `%s`\n\n%s\n\n", s.Name, s.Description)
		for _, pc := range s.Preconditions {
			fmt.Fprintf(&b, "- precondition: %s\n", pc)
		}
		fmt.Fprintf(&b, "- done when: %s\n- verified by: %s\n- timeout: %s\n", s.Completion, s.Verification, s.Timeout)
	}
	path := filepath.Join("..", "..", "..", "docs", "actions.md")
	if *updateDoc {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if string(got) != b.String() {
		t.Fatalf("%s is not what the registry says; rerun with -update", path)
	}
}
