// Package sqlcodec holds the encodings every SQL backend of the store
// shares: how maps and structs become the JSON stored in a column and how
// it is read back (numbers as json.Number, so 64-bit IDs survive). Times
// are not here: each database has its own way to store them.
package sqlcodec

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/operator-dev/operator/internal/store"
)

// EncodeObject stores a map as a JSON object; nil becomes {}.
func EncodeObject[V any](m map[string]V) (string, error) {
	if m == nil {
		return "{}", nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("%w: encode as JSON: %w", store.ErrInvalid, err)
	}
	return string(b), nil
}

// EncodeJSON stores any value (a struct, a slice) as JSON.
func EncodeJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("%w: encode as JSON: %w", store.ErrInvalid, err)
	}
	return string(b), nil
}

// DecodeJSON reads stored JSON into v with numbers as json.Number wherever
// v leaves the type open (map[string]any values, []any), so 64-bit IDs
// survive exactly; typed fields decode as usual.
func DecodeJSON(s string, v any) error {
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.UseNumber()
	return d.Decode(v)
}

// DecodeObject reads a JSON object with numbers as json.Number.
func DecodeObject(s string) (map[string]any, error) {
	m := map[string]any{}
	if err := DecodeJSON(s, &m); err != nil {
		return nil, fmt.Errorf("decode stored JSON object: %w", err)
	}
	return m, nil
}

// DecodeLabels reads a JSON object of strings.
func DecodeLabels(s string) (map[string]string, error) {
	m := map[string]string{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("decode stored labels: %w", err)
	}
	return m, nil
}
