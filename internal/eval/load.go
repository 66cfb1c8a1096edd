package eval

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"

	evalfiles "github.com/operator-dev/operator/eval"
)

// Embedded returns the benchmark's scenarios (eval/scenarios in the
// repository), built into the binary.
func Embedded() ([]*Scenario, error) {
	sub, err := fs.Sub(evalfiles.Scenarios, "scenarios")
	if err != nil {
		return nil, fmt.Errorf("embedded scenarios: %w", err)
	}
	return Load(sub, "eval/scenarios")
}

// LoadDir reads every *.yaml scenario in dir.
func LoadDir(dir string) ([]*Scenario, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("scenarios: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("scenarios: %s is not a directory", dir)
	}
	return Load(os.DirFS(dir), dir)
}

// Load reads every *.yaml file at the top of fsys, in name order; prefix
// is how messages name the folder. Each scenario's name must be its file's
// name without .yaml, so `--run` and the table speak of one thing. Every
// file's problems are reported at once.
func Load(fsys fs.FS, prefix string) ([]*Scenario, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, fmt.Errorf("list scenarios in %s: %w", prefix, err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no scenarios (*.yaml) in %s", prefix)
	}
	sort.Strings(names)
	var out []*Scenario
	var errs []error
	for _, name := range names {
		file := path.Join(prefix, name)
		f, err := fsys.Open(name)
		if err != nil {
			errs = append(errs, fmt.Errorf("open scenario %s: %w", file, err))
			continue
		}
		sc, err := Parse(file, f)
		f.Close()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if want := strings.TrimSuffix(name, ".yaml"); sc.Name != want {
			errs = append(errs, fmt.Errorf("scenario %s: name %q differs from the file's name %q", file, sc.Name, want))
			continue
		}
		out = append(out, sc)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// Select keeps the scenarios whose name matches expr (all when expr is
// empty).
func Select(scs []*Scenario, expr string) ([]*Scenario, error) {
	if expr == "" {
		return scs, nil
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, fmt.Errorf("--run %q: %w", expr, err)
	}
	var out []*Scenario
	for _, sc := range scs {
		if re.MatchString(sc.Name) {
			out = append(out, sc)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no scenario matches %q", expr)
	}
	return out, nil
}
