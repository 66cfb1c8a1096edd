package notify

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// notify is core (it must never import the TiKV adapter) and needs nothing
// else of the module either: the daemon hands it channels and a dead-letter
// function. Keeping it standalone keeps it testable on its own.
func TestImportsNothingOfTheModule(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no Go files found; the check would pass vacuously")
	}
	for _, f := range files {
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range af.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(p, "github.com/operator-dev/operator/") {
				t.Errorf("%s imports %s; notify must stay free of the rest of the operator", f, p)
			}
			if strings.Contains(p, ".") && !strings.HasPrefix(p, "github.com/operator-dev/operator/") {
				t.Errorf("%s imports %s; notify uses the standard library only", f, p)
			}
		}
	}
}
