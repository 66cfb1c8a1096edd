package policy

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// dayNames are the spellings a window's days use, Sunday first to match
// time.Weekday.
var dayNames = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// window is a weekly maintenance window. It opens at start on each of its
// days, in its time zone, and closes at end the same day, or the next day
// when end is not after start (02:00 is over midnight from 22:00).
type window struct {
	days       [7]bool // by time.Weekday
	start, end int     // minutes after midnight; end may be 1440 ("24:00")
	zone       string  // as written: "UTC", "Europe/Berlin"
	loc        *time.Location
}

func (w window) overnight() bool { return w.end <= w.start }

// dayList names the window's days Monday first, the order people write
// them in.
func (w window) dayList() []string {
	var out []string
	for i := 1; i <= 7; i++ {
		if d := i % 7; w.days[d] {
			out = append(out, dayNames[d])
		}
	}
	return out
}

func (w window) String() string {
	return fmt.Sprintf("%s %s-%s %s", strings.Join(w.dayList(), ","), clock(w.start), clock(w.end), w.zone)
}

func clock(min int) string { return fmt.Sprintf("%02d:%02d", min/60, min%60) }

// opening returns when the window opens and closes on the calendar day
// y-m-d in its zone.
func (w window) opening(y int, m time.Month, d int) (open, close time.Time) {
	open = time.Date(y, m, d, 0, w.start, 0, 0, w.loc)
	endDay := d
	if w.overnight() {
		endDay++
	}
	close = time.Date(y, m, endDay, 0, w.end, 0, 0, w.loc)
	return open, close
}

// contains reports whether t falls in an opening of the window: today's,
// or yesterday's when it runs over midnight.
func (w window) contains(t time.Time) bool {
	local := t.In(w.loc)
	y, m, d := local.Date()
	for _, back := range []int{0, 1} {
		day := time.Date(y, m, d-back, 12, 0, 0, 0, w.loc)
		if !w.days[day.Weekday()] {
			continue
		}
		open, close := w.opening(day.Date())
		if !t.Before(open) && t.Before(close) {
			return true
		}
	}
	return false
}

// nextOpen is the first opening strictly after t.
func (w window) nextOpen(t time.Time) time.Time {
	local := t.In(w.loc)
	y, m, d := local.Date()
	for ahead := 0; ahead <= 8; ahead++ {
		day := time.Date(y, m, d+ahead, 12, 0, 0, 0, w.loc)
		if !w.days[day.Weekday()] {
			continue
		}
		if open, _ := w.opening(day.Date()); open.After(t) {
			return open
		}
	}
	return time.Time{} // a window with no days; Parse refuses those
}

// CanStart reports whether action may start at t: always when the policy
// has no maintenance windows or lists the action as always allowed,
// otherwise only inside a window. why says which; next, when ok is false,
// is when the earliest window opens.
func (p *Policy) CanStart(action string, t time.Time) (ok bool, why string, next time.Time) {
	if len(p.windows) == 0 {
		return true, "no maintenance windows", time.Time{}
	}
	if slices.Contains(p.alwaysAllowed, action) {
		return true, action + " is always allowed", time.Time{}
	}
	var first window
	for _, w := range p.windows {
		if w.contains(t) {
			return true, "inside maintenance window " + w.String(), time.Time{}
		}
		if n := w.nextOpen(t); !n.IsZero() && (next.IsZero() || n.Before(next)) {
			next, first = n, w
		}
	}
	if next.IsZero() {
		return false, "outside every maintenance window", next
	}
	return false, fmt.Sprintf("outside every maintenance window; the next, %s, opens %s",
		first, next.Format("Mon 2006-01-02 15:04 MST")), next
}
