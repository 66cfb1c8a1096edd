package action

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
)

// Progress is how far a long piece of work has got: the regions a drain
// has moved off a store, the steps of a plan completed. It is measured
// when asked, never stored: a drain run completes once PD is draining,
// long before the store is empty, so the work outlives the run.
type Progress struct {
	Done  int64  `json:"done"`
	Total int64  `json:"total"`
	Unit  string `json:"unit"` // "regions", "steps"
	// Rate is units per second, averaged since the work started; 0 is
	// unknown (nothing has moved yet).
	Rate float64 `json:"rate"`
	// ETA is how long the rest takes at Rate; 0 is unknown (or finished).
	// Its JSON form is eta_seconds: a client in any language reads seconds.
	ETA      time.Duration `json:"-"`
	Finished bool          `json:"finished"`
	// Note says what the measure rests on or why it stopped: "store 4 is
	// Offline: PD is moving its regions away".
	Note string `json:"note,omitempty"`
}

// ProgressReporter is what a Driver may also implement: the progress of
// a run's work on the live cluster, from the intent recorded when it
// started executing. ok is false for an action whose progress the driver
// does not measure. It only reads, and it is asked about finished runs
// too (a completed drain keeps draining).
type ProgressReporter interface {
	Progress(ctx context.Context, run Run, in Intent, now time.Time) (p Progress, ok bool, err error)
}

// maxETA bounds an ETA: beyond it the rate is too slow to say anything
// (and the Duration would overflow).
const maxETA = 100 * 365 * 24 * time.Hour

// Measure is the progress of work that had total units to do at started
// and has remaining left at now. The rate is the average since started,
// and the ETA the remaining units at that rate; both are unknown (0)
// until something has moved. Remaining above total (regions split on a
// draining store) counts as nothing done, and the ETA is for what is
// actually left.
func Measure(total, remaining int64, unit string, started, now time.Time) Progress {
	total, remaining = max(total, 0), max(remaining, 0)
	p := Progress{Total: total, Unit: unit, Done: max(total-remaining, 0)}
	if remaining == 0 {
		p.Done, p.Finished = total, true
		return p
	}
	elapsed := now.Sub(started).Seconds()
	if p.Done == 0 || elapsed <= 0 || started.IsZero() {
		return p
	}
	p.Rate = float64(p.Done) / elapsed
	secs := math.Ceil(float64(remaining) / p.Rate)
	if secs < maxETA.Seconds() {
		p.ETA = time.Duration(secs) * time.Second
	}
	return p
}

// Percent is Done of Total in whole percent, rounded down so that 100
// means finished.
func (p Progress) Percent() int {
	if p.Total <= 0 {
		if p.Finished {
			return 100
		}
		return 0
	}
	return int(min(max(p.Done, 0)*100/p.Total, 100))
}

// String is the progress in one line:
// "412/1000 regions (41%), 12.3 regions/s, ETA 48s".
func (p Progress) String() string {
	b := &strings.Builder{}
	fmt.Fprintf(b, "%d/%d %s (%d%%)", p.Done, p.Total, p.Unit, p.Percent())
	switch {
	case p.Finished && p.Done >= p.Total:
		b.WriteString(", finished")
	case p.Finished:
		b.WriteString(", ended") // a plan stopped by a failed step
	case p.Rate > 0:
		fmt.Fprintf(b, ", %s", rateText(p.Rate, p.Unit))
		if p.ETA > 0 {
			fmt.Fprintf(b, ", ETA %s", ETAText(p.ETA))
		} else {
			b.WriteString(", ETA unknown")
		}
	case p.Done == 0:
		b.WriteString(", ETA unknown (nothing moved yet)")
	default:
		b.WriteString(", ETA unknown")
	}
	if p.Note != "" {
		fmt.Fprintf(b, "; %s", p.Note)
	}
	return b.String()
}

// rateText picks the time unit that keeps a slow rate (a plan's steps)
// readable: "12.3 regions/s", "0.5 steps/min".
func rateText(perSec float64, unit string) string {
	switch {
	case perSec >= 1:
		return fmt.Sprintf("%.1f %s/s", perSec, unit)
	case perSec*60 >= 0.1:
		return fmt.Sprintf("%.1f %s/min", perSec*60, unit)
	}
	return fmt.Sprintf("%.1f %s/h", perSec*3600, unit)
}

// ETAText writes a duration the way people read an ETA: "48s", "3m12s",
// "1h04m", "2d03h".
func ETAText(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%02dh", int(d.Hours())/24, int(d.Hours())%24)
}

// progressJSON is Progress on the wire: the ETA in seconds.
type progressJSON struct {
	progressFields
	ETASeconds float64 `json:"eta_seconds,omitempty"`
}

// progressFields is Progress without its methods, so encoding it does
// not recurse into MarshalJSON.
type progressFields Progress

// MarshalJSON writes the ETA as eta_seconds (omitted when unknown).
func (p Progress) MarshalJSON() ([]byte, error) {
	return json.Marshal(progressJSON{progressFields: progressFields(p), ETASeconds: p.ETA.Seconds()})
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (p *Progress) UnmarshalJSON(b []byte) error {
	var v progressJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("decode progress: %w", err)
	}
	*p = Progress(v.progressFields)
	if v.ETASeconds > 0 && v.ETASeconds < maxETA.Seconds() {
		p.ETA = time.Duration(v.ETASeconds * float64(time.Second))
	}
	return nil
}
