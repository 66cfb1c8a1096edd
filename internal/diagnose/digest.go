package diagnose

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strings"

	"github.com/operator-dev/operator/internal/ticket"
)

// Digest identifies what a ticket's diagnosis depends on, so a ticket is
// diagnosed again when that changes materially and not when a number
// wobbles. It covers the invariant, the severity, the labels and, from the
// evidence, every string and boolean (phases, states, names) and every
// number whose key names an entity ("leader_store_id", "sample_region_ids"):
// a store turning Down or a hot region's leader moving is material; a
// heartbeat age or a byte rate is not. Each reopen changes it too. It
// starts with the severity, so a rise is seen without decoding anything.
func Digest(t ticket.Ticket) string {
	m := map[string]any{
		"invariant": t.Invariant,
		"severity":  t.Severity.String(),
		"labels":    t.Labels,
		"evidence":  material(t.Evidence, ""),
		// A reopened ticket is a new occurrence: diagnose it again even
		// when it looks the same as before.
		"reopens": t.ReopenCount,
	}
	b, _ := json.Marshal(m) // maps marshal with sorted keys
	sum := sha256.Sum256(b)
	return t.Severity.String() + "/" + hex.EncodeToString(sum[:8])
}

// digestSeverity is the severity a digest was taken at ("critical").
func digestSeverity(d string) string {
	sev, _, _ := strings.Cut(d, "/")
	return sev
}

// material keeps the material parts of an evidence value (see Digest).
func material(v any, key string) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if m := material(x[k], k); m != nil {
				out[k] = m
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []any:
		var out []any
		for _, e := range x {
			if m := material(e, key); m != nil {
				out = append(out, m)
			}
		}
		return out
	case string, bool:
		return x
	case nil:
		return nil
	default: // numbers, in whatever form they were decoded
		if entityKey(key) {
			b, _ := json.Marshal(x)
			return string(b)
		}
		return nil
	}
}

func entityKey(k string) bool {
	return strings.HasSuffix(k, "_id") || strings.HasSuffix(k, "_ids")
}
