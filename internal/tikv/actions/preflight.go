package actions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/tikv/pd"
)

// PreflightOptions tunes the thresholds of Preflight. The zero value uses
// the defaults below.
type PreflightOptions struct {
	// HotWriteBytesPerSec is the write rate (bytes/s, from PD's hot-region
	// statistics) above which a leader transfer gets a warning: the move
	// briefly stalls that region's writes. Default 32 MiB/s.
	HotWriteBytesPerSec float64
	// MinSplitSizeMiB is the region size below which a split gets a
	// warning (it would only make two tiny regions). Default 16 MiB.
	MinSplitSizeMiB int64
	// MaxRegionsToSimulate bounds how many regions the drain quorum
	// simulation reads. Beyond it the drain is refused: safety could not
	// be shown. Default 200000.
	MaxRegionsToSimulate int
	// LargeMergeMiB is the merged size above which a merge gets a warning:
	// TiKV splits a region past its region-split-size (96 MiB by default),
	// so such a merge may soon be undone. Default 96 MiB.
	LargeMergeMiB int64
}

func (o PreflightOptions) withDefaults() PreflightOptions {
	if o.HotWriteBytesPerSec <= 0 {
		o.HotWriteBytesPerSec = 32 << 20
	}
	if o.MinSplitSizeMiB <= 0 {
		o.MinSplitSizeMiB = 16
	}
	if o.MaxRegionsToSimulate <= 0 {
		o.MaxRegionsToSimulate = 200000
	}
	if o.LargeMergeMiB <= 0 {
		o.LargeMergeMiB = 96
	}
	return o
}

// Preflight checks the preconditions of a registry action against the live
// cluster, changing nothing. The same function serves a dry run and the
// check right before execution. A failed precondition is Valid=false with
// a Message naming it; the error is only for a PD that could not be read.
func Preflight(ctx context.Context, pdc *pd.Client, name string, params map[string]any, opts PreflightOptions) (action.DryRunResult, error) {
	opts = opts.withDefaults()
	spec, ok := subject.Action(Registry(), name)
	if !ok {
		return invalidResult(fmt.Sprintf("%q is not an action in the registry", name)), nil
	}
	p := &preflight{pdc: pdc, spec: spec, params: params, opts: opts,
		res: action.DryRunResult{Valid: true, Predicted: map[string]any{}}}
	var err error
	switch name {
	case TransferLeader:
		err = p.transferLeader(ctx)
	case TransferPeer:
		err = p.transferPeer(ctx)
	case AddPeer:
		err = p.addPeer(ctx)
	case RemovePeer:
		err = p.removePeer(ctx)
	case SplitRegion:
		err = p.splitRegion(ctx)
	case MergeRegion:
		err = p.mergeRegion(ctx)
	case CancelOperator:
		err = p.cancelOperator(ctx)
	case DrainStore:
		err = p.drainStore(ctx)
	case CancelDrain:
		err = p.cancelDrain(ctx)
	case EvictLeader:
		err = p.evictLeaders(ctx)
	case CancelEvictLeader:
		err = p.removeEvictLeaders(ctx)
	case SetStoreWeight:
		err = p.setStoreWeight(ctx)
	case SetStoreLimit:
		err = p.setStoreLimit(ctx)
	case SetLeaderScheduleLimit, SetRegionScheduleLimit, SetReplicaScheduleLimit, SetHotRegionScheduleLimit:
		err = p.setScheduleLimit(ctx, ScheduleLimitKey(name))
	case SetLowSpaceRatio:
		err = p.setLowSpaceRatio(ctx)
	case PauseScheduler, ResumeScheduler:
		err = p.scheduler(ctx, name == PauseScheduler)
	default:
		return invalidResult(fmt.Sprintf("preflight for %s is not implemented yet; it cannot be approved until it is", name)), nil
	}
	if err != nil {
		return action.DryRunResult{}, fmt.Errorf("preflight %s: %w", name, err)
	}
	if p.res.Valid && p.res.Message == "" {
		p.res.Message = fmt.Sprintf("%s: all %d preconditions hold", name, len(p.res.Checked))
		if n := len(p.res.Warnings); n > 0 {
			p.res.Message += fmt.Sprintf(" (%d warning(s) to read first)", n)
		}
	}
	if len(p.res.Predicted) == 0 {
		p.res.Predicted = nil
	}
	return p.res, nil
}

