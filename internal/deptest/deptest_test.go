package deptest

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/operator-dev/operator"

// adapterOrWiring may import adapters; everything else under internal/ is core.
func adapterOrWiring(pkg string) bool {
	rest := strings.TrimPrefix(pkg, module+"/")
	return strings.HasPrefix(rest, "internal/tikv") || strings.HasPrefix(rest, "internal/app") || strings.HasPrefix(rest, "internal/eval") ||
		strings.HasPrefix(rest, "internal/deptest") || strings.HasPrefix(rest, "cmd/")
}

func goList(t *testing.T, args ...string) []string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list"}, args...)...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list %v: %v\n%s", args, err, ee.Stderr)
		}
		t.Fatalf("go list %v: %v", args, err)
	}
	return strings.Fields(string(out))
}

// touchSources reads every Go file of the module. go test caches a passing
// result keyed on the files a test opens; go list's own reads are not seen,
// so without this a new forbidden import could hide behind a cached pass.
func touchSources(t *testing.T) {
	t.Helper()
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") {
			_, err = os.ReadFile(path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCoreDoesNotImportAdapters(t *testing.T) {
	touchSources(t)
	var core []string
	for _, p := range goList(t, module+"/internal/...") {
		if !adapterOrWiring(p) {
			core = append(core, p)
		}
	}
	if len(core) == 0 {
		t.Fatal("found no core packages under internal/")
	}
	for _, p := range core {
		for _, dep := range goList(t, "-deps", "-test", "-f", "{{.ImportPath}}", p) {
			if strings.HasPrefix(dep, module+"/internal/tikv") {
				t.Errorf("core package %s depends on adapter package %s", p, dep)
			}
		}
	}
}

// The check must be able to fail: an adapter package does depend on itself.
func TestCheckSeesAdapterImports(t *testing.T) {
	deps := goList(t, "-deps", "-f", "{{.ImportPath}}", module+"/internal/tikv/pd")
	found := false
	for _, d := range deps {
		if d == module+"/internal/tikv/pd" {
			found = true
		}
	}
	if !found {
		t.Fatal("go list -deps does not list the package itself; the core check would pass vacuously")
	}
}
