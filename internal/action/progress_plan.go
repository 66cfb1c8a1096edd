package action

import (
	"fmt"
	"slices"
	"time"
)

// PlanProgress is how far a plan has got, from its runs alone (the
// cluster is not asked): its steps completed of all its steps. started
// is when its first step began executing (zero: not yet); the rate and
// ETA count whole steps, so they are rough when steps differ in length.
// Compensation runs are not steps: once a step has failed, the steps
// after it never run, so the ETA is dropped and the note says what
// happened and how far the undoing has got. The plan is finished when
// every run of it is terminal.
func PlanProgress(runs []Run, started, now time.Time) Progress {
	var total, done, comps, compsDone int64
	var stopped *Run
	finished := len(runs) > 0
	steps := slices.Clone(runs)
	slices.SortFunc(steps, func(a, b Run) int { return a.PlanStep - b.PlanStep })
	for i, r := range steps {
		finished = finished && r.State.Terminal()
		if r.Compensates != 0 {
			comps++
			if r.State == Completed {
				compsDone++
			}
			continue
		}
		total++
		switch {
		case r.State == Completed:
			done++
		case r.State.Terminal() && stopped == nil:
			stopped = &steps[i]
		}
	}
	p := Measure(total, total-done, "steps", started, now)
	p.Finished = finished
	if stopped == nil {
		return p
	}
	p.Rate, p.ETA = 0, 0
	p.Note = fmt.Sprintf("step %d (run %d, %s) %s: the steps after it do not run", stopped.PlanStep, stopped.ID, stopped.Action, stopped.State)
	if comps > 0 {
		p.Note += fmt.Sprintf("; undoing completed steps: %d of %d undone", compsDone, comps)
	}
	return p
}
