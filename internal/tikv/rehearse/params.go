package rehearse

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/operator-dev/operator/internal/tikv/pd"
)

// params reads an action's parameters. The registry's schema was checked
// before (preflight); these readers only convert, and name what is wrong
// when a rehearsal is asked for with parameters preflight would refuse.
type params map[string]any

func (p params) uint(name string) (uint64, error) {
	v, ok := p[name]
	if !ok || v == nil {
		return 0, fmt.Errorf("parameter %s is missing", name)
	}
	var n uint64
	switch x := v.(type) {
	case pd.RegionID:
		n, ok = uint64(x), true
	case pd.StoreID:
		n, ok = uint64(x), true
	case uint64:
		n, ok = x, true
	case int:
		n, ok = uint64(x), x >= 0
	case int64:
		n, ok = uint64(x), x >= 0
	case float64:
		n, ok = uint64(x), x >= 0 && x == math.Trunc(x) && x < 1<<63
	case json.Number:
		u, err := strconv.ParseUint(string(x), 10, 64)
		n, ok = u, err == nil
	case string:
		u, err := strconv.ParseUint(strings.TrimSpace(x), 10, 64)
		n, ok = u, err == nil
	default:
		ok = false
	}
	if !ok || n == 0 {
		return 0, fmt.Errorf("parameter %s is %v, not a positive whole number", name, v)
	}
	return n, nil
}

func (p params) float(name string) (float64, error) {
	switch x := p[name].(type) {
	case float64:
		return x, nil
	case int:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case uint64:
		return float64(x), nil
	case json.Number:
		return x.Float64()
	case string:
		return strconv.ParseFloat(strings.TrimSpace(x), 64)
	}
	return 0, fmt.Errorf("parameter %s is %v, not a number", name, p[name])
}

func (p params) str(name string) (string, error) {
	s, ok := p[name].(string)
	if !ok || strings.TrimSpace(s) == "" {
		return "", fmt.Errorf("parameter %s is missing or not a string", name)
	}
	return s, nil
}

// duration reads Go syntax ("10m") or seconds as a number.
func (p params) duration(name string) (time.Duration, error) {
	switch x := p[name].(type) {
	case string:
		d, err := time.ParseDuration(strings.TrimSpace(x))
		if err != nil {
			return 0, fmt.Errorf("parameter %s is %q, not a duration like 10m", name, x)
		}
		return d, nil
	case time.Duration:
		return x, nil
	}
	f, err := p.float(name)
	if err != nil {
		return 0, fmt.Errorf("parameter %s is missing or not a duration", name)
	}
	return time.Duration(f * float64(time.Second)), nil
}
