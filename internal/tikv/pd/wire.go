package pd

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration that PD writes as a Go duration string
// ("30m0s", "1h0m0s", "10ms"). PD rejects numbers where it expects a
// duration (a 500 "invalid syntax"), so Duration always encodes as a string.
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON writes the Go duration string, e.g. "30m0s".
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads a Go duration string. An empty string is zero.
func (d *Duration) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("duration: want a string such as \"30m0s\", got %s", truncate(string(data), 40))
	}
	if s == "" {
		*d = 0
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration: %w", err)
	}
	*d = Duration(v)
	return nil
}

// StringBool is a boolean that PD's config endpoints write, and only accept,
// as the strings "true" and "false". A native JSON true sent to
// POST /config/schedule is a 500, so StringBool always encodes as a string.
// Decoding also accepts native booleans.
type StringBool bool

// MarshalJSON writes "true" or "false" as a JSON string.
func (b StringBool) MarshalJSON() ([]byte, error) {
	if b {
		return []byte(`"true"`), nil
	}
	return []byte(`"false"`), nil
}

// UnmarshalJSON reads "true"/"false" strings or native booleans.
func (b *StringBool) UnmarshalJSON(data []byte) error {
	switch string(data) {
	case "null":
		return nil
	case "true":
		*b = true
		return nil
	case "false":
		*b = false
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("string bool: want \"true\" or \"false\", got %s", truncate(string(data), 40))
	}
	v, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("string bool: want \"true\" or \"false\", got %q", s)
	}
	*b = StringBool(v)
	return nil
}

// CommaList is a list PD writes as one comma-separated string, such as
// replication's "location-labels": "zone,host". The empty string is an empty
// list.
type CommaList []string

// MarshalJSON writes the list as one comma-separated JSON string.
func (l CommaList) MarshalJSON() ([]byte, error) {
	return json.Marshal(strings.Join(l, ","))
}

// UnmarshalJSON reads one comma-separated JSON string.
func (l *CommaList) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		*l = nil
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("comma list: want a string such as \"zone,host\", got %s", truncate(string(data), 40))
	}
	if s == "" {
		*l = nil
		return nil
	}
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	*l = parts
	return nil
}

// Ptr returns a pointer to v. It exists to fill optional (pointer) fields of
// patches such as SchedulePatch: pd.Ptr(pd.StringBool(true)).
func Ptr[T any](v T) *T { return &v }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
