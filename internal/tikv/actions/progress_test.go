package actions

import (
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

func (e *drvEnv) progress(run action.Run, in action.Intent) (action.Progress, bool) {
	e.t.Helper()
	p, ok, err := e.d.Progress(ctxT(e.t), run, in, e.clock.Now())
	if err != nil {
		e.t.Fatalf("progress of %s: %v", run.Action, err)
	}
	return p, ok
}

// A drain run completes once the store is Offline; its progress is then
// measured on the cluster while PD moves the regions away: it rises, its
// ETA is finite once something moved, and it ends finished when the store
// is Tombstone.
func TestDrainProgress(t *testing.T) {
	e := newDrvEnv(t, pdsim.Options{})
	run := e.newRun(DrainStore, map[string]any{"store_id": 4})
	in := e.execute(run, time.Second, 5*time.Second)
	e.release(run, in)
	run.State = action.Completed // the run is over; the drain is not

	first, ok := e.progress(run, in)
	if !ok || first.Unit != "regions" || first.Total == 0 || first.Finished {
		t.Fatalf("progress right after the drain started: %+v, %v", first, ok)
	}
	t.Logf("at the start: %s", first)

	var (
		last              = first
		partial           = map[int64]bool{} // distinct counts seen under way
		midETA            time.Duration
		midAt, finishedAt time.Time
		deadline          = e.clock.Now().Add(time.Hour)
	)
	for !last.Finished {
		if !e.clock.Now().Before(deadline) {
			t.Fatalf("drain not finished after an hour of simulated time: %s", last)
		}
		e.clock.Advance(2 * time.Second)
		p, ok := e.progress(run, in)
		if !ok {
			t.Fatalf("progress not measured at %s", e.clock.Now())
		}
		if p.Total != first.Total {
			t.Fatalf("total changed from %d to %d: it is the count when the drain was planned", first.Total, p.Total)
		}
		if p.Done < last.Done {
			// A split on the draining store can add a region; a drain
			// that visibly goes backwards by more is a bug.
			if last.Done-p.Done > 2 {
				t.Fatalf("progress fell from %s to %s", last, p)
			}
		}
		if !p.Finished && p.Done > 0 {
			partial[p.Done] = true
			if p.Rate <= 0 || p.ETA <= 0 || p.ETA > 24*time.Hour {
				t.Fatalf("%d of %d moved but rate %v and ETA %v", p.Done, p.Total, p.Rate, p.ETA)
			}
			if midAt.IsZero() && p.Done*2 >= p.Total {
				midETA, midAt = p.ETA, e.clock.Now()
				t.Logf("halfway: %s", p)
			}
		}
		last = p
	}
	finishedAt = e.clock.Now()
	t.Logf("finished after %s: %s", finishedAt.Sub(in.At), last)
	if last.Done != last.Total || last.ETA != 0 || !strings.Contains(last.Note, "Tombstone") {
		t.Fatalf("finished drain: %+v", last)
	}
	if midAt.IsZero() || len(partial) < 3 {
		t.Fatalf("progress went from %s to finished through only %d partial counts, none past halfway: %v", first, len(partial), !midAt.IsZero())
	}
	t.Logf("the ETA at halfway was %s; the rest took %s", midETA, finishedAt.Sub(midAt))
	// The ETA at halfway is the average rate's guess; it should be the
	// right order of magnitude of what the rest took.
	took := finishedAt.Sub(midAt)
	if midETA > 4*took+time.Minute || 4*midETA+time.Minute < took {
		t.Errorf("ETA at halfway %s, the rest took %s", midETA, took)
	}
}

// A drain cancelled halfway: the store is Up again, what moved is
// counted, and nothing claims an end.
func TestDrainProgressAfterCancel(t *testing.T) {
	e := newDrvEnv(t, pdsim.Options{})
	run := e.newRun(DrainStore, map[string]any{"store_id": 2})
	in := e.execute(run, time.Second, 5*time.Second)
	e.release(run, in)
	for i := 0; i < 60; i++ {
		if p, _ := e.progress(run, in); p.Done > 0 {
			break
		}
		e.clock.Advance(10 * time.Second)
	}
	cancel := e.newRun(CancelDrain, map[string]any{"store_id": 2})
	cin := e.execute(cancel, time.Second, 5*time.Second)
	e.release(cancel, cin)

	p, ok := e.progress(run, in)
	if !ok || p.Finished || p.Rate != 0 || p.ETA != 0 || p.Done == 0 || !strings.Contains(p.Note, "not draining") {
		t.Fatalf("progress of a cancelled drain: %+v, %v", p, ok)
	}
	t.Logf("cancelled: %s", p)
	// cancel_drain itself is over when it is over: nothing to measure.
	if p, ok := e.progress(cancel, cin); ok {
		t.Fatalf("cancel_drain measured: %+v", p)
	}
}

// An intent this driver did not plan is an error, not a made-up figure.
func TestDrainProgressNeedsTheRecordedCount(t *testing.T) {
	e := newDrvEnv(t, pdsim.Options{Stores: 3, Regions: 10})
	run := e.newRun(DrainStore, map[string]any{"store_id": 1})
	in := action.Intent{Call: "DELETE /store/1", Watch: map[string]any{"kind": "store-state", "store_id": 1, "to": "Offline"}}
	if _, _, err := e.d.Progress(ctxT(t), run, in, e.clock.Now()); err == nil || !strings.Contains(err.Error(), `"store"`) {
		t.Fatalf("progress without a before snapshot: %v", err)
	}
}
