package console

import (
	"fmt"
	"strings"
)

// humanBytes writes a byte count in IEC units, one decimal: "1.5 GiB".
func humanBytes(v float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f B", v)
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}

// humanRate is a bytes-per-second rate.
func humanRate(v float64) string { return humanBytes(v) + "/s" }

// stateClass is the CSS class of a node state: "state-" and the state in
// lower case, anything but letters, digits and hyphens dropped, so text
// from the cluster can only ever select one of our classes or none.
func stateClass(state string) string {
	var b strings.Builder
	b.WriteString("state-")
	for _, r := range strings.ToLower(state) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// capitalize upper-cases the first letter ("store" -> "Store").
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
