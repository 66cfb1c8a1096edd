package config

import "strings"

// env applies OPERATOR_* variables. lookup is os.LookupEnv in production and
// a map in tests; nil means no environment. A variable that is set, even to
// the empty string, counts: an empty OPERATOR_PROMETHEUS_ENDPOINT is how to
// turn off a Prometheus endpoint set in the file.
func (m *merge) env(lookup func(string) (string, bool)) {
	if lookup == nil {
		return
	}
	for _, f := range m.fields {
		name := envName(f.path)
		if s, ok := lookup(name); ok {
			m.text(f, s, origin{source: "env " + name})
		}
	}
}

// EnvLookup adapts a list of "KEY=value" strings, as from os.Environ or
// exec.Cmd.Env, to the lookup Load wants. Later entries win, as in exec.
func EnvLookup(environ []string) func(string) (string, bool) {
	vars := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vars[k] = v
		}
	}
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}
