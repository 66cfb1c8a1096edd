package pd

import "time"

// MaintenanceTask is a v2 maintenance lock (GET /pd/api/v2/maintenance).
// PD holds at most one task cluster-wide; starting another is a 409 that
// carries the existing task.
type MaintenanceTask struct {
	Type           string `json:"type"`
	ID             string `json:"id"`
	StartTimestamp int64  `json:"start_timestamp"` // unix seconds
	Description    string `json:"description"`
}

// Started converts StartTimestamp.
func (t MaintenanceTask) Started() time.Time { return time.Unix(t.StartTimestamp, 0).UTC() }
