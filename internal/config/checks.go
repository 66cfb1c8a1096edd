package config

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/operator-dev/operator/internal/yamldoc"
)

// Each check returns "" for an acceptable value, or a message that says what
// is wrong and what is wanted.

func checkRequired(s string) string {
	if s == "" {
		return "must be set"
	}
	return ""
}

// checkDB accepts a SQLite file path or a postgres:// URL without a
// password.
func checkDB(s string) string {
	if s == "" {
		return "must be set"
	}
	if !isPostgresURL(s) {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil {
		return "is not a valid postgres:// URL: " + err.Error()
	}
	if _, ok := u.User.Password(); ok || u.Query().Has("password") {
		return "carries a password: put it in PGPASSWORD or ~/.pgpass instead (a password in the URL ends up in the config, the process list and logs)"
	}
	if u.Host == "" && u.Query().Get("host") == "" {
		return "names no host: postgres://user@host:5432/dbname"
	}
	return ""
}

// checkReplicaID accepts an empty ID (the host name is used) or a short
// printable one.
func checkReplicaID(s string) string {
	if len(s) > 128 || strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return "must be at most 128 printable characters"
	}
	return ""
}

// isPostgresURL reports whether s names a PostgreSQL server rather than
// a SQLite file.
func isPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// checkURL accepts http and https URLs with a host. A scheme-less
// "127.0.0.1:2379" is the usual mistake, so it gets its own hint.
func checkURL(s string, required bool) string {
	if s == "" {
		if required {
			return "must be set, e.g. http://127.0.0.1:2379"
		}
		return ""
	}
	if !strings.Contains(s, "://") {
		return fmt.Sprintf("invalid URL %q: scheme must be http or https (e.g. http://%s)", s, s)
	}
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Sprintf("invalid URL %q: %v", s, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Sprintf("invalid URL %q: scheme must be http or https", s)
	}
	if u.Hostname() == "" {
		return fmt.Sprintf("invalid URL %q: host is required", s)
	}
	return ""
}

func checkListen(s string) string {
	if s == "" {
		return "must be set, e.g. 127.0.0.1:2379"
	}
	_, port, err := net.SplitHostPort(s)
	if err == nil {
		_, err = strconv.ParseUint(port, 10, 16)
	}
	if err != nil {
		return fmt.Sprintf("invalid listen address %q (want host:port, e.g. 127.0.0.1:2379)", s)
	}
	return ""
}

func checkEnum(s string, values []string) string {
	for _, v := range values {
		if s == v {
			return ""
		}
	}
	hint := ""
	if near := suggest(s, values); near != "" {
		hint = fmt.Sprintf("; did you mean %q?", near)
	}
	return fmt.Sprintf("invalid value %q (want one of %s%s)", s, strings.Join(values, ", "), hint)
}

// checkFile wants an existing regular file, or nothing. It runs at load time
// so that a typo in a certificate path fails the start, not the first
// request minutes later.
func checkFile(path string) string {
	if path == "" {
		return ""
	}
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Sprintf("file %q does not exist", path)
	case err != nil:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Sprintf("cannot use file %q: %v", path, err)
	case st.IsDir():
		return fmt.Sprintf("%q is a directory, want a file", path)
	}
	return ""
}

func checkRange(v, lo, hi int64) string {
	if v < lo || v > hi {
		return fmt.Sprintf("%d is out of range (want %d..%d)", v, lo, hi)
	}
	return ""
}

func checkPositive(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
		return fmt.Sprintf("%v is out of range (want a finite number > 0)", v)
	}
	return ""
}

func checkAtLeast(v, lo int64) string {
	if v < lo {
		return fmt.Sprintf("%d is out of range (want >= %d)", v, lo)
	}
	return ""
}

// checkBetween wants a finite number between lo and hi, each bound open or
// closed; hint says what the number is, e.g. "e.g. 0.99".
func checkBetween(v, lo float64, loOpen bool, hi float64, hiOpen bool, hint string) string {
	if !math.IsNaN(v) && (v > lo || !loOpen && v == lo) && (v < hi || !hiOpen && v == hi) {
		return ""
	}
	op := func(open bool, strict, loose string) string {
		if open {
			return strict
		}
		return loose
	}
	return fmt.Sprintf("%v is out of range (want %s %v and %s %v: %s)", v, op(loOpen, ">", ">="), lo, op(hiOpen, "<", "<="), hi, hint)
}

// checkRatio is for the imbalance ratios, which compare the busiest store
// with the mean and so are at least 1.
func checkRatio(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 1 {
		return fmt.Sprintf("%v is out of range (want a finite number >= 1: the busiest store's count over the mean, e.g. 1.5)", v)
	}
	return ""
}

// checkMinDiff is for the imbalance minimum differences: 0 lets the ratio
// decide alone.
func checkMinDiff(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return fmt.Sprintf("%v is out of range (want a finite number >= 0)", v)
	}
	return ""
}

