package actions

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"github.com/operator-dev/operator/internal/tikv/pd"
)

// setScheduleLimit checks the value against the registry's range and PD's
// (a non-negative whole number), and reads the current value.
func (p *preflight) setScheduleLimit(ctx context.Context, name string) error {
	raw, ok := p.params["value"]
	v, isNum := asFloat(raw)
	if !ok || !isNum {
		return done(p.fail("parameter value is missing or not a number"))
	}
	if v != math.Trunc(v) || v < 0 || v > math.MaxUint32 {
		return done(p.fail("value %v is not a limit PD accepts (a whole number of concurrent operators, 0 or more)", raw))
	}
	if ps, ok := p.paramSpec("value"); ok && (v < ps.Min || v > ps.Max) {
		return done(p.fail("value %v for %s is outside the registry's range %v..%v (0 would stop that scheduling entirely)", v, name, ps.Min, ps.Max))
	}
	p.ok("value %v for %s is within the registry's range and PD's", v, name)
	cfg, err := p.pdUp(ctx)
	if err != nil {
		return done(err)
	}
	var cur uint64
	if b, ok := cfg.Raw[name]; ok {
		if err := json.Unmarshal(b, &cur); err != nil {
			return fmt.Errorf("read %s from the schedule config: %w", name, err)
		}
	} else {
		return done(p.fail("PD's schedule config has no %s", name))
	}
	p.ok("%s is currently %d", name, cur)
	p.res.Predicted["name"] = name
	p.res.Predicted["from"] = cur
	p.res.Predicted["to"] = uint64(v)
	if cur == uint64(v) {
		p.warn("%s is already %d: nothing would change", name, cur)
	}
	return nil
}

// scheduler checks that the named scheduler exists in PD, and for a resume
// that it is paused.
func (p *preflight) scheduler(ctx context.Context, pause bool) error {
	name, err := p.str("name")
	if err != nil {
		return done(err)
	}
	if pause {
		d, err := p.duration("for")
		if err != nil {
			return done(err)
		}
		p.ok("pause length %s is within the registry's range", d)
		p.res.Predicted["paused_for_seconds"] = int64(d.Seconds())
	}
	p.res.Predicted["scheduler"] = name
	all, err := p.pdc.GetSchedulers(ctx, pd.SchedulersAll)
	if err != nil {
		return fmt.Errorf("read schedulers: %w", err)
	}
	if !slices.Contains(all, name) {
		return done(p.fail("PD has no scheduler %s (it has: %v)", name, all))
	}
	p.ok("PD runs scheduler %s", name)
	paused, err := p.pdc.GetSchedulers(ctx, pd.SchedulersPaused)
	if err != nil {
		return fmt.Errorf("read paused schedulers: %w", err)
	}
	isPaused := slices.Contains(paused, name)
	switch {
	case pause && isPaused:
		p.warn("scheduler %s is already paused: this would only change when it resumes", name)
	case !pause && !isPaused:
		p.warn("scheduler %s is not paused: nothing would change", name)
	}
	p.ok("scheduler %s is %s", name, map[bool]string{true: "paused", false: "running"}[isPaused])
	return nil
}