func invalidResult(msg string) action.DryRunResult {
	return action.DryRunResult{Valid: false, Message: msg}
}

// errStop ends a check sequence after a failed precondition; Preflight
// never returns it.
var errStop = errors.New("precondition failed")

// preflight accumulates one result.
type preflight struct {
	pdc    *pd.Client
	spec   subject.ActionSpec
	params map[string]any
	opts   PreflightOptions
	res    action.DryRunResult
}

// ok records a precondition that holds.
func (p *preflight) ok(format string, args ...any) {
	p.res.Checked = append(p.res.Checked, "ok: "+fmt.Sprintf(format, args...))
}

// fail records the precondition that does not hold and stops the checks.
func (p *preflight) fail(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	p.res.Checked = append(p.res.Checked, "FAILED: "+msg)
	p.res.Valid = false
	p.res.Message = msg
	return errStop
}

// touch records the identity and shape of something the action touches,
// as the approver is shown it; an approval is bound to these lines.
func (p *preflight) touch(format string, args ...any) {
	p.res.Touches = append(p.res.Touches, fmt.Sprintf(format, args...))
}

func (p *preflight) warn(format string, args ...any) {
	p.res.Warnings = append(p.res.Warnings, fmt.Sprintf(format, args...))
}

// done turns errStop into a clean finish.
func done(err error) error {
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

// id reads a required positive integer parameter (a store or region id).
func (p *preflight) id(name string) (uint64, error) {
	v, ok := p.params[name]
	if !ok || v == nil {
		return 0, p.fail("parameter %s is missing", name)
	}
	n, ok := asUint(v)
	if !ok || n == 0 {
		return 0, p.fail("parameter %s is %v, not a positive whole number", name, v)
	}
	return n, nil
}

func asUint(v any) (uint64, bool) {
	switch x := v.(type) {
	case pd.RegionID:
		return uint64(x), true
	case pd.StoreID:
		return uint64(x), true
	case uint64:
		return x, true
	case int:
		return uint64(x), x >= 0
	case int64:
		return uint64(x), x >= 0
	case float64:
		return uint64(x), x >= 0 && x == math.Trunc(x) && x < 1<<63
	case json.Number:
		n, err := strconv.ParseUint(string(x), 10, 64)
		return n, err == nil
	case string:
		n, err := strconv.ParseUint(strings.TrimSpace(x), 10, 64)
		return n, err == nil
	}
	return 0, false
}

func asFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	case float64:
		return x, !math.IsNaN(x) && !math.IsInf(x, 0)
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil
	}
	return 0, false
}

// str reads a required string parameter and checks the registry's enum.
func (p *preflight) str(name string) (string, error) {
	s, ok := p.params[name].(string)
	if !ok || strings.TrimSpace(s) == "" {
		return "", p.fail("parameter %s is missing or not a string", name)
	}
	if ps, ok := p.paramSpec(name); ok && len(ps.Enum) > 0 {
		for _, e := range ps.Enum {
			if e == s {
				return s, nil
			}
		}
		return "", p.fail("parameter %s is %q; the registry allows only %s", name, s, strings.Join(ps.Enum, ", "))
	}
	return s, nil
}

func (p *preflight) paramSpec(name string) (subject.ParamSpec, bool) {
	for _, ps := range p.spec.Params {
		if ps.Name == name {
			return ps, true
		}
	}
	return subject.ParamSpec{}, false
}

