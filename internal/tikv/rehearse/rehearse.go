package rehearse

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/tikv/pd"
)

var (
	// ErrNotRehearsable: the action has no rehearsal (it acts on state a
	// snapshot does not hold, or our PD client has no call for it).
	ErrNotRehearsable = errors.New("rehearse: action cannot be rehearsed")
	// ErrParams: the parameters do not fit the action.
	ErrParams = errors.New("rehearse: bad parameters")
	// ErrWritableClient: the live client could write. A rehearsal holds
	// only the read-only credential, so a mistake here cannot reach PD.
	ErrWritableClient = errors.New("rehearse: the live PD client is not read-only")
)

// Rehearse runs action name with params on a simulator loaded with a
// snapshot of the cluster live reads, and reports the predicted effect.
// live must be read-only (pd.Config.ReadOnly). A refusal by PD, or an
// operator that does not finish within the bounded simulated time, is a
// Rehearsal with OK false and PD's words in Message; the error is for
// what kept the rehearsal from running (the live PD unreadable, unknown
// action, bad parameters).
func Rehearse(ctx context.Context, live *pd.Client, name string, params map[string]any, opts Options) (*action.Rehearsal, error) {
	out, err := rehearse(ctx, live, name, params, opts)
	if err != nil {
		return nil, err
	}
	return out.Rehearsal, nil
}

// outcome is a rehearsal's result and the simulator it ran on (closed),
// for tests that look deeper than the Rehearsal.
type outcome struct {
	*action.Rehearsal
	cap       *capture
	regionsAt [2]int // regions in the simulator before and after
	moves     int    // replicas that landed on a new store
	// op is the admin operator, as last seen, for an operator action.
	op *pd.OperatorDetail
}

func rehearse(ctx context.Context, live *pd.Client, name string, params map[string]any, opts Options) (*outcome, error) {
	what := "rehearse " + name
	if live == nil {
		return nil, fmt.Errorf("%s: no live PD client", what)
	}
	if !live.ReadOnly() {
		return nil, fmt.Errorf("%s: %w", what, ErrWritableClient)
	}
	opts = opts.withDefaults()
	pl, err := planFor(name, params)
	if err != nil {
		return nil, err
	}
	cap, err := read(ctx, live, pl.scope, opts.MaxRegions)
	if err != nil {
		return nil, fmt.Errorf("%s: snapshot the live cluster: %w", what, err)
	}
	s, err := startSim(cap.snap)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer s.close()

	out := &outcome{Rehearsal: &action.Rehearsal{InvariantsAfter: []string{}}, cap: cap}
	if out.regionsAt[0], err = s.pd.GetRegionCount(ctx); err != nil {
		return nil, fmt.Errorf("%s: count the simulator's regions: %w", what, err)
	}
	// The executor pauses these first; so does the rehearsal, for longer
	// than it can run.
	for _, ck := range opts.pausedCheckers() {
		if err := s.pd.PauseChecker(ctx, ck, opts.bound()+opts.MaxSimulated); err != nil {
			return nil, fmt.Errorf("%s: pause the %s checker on the simulator: %w", what, ck, err)
		}
	}
	steps, err := pl.apply(ctx, s.pd)
	if err != nil {
		// A refusal is the rehearsal's finding, worded as PD (or the
		// client, before sending) words it; anything else broke the run.
		var pe *pd.Error
		switch {
		case errors.As(err, &pe) && pe.Status != 0:
			out.Message = fmt.Sprintf("PD refused %s: %s", name, pe.Message)
		case errors.Is(err, pd.ErrInvalidArgument):
			out.Message = fmt.Sprintf("the PD client refused %s before sending: %v", name, err)
		default:
			return nil, fmt.Errorf("%s: apply on the simulator: %w", what, err)
		}
		return out, nil
	}
	out.Steps = steps

	var done bool
	var note string
	switch pl.wait {
	case waitNone:
		done = true
	case waitOperator:
		done, note, err = waitForOperator(ctx, s, pl, opts, out)
	case waitDrain, waitEvict:
		done, note, err = waitForStore(ctx, s, pl, opts, out)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: run the simulator: %w", what, err)
	}
	out.Seconds = s.elapsed().Seconds()

	if err := measure(ctx, s, cap, out); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if out.InvariantsAfter, err = invariantsAfter(ctx, s, opts); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	out.OK = done
	out.Message = message(name, done, note, cap, out)
	return out, nil
}

// message says what happened and what the figures cover.
func message(name string, done bool, note string, cap *capture, out *outcome) string {
	var b strings.Builder
	if done {
		fmt.Fprintf(&b, "%s ran to completion on the simulator", name)
	} else {
		fmt.Fprintf(&b, "%s did not complete on the simulator", name)
	}
	if note != "" {
		b.WriteString(": " + note)
	}
	fmt.Fprintf(&b, "; %d replica(s) of %d region(s) moved, %s, in %.1fs simulated",
		out.moves, out.RegionsMoved, bytesText(out.BytesMoved), out.Seconds)
	if cap.capped() {
		fmt.Fprintf(&b, "; capped: the snapshot holds %d of the store's %d regions, so the figures cover those only",
			cap.kept, cap.storeRegions)
	}
	if cap.dropped > 0 {
		fmt.Fprintf(&b, "; %d region(s) changed while being read and were left out", cap.dropped)
	}
	return b.String()
}

func bytesText(n int64) string {
	const mib = 1 << 20
	if n >= 1<<30 {
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	}
	return fmt.Sprintf("%d MiB", n/mib)
}
