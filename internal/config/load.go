package config

import (
	"fmt"
	"os"

	"github.com/spf13/pflag"
)

// Load builds the configuration: defaults, then the YAML file at path (none
// when path is ""), then environment variables found through lookup (nil
// for none; os.LookupEnv in production), then the flags in fs that the user
// set (nil for none; see RegisterFlags).
//
// Every source must be valid on its own, and the merged result must satisfy
// the rules that span keys. On any problem Load returns an error wrapping
// Problems that lists all of them.
func Load(path string, lookup func(string) (string, bool), fs *pflag.FlagSet) (*Config, error) {
	m := newMerge(Default())
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("load config: %w", err)
		}
		m.file(data, path)
	}
	m.env(lookup)
	m.flags(fs)
	m.cross()
	if len(m.problems) > 0 {
		return nil, fmt.Errorf("load config: %w", Problems(m.problems))
	}
	return m.cfg, nil
}

// Validate checks a Config built in code (tests, the demo binary) by the
// same rules Load applies. Relative file paths are taken as they are.
func (c *Config) Validate() error {
	m := newMerge(c)
	for _, f := range m.fields {
		if msg := f.check(c); msg != "" {
			m.reject(f.path, origin{}, msg)
		}
	}
	m.cross()
	if len(m.problems) > 0 {
		return fmt.Errorf("invalid config: %w", Problems(m.problems))
	}
	return nil
}
