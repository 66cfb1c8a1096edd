package eval

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/operator-dev/operator/internal/config"
	"github.com/operator-dev/operator/internal/tikv/pdsim"
)

// Step is the monitor's interval: the simulation advances in steps of it,
// one monitor cycle per step, as the daemon's default does.
const Step = 10 * time.Second

// maxRun bounds a scenario's simulated time, so a typo ("300m") cannot
// turn one scenario into a minute of wall time.
const maxRun = 2 * time.Hour

// Scenario is one incident: a simulated cluster, a timeline of faults, PD
// API calls and PD answers pdsim does not model, how long to simulate, and
// what a good diagnosis of one ticket says and proposes.
type Scenario struct {
	Name        string
	Description string
	// File is where the scenario came from, for messages.
	File    string
	Cluster Cluster
	// Events are in the file's order; Run applies them sorted by At,
	// keeping that order among equal times.
	Events []Event
	// Run is the simulated time, a whole number of Steps.
	Run time.Duration
	// Prometheus: the scenario needs a real Prometheus scraping the
	// simulated TiKVs (store-high-latency).
	Prometheus bool
	Expect     Expect
}

// Cluster sizes the simulated cluster.
type Cluster struct {
	Stores           int
	Regions          int
	Seed             int64
	MaxStoreDownTime time.Duration // 0: PD's default, 30m
	// StoreCapacity is each store's disk in bytes (0: pdsim's 1 TiB); a
	// small disk lets the regions' own data fill it.
	StoreCapacity uint64
	// NoSplit turns off TiKV's size-based split (pdsim.Options.NoSplit):
	// written regions grow past region-max-size.
	NoSplit bool
}

// Event is one thing that happens at a simulated offset: exactly one of
// Fault, PD and Override is set.
type Event struct {
	At       time.Duration
	Fault    *pdsim.Fault
	PD       *PDCall
	Override *Override
	// Line is the event's line in the file.
	Line int
}

// PDCall is a request sent to PD's API, as an SRE or a script would:
// pausing a scheduler, creating an operator, changing config. It must be
// answered 2xx, or the scenario stops (its setup did not happen).
type PDCall struct {
	Method string `yaml:"method"`
	Path   string `yaml:"path"`
	Body   string `yaml:"body"`
}

// Override makes GET Path answer Status and Body from now on, instead of
// pdsim: for states of PD itself that the simulator does not model (a PD
// member failing its health check, no PD leader). Clear hands the path
// back to pdsim.
type Override struct {
	Path   string `yaml:"path"`
	Status int    `yaml:"status"`
	Body   string `yaml:"body"`
	Clear  bool   `yaml:"clear"`
}

// Expect is the judgement: the ticket a good operator raises, words its
// probable cause must name, and the action it proposes (or none).
type Expect struct {
	// Ticket is the dedup key, e.g. "store-down/store=2".
	Ticket string
	// Cause holds keywords that must all appear, case-insensitively, in
	// the diagnosis's probable_cause.
	Cause  []string
	Action Action
}

// Action is an expected proposal; None means the right answer is to
// propose nothing.
type Action struct {
	None   bool
	Type   string
	Params map[string]any
}

func (a Action) String() string {
	if a.None {
		return "none"
	}
	return a.Type + " " + paramsText(a.Params)
}

// The file format, decoded strictly (unknown keys are errors).
type wireScenario struct {
	Name        string      `yaml:"name"`
	Description string      `yaml:"description"`
	Cluster     wireCluster `yaml:"cluster"`
	Events      []wireEvent `yaml:"events"`
	Run         string      `yaml:"run"`
	Prometheus  bool        `yaml:"prometheus"`
	Expect      wireExpect  `yaml:"expect"`
}

type wireCluster struct {
	Stores           int         `yaml:"stores"`
	Regions          int         `yaml:"regions"`
	Seed             int64       `yaml:"seed"`
	MaxStoreDownTime string      `yaml:"max-store-down-time"`
	StoreCapacity    config.Size `yaml:"store-capacity"`
	NoSplit          bool        `yaml:"no-split"`
}

type wireEvent struct {
	At       string       `yaml:"at"`
	Fault    *pdsim.Fault `yaml:"fault"`
	PD       *PDCall      `yaml:"pd"`
	Override *Override    `yaml:"override"`
}

type wireExpect struct {
	Ticket string    `yaml:"ticket"`
	Cause  []string  `yaml:"cause"`
	Action yaml.Node `yaml:"action"`
}

