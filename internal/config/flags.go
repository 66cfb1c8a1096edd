package config

import "github.com/spf13/pflag"

// RegisterFlags adds one flag per key to fs: --log-level, --pd-endpoint,
// --pd-read-tls-ca-file and so on (the key with dots turned into dashes).
// Keys marked noFlag (the invariants.* thresholds and the diagnosis.* keys
// but provider and interval) get none: they are set in the file or the
// environment.
// Help shows the built-in default and the matching environment variable.
// Values are checked for type as they are parsed, so "--pd-timeout soon" is a
// usage error; Load applies only the flags the user actually set.
func RegisterFlags(fs *pflag.FlagSet) {
	def := Default()
	for _, f := range fields() {
		if f.noFlag {
			continue
		}
		fs.Var(&flagValue{f: f, text: f.text(def)}, flagName(f.path), f.usage+" (env "+envName(f.path)+")")
	}
}

// flagValue holds a flag's text; Load parses it onto the Config, so that
// flags and env go through the same code and report problems the same way.
type flagValue struct {
	f    *field
	text string
}

func (v *flagValue) String() string { return v.text }
func (v *flagValue) Type() string   { return v.f.typ }

func (v *flagValue) Set(s string) error {
	if err := v.f.fromText(Default(), s); err != nil {
		return err
	}
	v.text = s
	return nil
}

// flags applies the flags in fs that were set on the command line. An unset
// flag carries the built-in default, which must not override the file or env.
// Any flag with a key's name counts, whoever registered it, as long as its
// String form is one fromText reads (true of pflag's own types). Keys
// without a flag are not looked up, whatever flags fs happens to hold.
func (m *merge) flags(fs *pflag.FlagSet) {
	if fs == nil {
		return
	}
	for _, f := range m.fields {
		if f.noFlag {
			continue
		}
		name := flagName(f.path)
		if fl := fs.Lookup(name); fl != nil && fl.Changed {
			m.text(f, fl.Value.String(), origin{source: "flag --" + name})
		}
	}
}
