package postgres

import (
	"fmt"
	"time"

	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/store/sqlcodec"
)

// encodeTime is t as stored: UTC, truncated to microseconds (what
// timestamptz keeps; pgx truncates too, this makes it explicit), within
// years 1-9999 like the sqlite backend, so both refuse the same times.
func encodeTime(t time.Time) (time.Time, error) {
	u := t.UTC()
	if u.Year() < 1 || u.Year() > 9999 {
		return time.Time{}, fmt.Errorf("%w: time %v is outside years 1-9999", store.ErrInvalid, t)
	}
	return u.Truncate(time.Microsecond), nil
}

// utcPtr turns a scanned nullable time into the model's *time.Time in UTC
// (pgx returns timestamptz in the local zone).
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// The JSON encodings are the sqlite backend's (sqlcodec).

func encodeObject[V any](m map[string]V) (string, error) { return sqlcodec.EncodeObject(m) }

func encodeJSON(v any) (string, error) { return sqlcodec.EncodeJSON(v) }

func decodeJSON(s string, v any) error { return sqlcodec.DecodeJSON(s, v) }

func decodeObject(s string) (map[string]any, error) { return sqlcodec.DecodeObject(s) }

func decodeLabels(s string) (map[string]string, error) { return sqlcodec.DecodeLabels(s) }