// Cluster defaults: small enough that a scenario runs in well under a
// second, large enough for balance and hotspots to mean something.
const (
	defaultStores  = 5
	defaultRegions = 100
	defaultSeed    = 1
)

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// Parse reads one scenario. file names it in every problem, each with its
// line; all problems are reported at once.
func Parse(file string, r io.Reader) (*Scenario, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read scenario %s: %w", file, err)
	}
	var w wireScenario
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&w); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("scenario %s: the file is empty", file)
		}
		return nil, fmt.Errorf("scenario %s: %s", file, yamlProblems(err))
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", file, err)
	}
	p := &problems{file: file}
	sc := &Scenario{Name: w.Name, Description: w.Description, File: file, Prometheus: w.Prometheus}
	top := root(&doc)
	line := func(path ...string) int { return lineOf(top, path...) }

	switch {
	case w.Name == "":
		p.add(1, "name is missing")
	case !nameRE.MatchString(w.Name):
		p.add(line("name"), "name %q: use lower-case letters, digits and dashes", w.Name)
	}
	sc.Cluster = Cluster{Stores: w.Cluster.Stores, Regions: w.Cluster.Regions, Seed: w.Cluster.Seed,
		StoreCapacity: uint64(w.Cluster.StoreCapacity), NoSplit: w.Cluster.NoSplit}
	if sc.Cluster.Stores == 0 {
		sc.Cluster.Stores = defaultStores
	}
	if sc.Cluster.Regions == 0 {
		sc.Cluster.Regions = defaultRegions
	}
	if sc.Cluster.Seed == 0 {
		sc.Cluster.Seed = defaultSeed
	}
	if sc.Cluster.Stores < 1 || sc.Cluster.Regions < 1 {
		p.add(line("cluster"), "cluster: stores and regions must be positive")
	}
	if s := w.Cluster.MaxStoreDownTime; s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			p.add(line("cluster", "max-store-down-time"), "cluster.max-store-down-time %q is not a duration like 1m", s)
		}
		sc.Cluster.MaxStoreDownTime = d
	}

	sc.Run = parseRun(w.Run, line("run"), p)
	eventNodes := seqItems(top, "events")
	for i, we := range w.Events {
		l := 0
		if i < len(eventNodes) {
			l = eventNodes[i].Line
		}
		sc.Events = append(sc.Events, parseEvent(we, i, l, sc.Run, p))
	}
	sc.Expect = parseExpect(w.Expect, top, p)
	if err := p.err(); err != nil {
		return nil, err
	}
	return sc, nil
}

// parseRun reads the simulated duration, rounded up to whole steps.
func parseRun(s string, line int, p *problems) time.Duration {
	if s == "" {
		p.add(line, "run is missing: how long to simulate, e.g. 2m")
		return 0
	}
	d, err := time.ParseDuration(s)
	switch {
	case err != nil || d <= 0:
		p.add(line, "run %q is not a positive duration like 2m", s)
		return 0
	case d > maxRun:
		p.add(line, "run %s is longer than the %s a scenario may simulate", d, maxRun)
	}
	return (d + Step - 1) / Step * Step
}

func parseEvent(we wireEvent, i, line int, run time.Duration, p *problems) Event {
	ev := Event{Fault: we.Fault, PD: we.PD, Override: we.Override, Line: line}
	where := fmt.Sprintf("events[%d]", i)
	d, err := time.ParseDuration(we.At)
	switch {
	case we.At == "":
		p.add(line, "%s: at is missing", where)
	case err != nil || d < 0:
		p.add(line, "%s: at %q is not a duration like 30s", where, we.At)
	case run > 0 && d > run:
		p.add(line, "%s: at %s is after the end of the run (%s)", where, d, run)
	}
	ev.At = d
	n := 0
	for _, set := range []bool{ev.Fault != nil, ev.PD != nil, ev.Override != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		p.add(line, "%s: give exactly one of fault, pd and override", where)
		return ev
	}
	switch {
	case ev.Fault != nil:
		if msg := checkFault(*ev.Fault); msg != "" {
			p.add(line, "%s: fault: %s", where, msg)
		}
	case ev.PD != nil:
		c := ev.PD
		c.Method = strings.ToUpper(c.Method)
		switch c.Method {
		case "GET", "POST", "PUT", "PATCH", "DELETE":
		default:
			p.add(line, "%s: pd.method %q is not GET, POST, PUT, PATCH or DELETE", where, c.Method)
		}
		if !strings.HasPrefix(c.Path, "/pd/api/") {
			p.add(line, "%s: pd.path %q is not a PD API path (/pd/api/v1/...)", where, c.Path)
		}
	case ev.Override != nil:
		o := ev.Override
		if !strings.HasPrefix(o.Path, "/pd/") {
			p.add(line, "%s: override.path %q is not a PD path (/pd/api/v1/...)", where, o.Path)
		}
		if o.Clear && (o.Body != "" || o.Status != 0) {
			p.add(line, "%s: override with clear takes no status or body", where)
		}
		if !o.Clear {
			if o.Status == 0 {
				o.Status = 200
			}
			if o.Status < 200 || o.Status > 599 {
				p.add(line, "%s: override.status %d is not an HTTP status", where, o.Status)
			}
		}
	}
	return ev
}