// checkMetricName wants a name that is safe to paste into PromQL, and the
// histogram's own name: the query adds _bucket itself.
func checkMetricName(s string) string {
	if s == "" {
		return "must be set, e.g. tikv_grpc_msg_duration_seconds"
	}
	for i, r := range s {
		switch {
		case r == '_' || r == ':' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return fmt.Sprintf("%q is not a Prometheus metric name (want letters, digits, _ and :, not starting with a digit)", s)
		}
	}
	if base, ok := strings.CutSuffix(s, "_bucket"); ok {
		return fmt.Sprintf("%q is a histogram's bucket series; write the histogram's name, %q (the query adds _bucket)", s, base)
	}
	return ""
}

func checkMinDuration(d, min Duration) string {
	if d >= min {
		return ""
	}
	if min == positive {
		return fmt.Sprintf("%v is out of range (want > 0)", d)
	}
	return fmt.Sprintf("%v is too short (want >= %v)", d, min)
}

// checkProvider is checkEnum with hints for the names people reach for
// instead: a model family, a local server, or "none".
func checkProvider(s string) string {
	values := []string{ProviderRules, ProviderAnthropic, ProviderOpenAI}
	msg := checkEnum(s, values)
	if msg == "" || suggest(s, values) != "" {
		return msg
	}
	var hint string
	switch yamldoc.Normalize(s) {
	case "claude":
		hint = `did you mean "anthropic"?`
	case "gpt", "chatgpt":
		hint = `did you mean "openai"?`
	case "ollama", "vllm", "llama.cpp", "llamacpp", "llama-cpp", "lmstudio", "lm-studio", "localai", "azure":
		hint = fmt.Sprintf(`%s serves the OpenAI API: use "openai" and point diagnosis.openai.base-url at it`, s)
	case "", "none", "off", "no", "disabled", "local", "offline":
		hint = `"rules" means no model; the offline rules provider always runs`
	default:
		return msg
	}
	return fmt.Sprintf("invalid value %q (want one of %s; %s)", s, strings.Join(values, ", "), hint)
}

// checkCost is for a budget in US dollars, where 0 means no limit.
func checkCost(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return fmt.Sprintf("%v is out of range (want a finite number >= 0: US dollars, 0 for no cost limit)", v)
	}
	return ""
}

// checkPrice wants a token price in US dollars per million tokens.
func checkPrice(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return fmt.Sprintf("%v is out of range (want a finite number >= 0: US dollars per million tokens)", v)
	}
	return ""
}

// checkModel wants a model id without white space ("claude-sonnet-4-6",
// "qwen2.5:14b", "meta-llama/Llama-3.1-8B-Instruct"); example is given when
// the id is required.
func checkModel(s string, required bool, example string) string {
	switch {
	case s == "" && required:
		return "must be set, e.g. " + example
	case strings.ContainsFunc(s, unicode.IsSpace):
		return fmt.Sprintf("model id %q contains white space", s)
	}
	return ""
}

// checkBaseURL is checkURL for a model API's root, which may carry a
// password in its user info: messages show the URL with the password
// masked, or not at all when it does not parse. example, when set, makes
// the URL required.
func checkBaseURL(s, example string) string {
	if s == "" {
		if example != "" {
			return "must be set, e.g. " + example
		}
		return ""
	}
	if !strings.Contains(s, "@") {
		return checkURL(s, false)
	}
	if u, err := url.Parse(s); err == nil && u.User != nil {
		return checkURL(u.Redacted(), false)
	}
	// Unparsable, or user info url.Parse did not see as such ("user:pw@host"
	// reads as scheme "user"), which Redacted would print as it is.
	return "invalid URL (not shown, as its user info may hold a credential): want http:// or https:// and a host"
}

// envVarName is what checkKeyEnv accepts: a portable environment variable
// name.
var envVarName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// checkKeyEnv wants the name of the environment variable that holds an API
// key, e.g. ANTHROPIC_API_KEY. The value may be a key pasted in by mistake,
// so no message here ever repeats it.
func checkKeyEnv(s, example string) string {
	switch {
	case s == "":
		return "must be set: the name of the environment variable that holds the API key, e.g. " + example
	case looksLikeKey(s):
		return fmt.Sprintf("looks like an API key, not the name of an environment variable; a key never goes in the config: "+
			"put it in the environment (%s=<key>), name that variable here (%s), and revoke the key if this config was shared", example, example)
	case strings.HasPrefix(s, "$"):
		return fmt.Sprintf("want the variable's name without $ or braces (e.g. %s, not $%s)", example, example)
	case !envVarName.MatchString(s):
		return "not an environment variable name (want letters, digits and _, not starting with a digit, e.g. " + example + ")"
	}
	return ""
}

