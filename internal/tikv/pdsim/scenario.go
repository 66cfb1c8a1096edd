package pdsim

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	"gopkg.in/yaml.v3"
)

// Scenario is a timeline of faults at simulated times, loaded from YAML:
//
//	name: one store crashes
//	events:
//	  - at: 30s
//	    fault: {type: kill-store, store: 3}
//
// Times are offsets from the moment the scenario is loaded.
type Scenario struct {
	Name        string          `yaml:"name"`
	Description string          `yaml:"description"`
	Cluster     ScenarioCluster `yaml:"cluster"`
	Events      []ScenarioEvent `yaml:"events"`
}

// ScenarioCluster optionally sizes the cluster the scenario wants; flags win.
type ScenarioCluster struct {
	Stores  int   `yaml:"stores"`
	Regions int   `yaml:"regions"`
	Seed    int64 `yaml:"seed"`
	// MaxStoreDownTime shortens PD's max-store-down-time, e.g. "1m".
	MaxStoreDownTime string `yaml:"max-store-down-time"`
}

// ScenarioEvent is one fault at a simulated offset.
type ScenarioEvent struct {
	At    string `yaml:"at"`
	Fault Fault  `yaml:"fault"`
	at    time.Duration
}

var faultTypes = map[string]bool{
	"kill-store": true, "restore-store": true, "slow-store": true, "fill-disk": true, "hotspot": true,
	"leader-imbalance": true, "lose-peers": true, "down-peer": true, "pending-peer": true, "add-store": true, "pd-errors": true, "pd-slow": true,
	"pd-truncate": true, "clear-pd-faults": true, "clear-hotspot": true,
}

// ParseScenario reads and validates a scenario, naming every problem with
// its event number so a typo is found before the run, not an hour into it.
func ParseScenario(r io.Reader) (*Scenario, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	var sc Scenario
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&sc); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("parse scenario: %w", err)
	}
	var problems []error
	if sc.Cluster.MaxStoreDownTime != "" {
		if _, err := time.ParseDuration(sc.Cluster.MaxStoreDownTime); err != nil {
			problems = append(problems, fmt.Errorf("cluster.max-store-down-time %q is not a duration like 1m", sc.Cluster.MaxStoreDownTime))
		}
	}
	for i := range sc.Events {
		ev := &sc.Events[i]
		d, err := time.ParseDuration(ev.At)
		if err != nil || d < 0 {
			problems = append(problems, fmt.Errorf("event %d: at %q is not a duration like 30s or 1h", i+1, ev.At))
		}
		ev.at = d
		if !faultTypes[ev.Fault.Type] {
			problems = append(problems, fmt.Errorf("event %d: unknown fault type %q", i+1, ev.Fault.Type))
		}
		if ev.Fault.Latency != "" {
			if _, err := time.ParseDuration(ev.Fault.Latency); err != nil {
				problems = append(problems, fmt.Errorf("event %d: latency %q is not a duration like 250ms", i+1, ev.Fault.Latency))
			}
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("invalid scenario: %w", errors.Join(problems...))
	}
	return &sc, nil
}

// Load schedules a scenario's events relative to the cluster's current
// simulated time. An event whose fault fails (a store that does not exist)
// is reported through onError and skipped; the rest still run.
func (c *Cluster) Load(sc *Scenario, onError func(ev ScenarioEvent, err error)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.catchUp()
	if sc.Cluster.MaxStoreDownTime != "" {
		if d, err := time.ParseDuration(sc.Cluster.MaxStoreDownTime); err == nil {
			c.schedule.MaxStoreDownTime = duration{d}
		}
	}
	start := c.now
	for _, ev := range sc.Events {
		ev := ev
		c.enqueue(start.Add(ev.at), func(c *Cluster) {
			if err := c.inject(ev.Fault); err != nil && onError != nil {
				onError(ev, err)
			}
		})
	}
}
