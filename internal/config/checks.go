package config

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
)

// Each check returns "" for an acceptable value, or a message that says what
// is wrong and what is wanted.

func checkRequired(s string) string {
	if s == "" {
		return "must be set"
	}
	return ""
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

// cross checks the rules that span keys. It runs on the merged config, so a
// cert-file from the file and a key-file from the environment are a pair.
// A rule is skipped when one of its keys was already rejected: its value
// then is a stand-in default, and a second message about it would mislead.
func (m *merge) cross() {
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
