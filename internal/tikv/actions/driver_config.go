package actions

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/tikv/pd"
)

// scheduleConfigFamily sets one key of PD's schedule config: the four
// schedule limits and low-space-ratio.
type scheduleConfigFamily struct{ d *Driver }

type configWatch struct {
	Kind string  `json:"kind"` // "schedule-config"
	Key  string  `json:"key"`
	To   float64 `json:"to"`
}

func configKey(name string) string {
	if name == SetLowSpaceRatio {
		return "low-space-ratio"
	}
	return ScheduleLimitKey(name)
}

// configValue is the key's current value, read from the raw answer so
// every key is read the same way.
func (f scheduleConfigFamily) configValue(ctx context.Context, key string) (float64, error) {
	cfg, err := f.d.read.GetScheduleConfig(ctx)
	if err != nil {
		return 0, fmt.Errorf("read schedule config: %w", err)
	}
	raw, ok := cfg.Raw[key]
	if !ok {
		return 0, fmt.Errorf("PD's schedule config has no %s", key)
	}
	var v float64
	if err := json.Unmarshal(raw, &v); err != nil {
		return 0, fmt.Errorf("read %s from the schedule config: %w", key, err)
	}
	return v, nil
}

// value keeps limits whole numbers in what is recorded.
func configParam(key string, v float64) any {
	if key == "low-space-ratio" {
		return v
	}
	return uint64(v)
}