// number reads a required number parameter and checks the registry's
// range.
func (p *preflight) number(name string) (float64, error) {
	raw, ok := p.params[name]
	v, isNum := asFloat(raw)
	if !ok || !isNum {
		return 0, p.fail("parameter %s is missing or not a number", name)
	}
	if ps, ok := p.paramSpec(name); ok && (ps.Min != 0 || ps.Max != 0) && (v < ps.Min || v > ps.Max) {
		return 0, p.fail("parameter %s is %v; the registry allows %v to %v", name, v, ps.Min, ps.Max)
	}
	return v, nil
}

// blast records the most the action can touch. It is set as soon as it is
// known, so a refusal after that point still shows what was at stake.
func (p *preflight) blast(stores, regions int, bytes int64) {
	p.res.Blast = &action.Blast{Stores: stores, Regions: regions, Bytes: bytes}
}

// mib converts PD's MiB sizes (region and store *_size fields) to bytes.
func mib(n int64) int64 { return n << 20 }

// duration reads a required duration parameter (Go syntax, or seconds as
// a number) and checks the registry's range in seconds.
func (p *preflight) duration(name string) (time.Duration, error) {
	var d time.Duration
	switch x := p.params[name].(type) {
	case string:
		v, err := time.ParseDuration(strings.TrimSpace(x))
		if err != nil {
			return 0, p.fail("parameter %s is %q, not a duration like 10m", name, x)
		}
		d = v
	case time.Duration:
		d = x
	default:
		f, ok := asFloat(x)
		if !ok {
			return 0, p.fail("parameter %s is missing or not a duration", name)
		}
		d = time.Duration(f * float64(time.Second))
	}
	if ps, ok := p.paramSpec(name); ok && (ps.Min != 0 || ps.Max != 0) {
		s := d.Seconds()
		if s < ps.Min || s > ps.Max {
			return 0, p.fail("parameter %s is %s; the registry allows %s to %s", name, d,
				time.Duration(ps.Min*float64(time.Second)), time.Duration(ps.Max*float64(time.Second)))
		}
	}
	return d, nil
}

// pdLeader checks only that PD has a leader. It is the whole PD check of
// the actions that change a setting or stop something (cancel an operator
// or a drain): those are safe, often wanted, while scheduling is halted.
func (p *preflight) pdLeader(ctx context.Context) error {
	leader, err := p.pdc.GetLeader(ctx)
	if err != nil {
		return fmt.Errorf("read PD leader: %w", err)
	}
	if leader == nil || leader.Name == "" {
		return p.fail("PD has no leader right now: nothing can be scheduled until PD elects one")
	}
	p.ok("PD has a leader (%s)", leader.Name)
	return nil
}

// pdUp checks that PD has a leader and that scheduling is not halted,
// returning the schedule config for the action's own checks.
func (p *preflight) pdUp(ctx context.Context) (*pd.ScheduleConfig, error) {
	if err := p.pdLeader(ctx); err != nil {
		return nil, err
	}
	cfg, err := p.pdc.GetScheduleConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("read schedule config: %w", err)
	}
	if cfg.HaltScheduling {
		return nil, p.fail("PD scheduling is halted (halt-scheduling is true): someone stopped scheduling on purpose; find out why before changing anything")
	}
	p.ok("PD scheduling is not halted")
	return cfg, nil
}

// lowSpace reports whether a store is below PD's low-space line, and its
// free bytes above that line (0 when below).
func lowSpace(st pd.StoreStatus, lowSpaceRatio float64) (bool, uint64) {
	if st.Capacity == 0 {
		return true, 0
	}
	line := uint64(float64(st.Capacity) * (1 - lowSpaceRatio))
	if uint64(st.Available) <= line {
		return true, 0
	}
	return false, uint64(st.Available) - line
}

func pct(part, whole pd.ByteSize) string {
	if whole == 0 {
		return "?%"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(part)/float64(whole))
}
