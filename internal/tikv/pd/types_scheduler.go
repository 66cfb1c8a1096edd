package pd

import (
	"fmt"
	"time"
)

// SchedulerFilter narrows GET /schedulers.
type SchedulerFilter uint8

// Scheduler filters. PD answers every scheduler for a status it does not
// know, so only these are offered.
const (
	SchedulersAll      SchedulerFilter = iota + 1 // no filter
	SchedulersPaused                              // paused ones
	SchedulersDisabled                            // disabled ones
)

func (f SchedulerFilter) wire() (string, bool) {
	switch f {
	case SchedulersAll:
		return "", true
	case SchedulersPaused:
		return "paused", true
	case SchedulersDisabled:
		return "disabled", true
	}
	return "", false
}

func (f SchedulerFilter) String() string {
	if f == SchedulersAll {
		return "all"
	}
	if s, ok := f.wire(); ok {
		return s
	}
	return fmt.Sprintf("SchedulerFilter(%d)", uint8(f))
}

// PausedScheduler is one entry of GET /schedulers?status=paused&timestamp=true.
type PausedScheduler struct {
	Name     string    `json:"name"`
	PausedAt time.Time `json:"paused_at"`
	ResumeAt time.Time `json:"resume_at"`
}

// CheckerStatus is GET /checker/{name}.
type CheckerStatus struct {
	Paused bool `json:"paused"`
}

// Checker names accepted by /checker/{name}.
const (
	CheckerLearner    = "learner"
	CheckerReplica    = "replica"
	CheckerRule       = "rule"
	CheckerSplit      = "split"
	CheckerMerge      = "merge"
	CheckerJointState = "joint-state"
	CheckerAffinity   = "affinity"
)

// schedulerNeedsStore reports whether adding the scheduler needs a store_id.
func schedulerNeedsStore(name string) bool {
	switch name {
	case "evict-leader-scheduler", "grant-leader-scheduler":
		return true
	}
	return false
}
