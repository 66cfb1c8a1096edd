package policy

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/operator-dev/operator/internal/yamldoc"
	"gopkg.in/yaml.v3"
)

var (
	windowKeys = []string{"days", "start", "end", "timezone"}
	clockRE    = regexp.MustCompile(`^([01]?[0-9]|2[0-3]):([0-5][0-9])$`)
)

func (ps *parser) windows(pol *Policy, n *yaml.Node) {
	seq, ok := ps.list(n, "maintenance-windows", "a list of windows")
	if !ok {
		return
	}
	if len(seq.Content) == 0 {
		// An empty list would forbid every action but the always-allowed
		// ones, forever: surely not what was meant.
		ps.report(n, "maintenance-windows", "empty list: nothing could ever start; remove the key to allow starting at any time")
		return
	}
	for i, item := range seq.Content {
		path := index("maintenance-windows", i)
		m, ok := ps.section(item, path, "a mapping of "+joinKeys(windowKeys))
		if !ok {
			if isNull(item) {
				ps.report(item, path, "empty window: set days, start and end")
			}
			continue
		}
		before := len(ps.problems)
		w := window{zone: "UTC", loc: time.UTC}
		set := map[string]bool{}
		var startNode *yaml.Node
		ps.mapping(m, path, windowKeys, func(key string, k, v *yaml.Node) {
			p := join(path, key)
			set[key] = true
			switch key {
			case "days":
				ps.days(v, p, &w)
			case "start":
				startNode = v
				if c, err := clockTime(v, false); err != nil {
					ps.report(v, p, "%v", err)
				} else {
					w.start = c
				}
			case "end":
				if c, err := clockTime(v, true); err != nil {
					ps.report(v, p, "%v", err)
				} else {
					w.end = c
				}
			case "timezone":
				zone, err := nodeString(v)
				if err == nil {
					w.loc, err = location(zone)
				}
				if err != nil {
					ps.report(v, p, "%v", err)
				} else {
					w.zone = zone
				}
			}
		})
		for _, key := range windowKeys[:3] {
			if !set[key] {
				ps.report(item, join(path, key), "missing: every window sets days, start and end")
			}
		}
		if len(ps.problems) == before && w.start == w.end {
			ps.report(startNode, join(path, "end"), "start and end are both %s: a window must have a length", clock(w.start))
		}
		if len(ps.problems) == before {
			pol.windows = append(pol.windows, w)
		}
	}
}

func (ps *parser) days(n *yaml.Node, path string, w *window) {
	seq, ok := ps.list(n, path, "a list of days (mon, tue, ...)")
	if !ok || len(seq.Content) == 0 {
		if ok || isNull(n) {
			ps.report(n, path, "empty: list the days the window opens on (mon, tue, ...)")
		}
		return
	}
	for _, item := range seq.Content {
		s, err := nodeString(item)
		if err != nil {
			ps.report(item, path, "%v", err)
			continue
		}
		d := slices.Index(dayNames, strings.ToLower(s))
		switch {
		case d < 0:
			ps.report(item, path, "%s", unknownName("day", s, []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}))
		case w.days[d]:
			ps.report(item, path, "%s is listed twice", dayNames[d])
		default:
			w.days[d] = true
		}
	}
}

// clockTime reads "HH:MM" as minutes after midnight; an end may also be
// "24:00", the end of the day.
func clockTime(n *yaml.Node, end bool) (int, error) {
	s, err := nodeString(n)
	if err != nil {
		return 0, fmt.Errorf("want a time of day such as \"02:00\", got %s", yamldoc.Describe(n))
	}
	if end && s == "24:00" {
		return 24 * 60, nil
	}
	m := clockRE.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("invalid time of day %q (want HH:MM, 00:00 to 23:59)", s)
	}
	h, _ := strconv.Atoi(m[1])
	min, _ := strconv.Atoi(m[2])
	return h*60 + min, nil
}

// location loads a named zone. "Local" is refused: the same file would mean
// different hours on different hosts.
func location(zone string) (*time.Location, error) {
	switch zone {
	case "":
		return nil, fmt.Errorf("empty time zone (want e.g. UTC, Europe/Berlin)")
	case "Local":
		return nil, fmt.Errorf("time zone Local depends on the host; name the zone (e.g. UTC, Europe/Berlin)")
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q (want an IANA name such as UTC or Europe/Berlin)", zone)
	}
	return loc, nil
}
