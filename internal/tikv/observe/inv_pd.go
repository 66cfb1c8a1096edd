package observe

import (
	"fmt"
	"strings"
	"time"

	"github.com/operator-dev/operator/internal/subject"
)

// PD's own health. Both need only pd:health: if PD does not answer at all,
// every pd:* source failed and the monitor reports that instead; these
// checks are for a PD that answers but is not well. No labels: one ticket
// for PD.

// pdUnhealthy: a member reports unhealthy, GET /health lists no member, or
// (when cluster/status answered) the cluster is not bootstrapped.
func (cfg Config) pdUnhealthy(d *Data, _ time.Time) []subject.Violation {
	var problems []string
	var bad []string
	for _, m := range d.Health {
		if !m.Health {
			bad = append(bad, m.Name)
		}
	}
	switch {
	case len(d.Health) == 0:
		problems = append(problems, "GET /health lists no PD member")
	case len(bad) == 1:
		problems = append(problems, fmt.Sprintf("PD member %s reports unhealthy", bad[0]))
	case len(bad) > 1:
		problems = append(problems, fmt.Sprintf("%d of %d PD members report unhealthy (%s)", len(bad), len(d.Health), strings.Join(bad, ", ")))
	}
	notBootstrapped := d.ClusterStatus != nil && !d.ClusterStatus.IsInitialized
	if notBootstrapped {
		problems = append(problems, "the cluster is not bootstrapped (no TiKV has joined PD)")
	}
	if len(problems) == 0 {
		return nil
	}
	members := make([]map[string]any, 0, len(d.Health))
	for _, m := range d.Health {
		members = append(members, map[string]any{"name": m.Name, "member_id": m.MemberID, "client_urls": m.ClientURLs, "health": m.Health})
	}
	ev := map[string]any{
		"members":           members,
		"unhealthy_members": bad,
	}
	if d.ClusterStatus != nil {
		ev["is_initialized"] = d.ClusterStatus.IsInitialized
	}
	return []subject.Violation{{
		Severity: subject.Critical,
		Summary:  "PD is unhealthy: " + strings.Join(problems, "; "),
		Evidence: ev,
	}}
}

// pdNoLeader: GET /leader failed or named no member while PD answered
// GET /health.
func (cfg Config) pdNoLeader(d *Data, _ time.Time) []subject.Violation {
	var why string
	switch {
	case d.LeaderErr != "":
		why = "GET /leader failed: " + d.LeaderErr
	case d.Leader == nil || d.Leader.Name == "" && d.Leader.MemberID == 0:
		why = "GET /leader named no member"
	default:
		return nil
	}
	return []subject.Violation{{
		Severity: subject.Critical,
		Summary:  "PD has no leader: " + why,
		Evidence: map[string]any{"leader_error": d.LeaderErr, "members": len(d.Health)},
	}}
}
