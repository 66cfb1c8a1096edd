package config

import (
	"os"
	"testing"

	"github.com/operator-dev/operator/internal/yamldoc"
	"gopkg.in/yaml.v3"
)

// FuzzCheck feeds Check arbitrary bytes. Beyond not panicking, every problem
// must say something and point inside the input, and a document Check
// accepts must also decode with plain yaml.Unmarshal, so Check is never more
// lenient than the YAML library on types.
func FuzzCheck(f *testing.F) {
	for _, name := range []string{"example.yaml", "testdata/bad.yaml"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"", "~", "- 1", "pd: {timeout: 1s}", "a: &a [*a]", "pd: &p {x: *p}",
		"log:\n  <<: {level: info}\n", "? [a]\n: 1\n", "a: 1\n---\nb: 2\n",
		"pdsim:\n  seed: 0x7fffffffffffffff\n  speed: .nan\n", "\xff\xfe", "\tx", "a: *nope",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ps := Check(data, "fuzz.yaml")
		last := yamldoc.LastLine(data)
		for i, p := range ps {
			if p.Message == "" || p.String() == "" {
				t.Errorf("problem %d has no message: %+v", i, p)
			}
			if p.Line < 0 || p.Line > last || p.Column < 0 {
				t.Errorf("problem %d points outside the %d-line input: %v", i, last, p)
			}
			if i > 0 && (p.Line < ps[i-1].Line || p.Line == ps[i-1].Line && p.Column < ps[i-1].Column) {
				t.Errorf("problems out of order: %v before %v", ps[i-1], p)
			}
		}
		if len(ps) == 0 {
			var c Config
			if err := yaml.Unmarshal(data, &c); err != nil {
				t.Errorf("Check accepted %q but yaml.Unmarshal says: %v", data, err)
			}
		}
	})
}