func fmtValue(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func (f scheduleConfigFamily) plan(ctx context.Context, p runParams) (action.Intent, error) {
	key := configKey(p.action)
	cur, err := f.configValue(ctx, key)
	if err != nil {
		return action.Intent{}, err
	}
	return action.Intent{
		Call:   fmt.Sprintf("POST /config/schedule {%q: %s}", key, fmtValue(p.value)),
		Watch:  map[string]any{"kind": "schedule-config", "key": key, "to": configParam(key, p.value)},
		Before: map[string]any{"key": key, "value": configParam(key, cur)},
		Undo:   &action.Step{Action: p.action, Params: map[string]any{"value": configParam(key, cur)}},
	}, nil
}

func (f scheduleConfigFamily) submit(ctx context.Context, p runParams) error {
	var patch pd.SchedulePatch
	n := uint64(p.value)
	switch p.action {
	case SetLeaderScheduleLimit:
		patch.LeaderScheduleLimit = &n
	case SetRegionScheduleLimit:
		patch.RegionScheduleLimit = &n
	case SetReplicaScheduleLimit:
		patch.ReplicaScheduleLimit = &n
	case SetHotRegionScheduleLimit:
		patch.HotRegionScheduleLimit = &n
	case SetLowSpaceRatio:
		v := p.value
		patch.LowSpaceRatio = &v
	default:
		return fmt.Errorf("%w: %s is not a schedule config action", action.ErrInvalid, p.action)
	}
	return f.d.write.SetScheduleConfig(ctx, patch)
}

func (f scheduleConfigFamily) observe(ctx context.Context, p runParams, in action.Intent) (action.Observation, error) {
	var w configWatch
	if err := fromJSONValue(in.Watch, &w); err != nil {
		return action.Observation{}, fmt.Errorf("intent watch: %w", err)
	}
	var before float64
	if err := recorded(in.Before, "value", &before); err != nil {
		return action.Observation{}, err
	}
	cur, err := f.configValue(ctx, w.Key)
	if err != nil {
		return action.Observation{}, err
	}
	return judgeValue(w.Key, fmtValue(cur), sameFloat(cur, w.To), sameFloat(cur, before)), nil
}

func (f scheduleConfigFamily) verify(ctx context.Context, p runParams, in action.Intent) (action.Verification, error) {
	var w configWatch
	if err := fromJSONValue(in.Watch, &w); err != nil {
		return action.Verification{}, fmt.Errorf("intent watch: %w", err)
	}
	cur, err := f.configValue(ctx, w.Key)
	if err != nil {
		return action.Verification{}, err
	}
	after := map[string]any{"key": w.Key, "value": configParam(w.Key, cur)}
	return verdict(sameFloat(cur, w.To), w.Key, fmtValue(cur), fmtValue(w.To), after), nil
}

// schedulerFamily pauses and resumes PD's balance and hotspot schedulers.
type schedulerFamily struct{ d *Driver }

type schedulerWatch struct {
	Kind       string `json:"kind"` // "scheduler-paused"
	Name       string `json:"name"`
	Paused     bool   `json:"paused"`
	ForSeconds int64  `json:"for_seconds,omitempty"`
}

// schedulerSnap is whether a scheduler is paused and until when.
type schedulerSnap struct {
	Name     string `json:"name"`
	Paused   bool   `json:"paused"`
	ResumeAt string `json:"resume_at,omitempty"` // RFC 3339
}

func (f schedulerFamily) state(ctx context.Context, name string) (schedulerSnap, error) {
	paused, err := f.d.read.GetPausedSchedulers(ctx)
	if err != nil {
		return schedulerSnap{}, fmt.Errorf("read paused schedulers: %w", err)
	}
	i := slices.IndexFunc(paused, func(p pd.PausedScheduler) bool { return p.Name == name })
	if i < 0 {
		return schedulerSnap{Name: name}, nil
	}
	return schedulerSnap{Name: name, Paused: true, ResumeAt: paused[i].ResumeAt.UTC().Format(time.RFC3339)}, nil
}

// remainingPause is the registry's pause parameter for what is left of a
// pause: whole seconds, rounded up, within the registry's 1m..24h.
func remainingPause(resumeAt string, now time.Time) string {
	t, err := time.Parse(time.RFC3339, resumeAt)
	if err != nil {
		return time.Minute.String()
	}
	secs := math.Ceil(t.Sub(now).Seconds())
	secs = min(max(secs, 60), 24*3600)
	return (time.Duration(secs) * time.Second).String()
}

func (f schedulerFamily) plan(ctx context.Context, p runParams) (action.Intent, error) {
	st, err := f.state(ctx, p.name)
	if err != nil {
		return action.Intent{}, err
	}
	pause := p.action == PauseScheduler
	in := action.Intent{
		Watch:  jsonValue(schedulerWatch{Kind: "scheduler-paused", Name: p.name, Paused: pause, ForSeconds: int64(p.pauseFor / time.Second)}).(map[string]any),
		Before: map[string]any{"scheduler": jsonValue(st)},
	}
	// The undo puts back what was there: running, or paused until the
	// same moment (as near as the registry's 1m floor allows).
	restore := &action.Step{Action: PauseScheduler, Params: map[string]any{"name": p.name, "for": remainingPause(st.ResumeAt, f.d.opts.Clock())}}
	if pause {
		in.Call = fmt.Sprintf("POST /schedulers/%s {delay: %d}", p.name, int64(p.pauseFor/time.Second))
		in.Undo = &action.Step{Action: ResumeScheduler, Params: map[string]any{"name": p.name}}
		if st.Paused {
			in.Undo = restore
		}
	} else {
		in.Call = fmt.Sprintf("POST /schedulers/%s {delay: 0}", p.name)
		if st.Paused {
			in.Undo = restore
		}
	}
	return in, nil
}

func (f schedulerFamily) submit(ctx context.Context, p runParams) error {
	if p.action == PauseScheduler {
		return f.d.write.PauseScheduler(ctx, p.name, p.pauseFor.Round(time.Second))
	}
	return f.d.write.PauseScheduler(ctx, p.name, 0)
}

func (f schedulerFamily) observe(ctx context.Context, p runParams, in action.Intent) (action.Observation, error) {
	var w schedulerWatch
	if err := fromJSONValue(in.Watch, &w); err != nil {
		return action.Observation{}, fmt.Errorf("intent watch: %w", err)
	}
	var before schedulerSnap
	if err := recorded(in.Before, "scheduler", &before); err != nil {
		return action.Observation{}, err
	}
	now, err := f.state(ctx, w.Name)
	if err != nil {
		return action.Observation{}, err
	}
	what := "scheduler " + w.Name
	word := pausedWord(now)
	if !w.Paused {
		return judgeValue(what, word, !now.Paused, now == before), nil
	}
	switch {
	case now.Paused && (!before.Paused || now.ResumeAt != before.ResumeAt):
		return judgeValue(what, word, true, false), nil
	case now.Paused:
		return judgeValue(what, word, false, true), nil
	case f.d.ageOf(in) >= time.Duration(w.ForSeconds)*time.Second:
		// PD forgets a pause when it ends (and when it restarts).
		return action.Observation{Phase: action.PhaseUnknown,
			Detail: fmt.Sprintf("%s is running, but a pause of %ds from the intent would have ended by now: it may have run", what, w.ForSeconds)}, nil
	case !before.Paused:
		return judgeValue(what, word, false, true), nil
	}
	return judgeValue(what, word, false, false), nil
}

func pausedWord(s schedulerSnap) string {
	if s.Paused {
		return "paused until " + s.ResumeAt
	}
	return "running"
}

func (f schedulerFamily) verify(ctx context.Context, p runParams, in action.Intent) (action.Verification, error) {
	var w schedulerWatch
	if err := fromJSONValue(in.Watch, &w); err != nil {
		return action.Verification{}, fmt.Errorf("intent watch: %w", err)
	}
	now, err := f.state(ctx, w.Name)
	if err != nil {
		return action.Verification{}, err
	}
	want := "running"
	if w.Paused {
		want = "paused"
	}
	return verdict(now.Paused == w.Paused, "scheduler "+w.Name, pausedWord(now), want,
		map[string]any{"scheduler": jsonValue(now)}), nil
}
