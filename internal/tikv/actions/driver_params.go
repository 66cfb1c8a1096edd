package actions

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/tikv/pd"
)

// runParams are a run's parameters, checked against the registry and
// typed. Everything the driver sends to PD comes from here, never from a
// recorded intent.
type runParams struct {
	action string
	spec   subject.ActionSpec

	region, target pd.RegionID // region_id, target_region_id
	store          pd.StoreID  // store_id
	from, to       pd.StoreID  // from_store_id, to_store_id

	policy    string // split policy
	key       string // split key (hex), usekey only
	name      string // scheduler name
	limitType string // store limit type
	value     float64
	rate      float64
	leaderW   float64
	regionW   float64
	pauseFor  time.Duration
}

// parseRunParams checks params against the action's registry spec: every
// required one present, types, enums and ranges, and no unknown ones.
func parseRunParams(name string, params map[string]any) (runParams, error) {
	spec, ok := subject.Action(Registry(), name)
	if !ok {
		return runParams{}, fmt.Errorf("%w: %q is not an action in the registry", action.ErrInvalid, name)
	}
	p := runParams{action: name, spec: spec}
	var problems []string
	for k := range params {
		if !slices.ContainsFunc(spec.Params, func(ps subject.ParamSpec) bool { return ps.Name == k }) {
			problems = append(problems, fmt.Sprintf("unknown parameter %s", k))
		}
	}
	for _, ps := range spec.Params {
		raw, has := params[ps.Name]
		if !has || raw == nil {
			if ps.Required {
				problems = append(problems, fmt.Sprintf("parameter %s is missing", ps.Name))
			}
			continue
		}
		if err := p.set(ps, raw); err != nil {
			problems = append(problems, fmt.Sprintf("parameter %s: %v", ps.Name, err))
		}
	}
	if p.policy == "usekey" && p.key == "" {
		problems = append(problems, "split policy usekey needs parameter key")
	}
	if p.policy != "usekey" && p.key != "" {
		problems = append(problems, "parameter key is only for split policy usekey")
	}
	if len(problems) > 0 {
		return runParams{}, fmt.Errorf("%w: %s: %s", action.ErrInvalid, name, strings.Join(problems, "; "))
	}
	return p, nil
}

// set checks one value against its spec and stores it.
func (p *runParams) set(ps subject.ParamSpec, raw any) error {
	switch ps.Type {
	case subject.ParamRegionID, subject.ParamStoreID:
		n, ok := asUint(raw)
		if !ok || n == 0 {
			return fmt.Errorf("%v is not a positive whole number", raw)
		}
		p.setID(ps.Name, n)
		return nil
	case subject.ParamInt, subject.ParamNumber:
		f, ok := asFloat(raw)
		if !ok {
			return fmt.Errorf("%v is not a number", raw)
		}
		if ps.Type == subject.ParamInt && f != math.Trunc(f) {
			return fmt.Errorf("%v is not a whole number", raw)
		}
		if (ps.Min != 0 || ps.Max != 0) && (f < ps.Min || f > ps.Max) {
			return fmt.Errorf("%v is outside %v..%v", raw, ps.Min, ps.Max)
		}
		p.setNumber(ps.Name, f)
		return nil
	case subject.ParamDuration:
		d, err := paramDuration(raw)
		if err != nil {
			return err
		}
		if s := d.Seconds(); (ps.Min != 0 || ps.Max != 0) && (s < ps.Min || s > ps.Max) {
			return fmt.Errorf("%s is outside %s..%s", d, time.Duration(ps.Min)*time.Second, time.Duration(ps.Max)*time.Second)
		}
		p.pauseFor = d
		return nil
	case subject.ParamString:
		s, ok := raw.(string)
		if !ok || strings.TrimSpace(s) == "" {
			return fmt.Errorf("%v is not a non-empty string", raw)
		}
		if len(ps.Enum) > 0 && !slices.Contains(ps.Enum, s) {
			return fmt.Errorf("%q is not one of %s", s, strings.Join(ps.Enum, ", "))
		}
		switch ps.Name {
		case "policy":
			p.policy = s
		case "key":
			p.key = strings.ToUpper(s)
		case "name":
			p.name = s
		case "type":
			p.limitType = s
		}
		return nil
	}
	return fmt.Errorf("type %s is not supported by the driver", ps.Type)
}

func (p *runParams) setID(name string, n uint64) {
	switch name {
	case "region_id":
		p.region = pd.RegionID(n)
	case "target_region_id":
		p.target = pd.RegionID(n)
	case "store_id":
		p.store = pd.StoreID(n)
	case "from_store_id":
		p.from = pd.StoreID(n)
	case "to_store_id":
		p.to = pd.StoreID(n)
	}
}

func (p *runParams) setNumber(name string, f float64) {
	switch name {
	case "value":
		p.value = f
	case "rate":
		p.rate = f
	case "leader_weight":
		p.leaderW = f
	case "region_weight":
		p.regionW = f
	}
}

// paramDuration reads Go duration syntax ("10m") or seconds as a number.
func paramDuration(raw any) (time.Duration, error) {
	switch x := raw.(type) {
	case string:
		d, err := time.ParseDuration(strings.TrimSpace(x))
		if err != nil {
			return 0, fmt.Errorf("%q is not a duration like 10m", x)
		}
		return d, nil
	case time.Duration:
		return x, nil
	}
	f, ok := asFloat(raw)
	if !ok {
		return 0, fmt.Errorf("%v is not a duration", raw)
	}
	return time.Duration(f * float64(time.Second)), nil
}
