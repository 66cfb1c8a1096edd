package sqlite

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/operator-dev/operator/internal/store"
)

// timeLayout is fixed-width (always six fraction digits, always "Z"), so
// stored times compare correctly as strings: max(), >= and ORDER BY work on
// the TEXT column directly.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// encodeTime stores t in UTC, truncated to microseconds.
func encodeTime(t time.Time) (string, error) {
	u := t.UTC()
	if u.Year() < 1 || u.Year() > 9999 {
		return "", fmt.Errorf("%w: time %v is outside years 1-9999", store.ErrInvalid, t)
	}
	return u.Format(timeLayout), nil
}

func decodeTime(s string) (time.Time, error) {
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("decode stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}

// encodeObject stores a map as a JSON object; nil becomes {}.
func encodeObject[V any](m map[string]V) (string, error) {
	if m == nil {
		return "{}", nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("%w: encode as JSON: %w", store.ErrInvalid, err)
	}
	return string(b), nil
}

// encodeJSON stores any value (a struct, a slice) as JSON.
func encodeJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("%w: encode as JSON: %w", store.ErrInvalid, err)
	}
	return string(b), nil
}

// decodeJSON reads stored JSON into v with numbers as json.Number wherever
// v leaves the type open (map[string]any values, []any), so 64-bit IDs
// survive exactly; typed fields decode as usual.
func decodeJSON(s string, v any) error {
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.UseNumber()
	return d.Decode(v)
}

// decodeEvidence reads a JSON object with numbers as json.Number, so 64-bit
// IDs survive exactly.
func decodeEvidence(s string) (map[string]any, error) {
	m := map[string]any{}
	if err := decodeJSON(s, &m); err != nil {
		return nil, fmt.Errorf("decode stored JSON object: %w", err)
	}
	return m, nil
}

func decodeLabels(s string) (map[string]string, error) {
	m := map[string]string{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("decode stored labels: %w", err)
	}
	return m, nil
}
