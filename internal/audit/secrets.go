package audit

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode"
)

// ErrSecret marks a record refused because it seems to carry a credential.
// The log is immutable, so a secret written to it could never be removed
// without breaking the chain: refusing is the only safe answer. The error
// names the field, never the value.
var ErrSecret = errors.New("audit record looks like it contains a secret")

// secretWords are key words that name a credential. A key is split into
// words (snake_case, kebab-case, dotted, camelCase), so "access_token" and
// "apiKey" match while "input_tokens" (a count) does not.
var secretWords = map[string]bool{
	"password": true, "passwd": true, "passphrase": true,
	"token": true, "secret": true, "authorization": true,
	"apikey": true, "credential": true, "credentials": true,
	"privatekey": true, "cookie": true,
}

// secretPrefixes start credential values: API keys (OpenAI "sk-",
// Anthropic "sk-ant-"), HTTP auth headers, GitHub and Slack tokens.
var secretPrefixes = []string{"sk-", "bearer ", "basic ", "ghp_", "github_pat_", "xoxb-", "xoxp-"}

func checkSecrets(r Record) error {
	for _, f := range []struct{ name, v string }{
		{"actor", r.Actor}, {"kind", r.Kind}, {"subject", r.Subject}, {"ref", r.Ref},
	} {
		if secretValue(f.v) {
			return fmt.Errorf("%w: %s starts like a credential", ErrSecret, f.name)
		}
	}
	return checkValue("data", r.Data)
}

// checkValue walks decoded JSON (Prepare checks data after the JSON round
// trip, so structs and typed maps are covered too).
func checkValue(path string, v any) error {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys) // the same error every time
		for _, k := range keys {
			p := path + "." + k
			if secretKey(k) {
				return fmt.Errorf("%w: key %s names a credential", ErrSecret, p)
			}
			if err := checkValue(p, v[k]); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range v {
			if err := checkValue(fmt.Sprintf("%s[%d]", path, i), e); err != nil {
				return err
			}
		}
	case string:
		if secretValue(v) {
			return fmt.Errorf("%w: value of %s starts like a credential", ErrSecret, path)
		}
	}
	return nil
}

func secretKey(k string) bool {
	words := splitWords(k)
	for i, w := range words {
		if secretWords[w] {
			return true
		}
		// "api_key", "private-key", "auth token" as two words.
		if i > 0 && w == "key" && (words[i-1] == "api" || words[i-1] == "private" || words[i-1] == "access") {
			return true
		}
		if w == "auth" && i+1 == len(words) { // "x-auth", "basic_auth"
			return true
		}
	}
	return false
}

func secretValue(s string) bool {
	t := strings.ToLower(strings.TrimSpace(s))
	for _, p := range secretPrefixes {
		if strings.HasPrefix(t, p) && len(t) > len(p) {
			return true
		}
	}
	return false
}

// splitWords lowercases k and splits it at non-letters/digits and at
// lower-to-upper case changes: "apiKey" -> [api key], "X-Api-Key" -> [x api key].
func splitWords(k string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, string(cur))
			cur = cur[:0]
		}
	}
	rs := []rune(k)
	for i, r := range rs {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
		case unicode.IsUpper(r):
			if i > 0 && unicode.IsLower(rs[i-1]) {
				flush()
			}
			cur = append(cur, unicode.ToLower(r))
		default:
			cur = append(cur, r)
		}
	}
	flush()
	return words
}
