package ticket

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Key builds a dedup key from an invariant name and the labels that say what
// the problem is about: the name, then the labels sorted by label name, e.g.
// "store-down/store=4" or "hot-write/region=123,store=2"; just the name when
// there are no labels. The same inputs always give the same key.
//
// For ordinary names and labels the key is exactly subject.Key's. Characters
// that would make a key ambiguous are percent-escaped: '%' and '/' in the
// name, '%', ',' and '=' in label names and values (and control characters
// anywhere), so ParseKey can always take a key apart again and two different
// label sets never share a key, whatever an outside source (Alertmanager)
// sends.
func Key(invariant string, labels map[string]string) string {
	var b strings.Builder
	escape(&b, invariant, "%/")
	if len(labels) == 0 {
		return b.String()
	}
	names := make([]string, 0, len(labels))
	for k := range labels {
		names = append(names, k)
	}
	sort.Strings(names)
	for i, k := range names {
		if i == 0 {
			b.WriteByte('/')
		} else {
			b.WriteByte(',')
		}
		escape(&b, k, "%,=")
		b.WriteByte('=')
		escape(&b, labels[k], "%,=")
	}
	return b.String()
}

// ParseKey takes apart a key made by Key. It refuses every string Key cannot
// produce (bad or needless escapes, labels out of order or repeated), so a
// parsed key always rebuilds to the same string.
func ParseKey(key string) (invariant string, labels map[string]string, err error) {
	fail := func(why string) (string, map[string]string, error) {
		return "", nil, fmt.Errorf("%w: dedup key %q: %s", ErrInvalid, key, why)
	}
	name, rest, hasLabels := strings.Cut(key, "/")
	if invariant, err = unescape(name); err != nil {
		return fail(err.Error())
	}
	if !hasLabels {
		if Key(invariant, nil) != key {
			return fail("not in canonical form")
		}
		return invariant, nil, nil
	}
	labels = make(map[string]string)
	prev := ""
	for i, pair := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(pair, "=")
		if !ok {
			return fail(fmt.Sprintf("label %q has no '='", pair))
		}
		if k, err = unescape(k); err != nil {
			return fail(err.Error())
		}
		if v, err = unescape(v); err != nil {
			return fail(err.Error())
		}
		if i > 0 && k <= prev {
			return fail(fmt.Sprintf("label %q is out of order or repeated", k))
		}
		labels[k], prev = v, k
	}
	// Escapes Key would not write ("%41" for "A") decode fine but would
	// rebuild to a different string; a key has exactly one spelling.
	if Key(invariant, labels) != key {
		return fail("not in canonical form")
	}
	return invariant, labels, nil
}

func escape(b *strings.Builder, s, special string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f || strings.IndexByte(special, c) >= 0 {
			fmt.Fprintf(b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
}

func unescape(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", fmt.Errorf("truncated escape at byte %d", i)
		}
		hex := s[i+1 : i+3]
		n, err := strconv.ParseUint(hex, 16, 8)
		if err != nil {
			return "", fmt.Errorf("bad escape %q at byte %d", "%"+hex, i)
		}
		b.WriteByte(byte(n))
		i += 2
	}
	return b.String(), nil
}
