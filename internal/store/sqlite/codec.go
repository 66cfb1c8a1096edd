package sqlite

import (
	"fmt"
	"time"

	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/store/sqlcodec"
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

// The JSON encodings are shared with the other SQL backends (sqlcodec);
// these names keep this package's call sites short.

func encodeObject[V any](m map[string]V) (string, error) { return sqlcodec.EncodeObject(m) }

func encodeJSON(v any) (string, error) { return sqlcodec.EncodeJSON(v) }

func decodeJSON(s string, v any) error { return sqlcodec.DecodeJSON(s, v) }

func decodeEvidence(s string) (map[string]any, error) { return sqlcodec.DecodeObject(s) }

func decodeLabels(s string) (map[string]string, error) { return sqlcodec.DecodeLabels(s) }
