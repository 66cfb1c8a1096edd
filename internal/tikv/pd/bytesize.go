package pd

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ByteSize is a byte count that PD writes as a human string with binary
// units: "1TiB", "996.6GiB", "652MiB", "0B". It decodes into exact bytes
// (rounded to the nearest byte, since "996.6GiB" is not a whole number of
// bytes) and encodes back the way PD does (four significant digits).
//
// Like PD, every unit is binary: "1KB", "1K" and "1KiB" all mean 1024 bytes.
// A bare JSON number is accepted as a byte count.
type ByteSize uint64

// Common sizes.
const (
	KiB ByteSize = 1 << (10 * (iota + 1))
	MiB
	GiB
	TiB
	PiB
	EiB
)

var byteUnits = [...]string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}

// String formats the size as PD does, e.g. "23.71GiB".
func (b ByteSize) String() string {
	v := float64(b)
	i := 0
	for v >= 1024 && i < len(byteUnits)-1 {
		v /= 1024
		i++
	}
	num := strconv.FormatFloat(v, 'g', 4, 64)
	if i == len(byteUnits)-1 && num == "16" {
		// From 15.995EiB up, rounding gives 16EiB: 2^64, which no size
		// reaches and ParseByteSize refuses. Cut instead of rounding.
		num = "15.99"
	}
	return num + byteUnits[i]
}

// MarshalJSON writes the size as PD's human string.
func (b ByteSize) MarshalJSON() ([]byte, error) {
	return json.Marshal(b.String())
}

// UnmarshalJSON reads PD's human string (or a plain number of bytes).
func (b *ByteSize) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	if len(data) > 0 && data[0] != '"' {
		var n uint64
		if err := json.Unmarshal(data, &n); err != nil {
			return fmt.Errorf("byte size: %w", err)
		}
		*b = ByteSize(n)
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("byte size: %w", err)
	}
	v, err := ParseByteSize(s)
	if err != nil {
		return err
	}
	*b = v
	return nil
}

// ParseByteSize parses PD's human byte strings: a decimal number, an optional
// space, and an optional binary unit (B, K/KB/KiB, M..., G..., T..., P...,
// E...), case-insensitive.
func ParseByteSize(s string) (ByteSize, error) {
	in := strings.TrimSpace(s)
	// Split the number from the unit.
	end := 0
	for end < len(in) && (in[end] >= '0' && in[end] <= '9' || in[end] == '.') {
		end++
	}
	num, unit := in[:end], strings.TrimSpace(in[end:])
	if num == "" || num[0] == '.' || num[len(num)-1] == '.' {
		return 0, fmt.Errorf("byte size %q: no number", s)
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("byte size %q: %w", s, err)
	}
	mult, ok := unitMultiplier(unit)
	if !ok {
		return 0, fmt.Errorf("byte size %q: unknown unit %q", s, unit)
	}
	total := math.Round(v * mult)
	if total >= math.Exp2(64) {
		return 0, fmt.Errorf("byte size %q: larger than 16EiB", s)
	}
	return ByteSize(total), nil
}

func unitMultiplier(unit string) (float64, bool) {
	u := strings.ToLower(unit)
	// Drop a trailing "b" and an "i" before it: "kib" -> "k", "kb" -> "k", "b" -> "".
	u = strings.TrimSuffix(u, "b")
	if len(u) == 2 && u[1] == 'i' {
		u = u[:1]
	}
	switch u {
	case "":
		return 1, true
	case "k":
		return float64(KiB), true
	case "m":
		return float64(MiB), true
	case "g":
		return float64(GiB), true
	case "t":
		return float64(TiB), true
	case "p":
		return float64(PiB), true
	case "e":
		return float64(EiB), true
	}
	return 0, false
}