// looksLikeKey says whether s is more likely an API key than a variable
// name: the sk- prefix of Anthropic's and OpenAI's keys, a bearer token, or
// a long string of mixed-case letters and digits (gsk_..., hf_..., AIza...),
// which variable names, by convention upper case, are not.
func looksLikeKey(s string) bool {
	l := strings.ToLower(s)
	if strings.HasPrefix(l, "sk-") || strings.HasPrefix(l, "sk_") || strings.HasPrefix(l, "bearer ") {
		return true
	}
	if len(s) < 32 {
		return false
	}
	var lower, upper, digit bool
	for _, r := range s {
		lower = lower || unicode.IsLower(r)
		upper = upper || unicode.IsUpper(r)
		digit = digit || unicode.IsDigit(r)
	}
	return lower && upper && digit
}

// cross checks the rules that span keys. It runs on the merged config, so a
// cert-file from the file and a key-file from the environment are a pair.
// A rule is skipped when one of its keys was already rejected: its value
// then is a stand-in default, and a second message about it would mislead.
func (m *merge) cross() {
	m.crossTLS()
	m.crossDiagnosis()
	m.crossPrices()
}

// crossPrices: a provider's two token prices go together. One alone would
// price half the tokens at 0 (openai) or be refused by the provider
// (anthropic), so it is an error at the price that is set.
func (m *merge) crossPrices() {
	d := m.cfg.Diagnosis
	for _, p := range []struct {
		prefix    string
		in, out   float64
		zeroMeans string
	}{
		{"diagnosis.anthropic", d.Anthropic.InputPricePerMTok, d.Anthropic.OutputPricePerMTok, "the list prices of the provider's default model"},
		{"diagnosis.openai", d.OpenAI.InputPricePerMTok, d.OpenAI.OutputPricePerMTok, "free, e.g. a local model"},
	} {
		in, out := p.prefix+".input-price-per-mtok", p.prefix+".output-price-per-mtok"
		if m.bad[in] || m.bad[out] || (p.in == 0) == (p.out == 0) {
			continue
		}
		set, name, other := out, "output-price-per-mtok", "input-price-per-mtok"
		if p.in != 0 {
			set, name, other = in, other, name
		}
		m.report(set, m.from[set], fmt.Sprintf("%s is set but %s is not: set both prices or neither (neither: %s)", name, other, p.zeroMeans))
	}
}

// crossDiagnosis: the openai provider has no default model, since every
// server names its models its own way. The problem points at the model if
// a source set it (to ""), else at the provider.
func (m *merge) crossDiagnosis() {
	const provider, model = "diagnosis.provider", "diagnosis.openai.model"
	d := m.cfg.Diagnosis
	if m.bad[provider] || m.bad[model] || d.Provider != ProviderOpenAI || d.OpenAI.Model != "" {
		return
	}
	const which = "name a model the server serves (GET <base-url>/models lists them), e.g. gpt-4.1, or qwen2.5:14b on Ollama"
	if o, ok := m.from[model]; ok {
		m.report(model, o, "must be set when diagnosis.provider is openai: "+which)
		return
	}
	m.report(provider, m.from[provider], "openai needs diagnosis.openai.model, which has no default: "+which)
}

func (m *merge) crossTLS() {
	c := m.cfg
	blocks := []struct {
		path string
		tls  TLS
	}{{"pd.read-tls", c.PD.ReadTLS}, {"pd.write-tls", c.PD.WriteTLS}}
	for _, b := range blocks {
		cert, key := b.path+".cert-file", b.path+".key-file"
		if m.bad[cert] || m.bad[key] {
			continue
		}
		switch {
		case b.tls.CertFile != "" && b.tls.KeyFile == "":
			m.report(cert, m.from[cert], "cert-file is set but key-file is not; a client certificate needs both")
		case b.tls.KeyFile != "" && b.tls.CertFile == "":
			m.report(key, m.from[key], "key-file is set but cert-file is not; a client certificate needs both")
		}
	}
	// TLS files with an http:// endpoint would be silently unused.
	if m.bad["pd.endpoint"] || !strings.HasPrefix(strings.ToLower(c.PD.Endpoint), "http://") {
		return
	}
	for _, b := range blocks {
		if k := firstSet(b.path, b.tls); k != "" && !m.bad[k] {
			m.report(k, m.from[k], fmt.Sprintf("TLS is configured but pd.endpoint %q uses http; use https", c.PD.Endpoint))
		}
	}
}

// firstSet returns the path of the first non-empty file in t, or "".
func firstSet(prefix string, t TLS) string {
	switch {
	case t.CAFile != "":
		return prefix + ".ca-file"
	case t.CertFile != "":
		return prefix + ".cert-file"
	case t.KeyFile != "":
		return prefix + ".key-file"
	}
	return ""
}

// checkOptionalEnv is checkKeyEnv for a variable that may be left unset
// (empty: the feature is off). A URL pasted here is refused like a key.
func checkOptionalEnv(example string) func(string) string {
	return func(s string) string {
		if s == "" {
			return ""
		}
		if strings.Contains(s, "://") {
			return fmt.Sprintf("looks like a URL, not the name of an environment variable; a webhook URL is a credential: put it in the environment (%s=<url>) and name that variable here", example)
		}
		return checkKeyEnv(s, example)
	}
}