// checkFault validates a fault the way pdsim's own scenario parser does,
// so the two formats never disagree on what a fault is.
func checkFault(f pdsim.Fault) string {
	doc, err := yaml.Marshal(map[string]any{"events": []any{map[string]any{"at": "0s", "fault": f}}})
	if err != nil {
		return err.Error()
	}
	if _, err := pdsim.ParseScenario(bytes.NewReader(doc)); err != nil {
		msg := err.Error()
		if i := strings.Index(msg, "event 1: "); i >= 0 {
			msg = msg[i+len("event 1: "):]
		}
		return msg
	}
	return ""
}

func parseExpect(w wireExpect, top *yaml.Node, p *problems) Expect {
	e := Expect{Ticket: w.Ticket, Cause: w.Cause}
	line := lineOf(top, "expect")
	if line == 0 {
		p.add(1, "expect is missing")
		return e
	}
	if e.Ticket == "" {
		p.add(line, "expect.ticket is missing: the dedup key of the ticket to judge, e.g. store-down/store=2")
	}
	if len(e.Cause) == 0 {
		p.add(line, "expect.cause is missing: keywords the probable cause must contain")
	}
	for i, k := range e.Cause {
		if strings.TrimSpace(k) == "" {
			p.add(lineOf(top, "expect", "cause"), "expect.cause[%d] is empty", i)
		}
	}
	act, err := parseAction(&w.Action)
	if err != nil {
		l := w.Action.Line
		if l == 0 {
			l = line
		}
		p.add(l, "expect.action: %v", err)
	}
	e.Action = act
	return e
}

// parseAction reads `none` or {type: ..., params: {...}}, checking the
// type and parameter names against the TiKV action registry.
func parseAction(n *yaml.Node) (Action, error) {
	switch n.Kind {
	case 0:
		return Action{}, errors.New("is missing: none, or {type: ..., params: {...}}")
	case yaml.ScalarNode:
		if n.Value == "none" {
			return Action{None: true}, nil
		}
		return Action{}, fmt.Errorf("%q is neither none nor {type: ..., params: {...}}", n.Value)
	case yaml.MappingNode:
	default:
		return Action{}, errors.New("is neither none nor {type: ..., params: {...}}")
	}
	var a Action
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "type":
			if err := v.Decode(&a.Type); err != nil {
				return a, fmt.Errorf("line %d: type: %v", v.Line, err)
			}
		case "params":
			if err := v.Decode(&a.Params); err != nil {
				return a, fmt.Errorf("line %d: params: %v", v.Line, err)
			}
		default:
			return a, fmt.Errorf("line %d: unknown key %q (want type and params)", k.Line, k.Value)
		}
	}
	if a.Type == "" {
		return a, errors.New("type is missing")
	}
	if a.Params == nil {
		a.Params = map[string]any{}
	}
	if err := checkActionParams(a); err != nil {
		return a, err
	}
	return a, nil
}

// problems collects a file's problems, each with its line.
type problems struct {
	file string
	list []problem
}

type problem struct {
	line int
	msg  string
}

func (p *problems) add(line int, format string, args ...any) {
	p.list = append(p.list, problem{line, fmt.Sprintf(format, args...)})
}

// err lists the problems one per line, in line order.
func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	sort.SliceStable(p.list, func(i, j int) bool { return p.list[i].line < p.list[j].line })
	var b strings.Builder
	fmt.Fprintf(&b, "scenario %s:", p.file)
	for _, pr := range p.list {
		b.WriteString("\n  ")
		if pr.line > 0 {
			fmt.Fprintf(&b, "line %d: ", pr.line)
		}
		b.WriteString(pr.msg)
	}
	return errors.New(b.String())
}

// yamlProblems flattens yaml.v3's multi-line errors ("yaml: unmarshal
// errors:\n  line 7: field x not found in type eval.wireEvent") into one
// line that names the keys, not our Go types.
func yamlProblems(err error) string {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return strings.TrimPrefix(err.Error(), "yaml: ")
	}
	out := make([]string, len(te.Errors))
	for i, e := range te.Errors {
		if j := strings.Index(e, " not found in type "); j >= 0 {
			e = e[:j] + " is not a known key"
			e = strings.Replace(e, ": field ", ": ", 1)
		}
		out[i] = e
	}
	return strings.Join(out, "; ")
}

// root returns the document's top mapping.
func root(doc *yaml.Node) *yaml.Node {
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		return doc.Content[0]
	}
	return doc
}

// lineOf finds the line of the value at a path of mapping keys (0 when
// absent).
func lineOf(n *yaml.Node, path ...string) int {
	for _, key := range path {
		n = child(n, key)
		if n == nil {
			return 0
		}
	}
	return n.Line
}

func child(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func seqItems(n *yaml.Node, key string) []*yaml.Node {
	s := child(n, key)
	if s == nil || s.Kind != yaml.SequenceNode {
		return nil
	}
	return s.Content
}
