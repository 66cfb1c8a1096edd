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
	// Cluster-wide settings move no data by themselves: nothing to count.
	p.blast(0, 0, 0)
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
	p.blast(0, 0, 0)
	if err := p.pdLeader(ctx); err != nil {
		return done(err)
	}
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

// setLowSpaceRatio checks the value against the registry's range and PD's
// rule: PD's ScheduleConfig.Validate refuses low-space-ratio <=
// high-space-ratio (equal included) with "low-space-ratio should be larger
// than high-space-ratio", as the captured real-PD answer
// POST_config_schedule__high_gt_low_ratio shows. It also says which stores
// the new line would make low on space, or free again.
func (p *preflight) setLowSpaceRatio(ctx context.Context) error {
	const key = "low-space-ratio"
	v, err := p.number("value")
	if err != nil {
		return done(err)
	}
	p.ok("value %v is within the registry's range", v)
	p.blast(0, 0, 0)
	if err := p.pdLeader(ctx); err != nil {
		return done(err)
	}
	cfg, err := p.pdc.GetScheduleConfig(ctx)
	if err != nil {
		return fmt.Errorf("read schedule config: %w", err)
	}
	if v <= cfg.HighSpaceRatio {
		return done(p.fail("%s %v is not above high-space-ratio %v: PD refuses it (low-space-ratio should be larger than high-space-ratio)",
			key, v, cfg.HighSpaceRatio))
	}
	p.ok("%s %v is above high-space-ratio %v", key, v, cfg.HighSpaceRatio)
	p.res.Predicted["name"] = key
	p.res.Predicted["from"] = cfg.LowSpaceRatio
	p.res.Predicted["to"] = v
	p.ok("%s is currently %v (recorded for the undo)", key, cfg.LowSpaceRatio)
	if v == cfg.LowSpaceRatio {
		p.warn("%s is already %v: nothing would change", key, v)
	}

	up, _, err := p.storeHealth(ctx)
	if err != nil {
		return err
	}
	var becomeLow, becomeFree []pd.StoreID
	for _, s := range up {
		was, _ := lowSpace(s.Status, cfg.LowSpaceRatio)
		will, _ := lowSpace(s.Status, v)
		switch {
		case will && !was:
			becomeLow = append(becomeLow, s.Store.ID)
		case was && !will:
			becomeFree = append(becomeFree, s.Store.ID)
		}
	}
	p.res.Predicted["stores_becoming_low_space"] = len(becomeLow)
	if len(becomeLow) > 0 {
		p.warn("at %s %v PD would count store(s) %v as low on space and stop moving regions onto them", key, v, becomeLow)
	}
	if len(becomeFree) > 0 {
		p.warn("at %s %v store(s) %v, low on space now, would take regions again", key, v, becomeFree)
	}
	p.ok("checked which of %d Up stores the new line changes: %d become low on space, %d stop being", len(up), len(becomeLow), len(becomeFree))
	return nil
}
