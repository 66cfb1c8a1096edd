package ticket

import (
	"fmt"
	"strings"
)

// Severity orders how urgent a ticket is. The zero value is invalid so a
// forgotten field is caught by Validate. The values match subject.Severity
// one for one, so a violation's severity converts with Severity(v.Severity).
type Severity int

// Severities, least to most urgent.
const (
	Info Severity = iota + 1
	Warning
	Critical
)

// Severities returns every valid severity, least urgent first.
func Severities() []Severity { return []Severity{Info, Warning, Critical} }

func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	case Critical:
		return "critical"
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// Valid reports whether s is one of the defined severities.
func (s Severity) Valid() bool { return s >= Info && s <= Critical }

// ParseSeverity reads "info", "warning" or "critical" (any case).
func ParseSeverity(s string) (Severity, error) {
	for _, sev := range Severities() {
		if strings.EqualFold(s, sev.String()) {
			return sev, nil
		}
	}
	return 0, fmt.Errorf("%w: unknown severity %q (want info, warning or critical)", ErrInvalid, s)
}

// MarshalText writes the name, so JSON and storage carry "critical", not 3.
func (s Severity) MarshalText() ([]byte, error) {
	if !s.Valid() {
		return nil, fmt.Errorf("%w: cannot encode %v", ErrInvalid, s)
	}
	return []byte(s.String()), nil
}

// UnmarshalText reads a name written by MarshalText.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
