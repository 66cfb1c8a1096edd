package load

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/audit"
	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/store/sqlite"
)

// Stat is one class of request in one phase.
type Stat struct {
	Requests, Errors, Conflicts, Refused int
	PerSecond                            float64
	P50, P99                             time.Duration
}

// Phase is one measured phase.
type Phase struct {
	Name    string
	Elapsed time.Duration
	By      [numClasses]Stat
	// Reads is every reader request together.
	Reads    Stat
	Errors   []string // the first few, verbatim
	Refusals []string // the first few preflight refusals, verbatim
}

// Result is one whole run.
type Result struct {
	Config Config
	// Loaded: the daemon monitoring, diagnosing and executing while the
	// approvers work. Idle: the same daemon and database with its loops
	// parked (reads only). Bare: a net/http handler answering each read
	// with a fixed body captured from the idle daemon (reads only).
	Loaded, Idle, Bare Phase
	// Decisions the API accepted during the loaded phase.
	Decisions []decision
	// What the daemon did during the loaded phase.
	Cycles    int
	CycleMean time.Duration
	// WarmCycles and WarmCycleMean are the monitor's cycles before the
	// loaded phase (the first opens every ticket), without readers.
	WarmCycles    int
	WarmCycleMean time.Duration
	HotRegions    int
	Tickets, Runs int
	RunsByState   map[string]int
	// The audit check after the daemon stopped.
	AuditRecords int64
	AuditReport  string
	AuditOK      bool
	Unaudited    []string // decisions with no matching record
	// LoadBefore and LoadAfter are the machine's load averages.
	LoadBefore, LoadAfter string
	// Steps says how long each part of the run took.
	Steps []string
	// BodyBytes is the size of each read's captured body (the bare
	// handler's answers).
	BodyBytes [numClasses]int
}

// Run runs the whole harness: setup, then cfg.Rounds rounds of the
// loaded, idle and bare phases (interleaved, so a change in what else the
// machine runs touches all three alike), then the audit check. An error
// is a failure to run; what the run found (errors, unaudited decisions)
// is in the Result.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg.Rounds = max(cfg.Rounds, 1)
	res := &Result{Config: cfg, LoadBefore: loadAvg()}
	began := time.Now()
	step := func(what string) {
		res.Steps = append(res.Steps, fmt.Sprintf("%5.1fs %s", time.Since(began).Seconds(), what))
	}
	cl, err := startCluster(cfg)
	if err != nil {
		return nil, err
	}
	defer cl.close()
	db := dbPath(cfg)
	viewers, approvers, err := addUsers(ctx, db, cfg.Viewers, cfg.Approvers)
	if err != nil {
		return nil, err
	}
	v0 := viewers[0].token
	hc := newClient(cfg.Readers + cfg.Approvers + 4)
	defer hc.CloseIdleConnections()

	var d *daemon
	defer func() {
		if d != nil {
			d.stop()
		}
	}()
	// start runs a daemon (loaded or idle) and waits for its first
	// monitor cycle, which the overview needs.
	start := func(idle bool) error {
		var err error
		if d, err = startDaemon(ctx, daemonConfig(cfg, cl.srv.URL, db, idle), cfg.Log); err != nil {
			return err
		}
		return waitFor(ctx, hc, d.base, "/api/v1/overview", v0, time.Minute, func([]byte) bool { return true })
	}
	stop := func(what string) error {
		err := d.stop()
		d = nil
		if err != nil {
			return fmt.Errorf("stop the %s daemon: %w", what, err)
		}
		return nil
	}

	// Warm up: the daemon finds the faults and proposes.
	if err := start(false); err != nil {
		return nil, err
	}
	heatCtx, stopHeat := context.WithCancel(ctx)
	heatErr := make(chan error, 1)
	go func() { heatErr <- cl.heat(heatCtx, cfg.HotEvery) }()
	defer stopHeat()
	if err := waitFor(ctx, hc, d.base, "/api/v1/actions", v0, 2*time.Minute, func(b []byte) bool {
		var l idList
		return json.Unmarshal(b, &l) == nil && len(l) >= cfg.WarmUpProposals
	}); err != nil {
		return nil, fmt.Errorf("warm up (waiting for %d proposals): %w", cfg.WarmUpProposals, err)
	}
	step("warmed up")
	cycles0, sum0, err := monitorCycles(ctx, hc, d.base)
	if err != nil {
		return nil, err
	}
	res.WarmCycles = int(cycles0)
	if cycles0 > 0 {
		res.WarmCycleMean = time.Duration(sum0 / cycles0 * float64(time.Second))
	}

	var dec decisions
	seen := make([]map[int64]bool, len(approvers)) // each approver's, across rounds
	for i := range seen {
		seen[i] = map[int64]bool{}
	}
	var loaded, idle, bare phaseRun
	var bodies map[class][]byte
	var cycles, cycleSum float64
	for round := range cfg.Rounds {
		// Loaded: the daemon monitoring, diagnosing and executing, the
		// approvers approving and rejecting.
		if round > 0 {
			if err := start(false); err != nil {
				return nil, err
			}
		}
		c0, s0, err := monitorCycles(ctx, hc, d.base)
		if err != nil {
			return nil, err
		}
		base := d.base
		loaded.add(runPhase(ctx, cfg, func(end time.Time, tallies func() *tally, wg *sync.WaitGroup) {
			for i, u := range approvers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					approver(ctx, hc, base, u, end, 100*time.Millisecond+time.Duration(i)*7*time.Millisecond, seen[i], &dec, tallies())
				}()
			}
		}, hc, base, viewers))
		c1, s1, err := monitorCycles(ctx, hc, d.base)
		if err != nil {
			return nil, err
		}
		cycles, cycleSum = cycles+c1-c0, cycleSum+s1-s0
		if round == cfg.Rounds-1 {
			stopHeat()
			if err := <-heatErr; err != nil {
				return nil, err
			}
		}
		if err := stop("loaded"); err != nil {
			return nil, err
		}
		step(fmt.Sprintf("round %d: loaded phase done", round+1))

		// Idle: the same database, the daemon's loops parked after the
		// monitor's first cycle.
		if err := start(true); err != nil {
			return nil, err
		}
		// The next monitor cycle is an hour away; let the first one's
		// writes settle.
		time.Sleep(200 * time.Millisecond)
		idle.add(runPhase(ctx, cfg, nil, hc, d.base, viewers))
		if bodies == nil {
			if bodies, err = capture(ctx, hc, d.base, v0); err != nil {
				return nil, err
			}
		}
		if round == cfg.Rounds-1 {
			if err := countRuns(ctx, hc, d.base, v0, res); err != nil {
				return nil, err
			}
		}
		if err := stop("idle"); err != nil {
			return nil, err
		}
		step(fmt.Sprintf("round %d: idle phase done", round+1))

		// Bare: the floor of net/http and this client on loopback.
		srv := httptest.NewServer(bareHandler(bodies))
		bare.add(runPhase(ctx, cfg, nil, hc, srv.URL, viewers))
		srv.Close()
		step(fmt.Sprintf("round %d: bare phase done", round+1))
	}
	res.Loaded, res.Idle, res.Bare = loaded.summary("loaded"), idle.summary("idle"), bare.summary("bare")
	res.Cycles = int(cycles)
	if cycles > 0 {
		res.CycleMean = time.Duration(cycleSum / cycles * float64(time.Second))
	}
	res.Decisions = dec.all
	cl.mu.Lock()
	res.HotRegions = cl.hot
	cl.mu.Unlock()
	for c, b := range bodies {
		res.BodyBytes[c] = len(b)
	}

	if err := checkAudit(ctx, db, res); err != nil {
		return nil, err
	}
	step("audit checked")
	res.LoadAfter = loadAvg()
	return res, nil
}

// phaseRun is one kind of phase's requests, over all rounds.
type phaseRun struct {
	t       tally
	elapsed time.Duration
}

func (p *phaseRun) add(t *tally, elapsed time.Duration) {
	p.t.merge(t)
	p.elapsed += elapsed
}

func (p *phaseRun) summary(name string) Phase {
	out := Phase{Name: name, Elapsed: p.elapsed, Errors: p.t.firstErrs, Refusals: p.t.refusals}
	var reads []time.Duration
	errs := 0
	for c := range numClasses {
		out.By[c] = summarize(p.t.lat[c], p.t.errs[c], p.t.conflicts[c], p.elapsed)
		out.By[c].Refused = p.t.refused[c]
		if c < readClasses {
			reads = append(reads, p.t.lat[c]...)
			errs += p.t.errs[c]
		}
	}
	out.Reads = summarize(reads, errs, 0, p.elapsed)
	return out
}

// runPhase runs cfg.Readers readers (and whatever extra starts) for
// cfg.Duration/cfg.Rounds against base and returns their merged counts.
func runPhase(ctx context.Context, cfg Config, extra func(end time.Time, tallies func() *tally, wg *sync.WaitGroup),
	hc *http.Client, base string, viewers []user) (*tally, time.Duration) {
	var mu sync.Mutex
	var all []*tally
	newTally := func() *tally {
		t := &tally{}
		mu.Lock()
		all = append(all, t)
		mu.Unlock()
		return t
	}
	var wg sync.WaitGroup
	start := time.Now()
	end := start.Add(cfg.Duration / time.Duration(cfg.Rounds))
	for i := range cfg.Readers {
		t := newTally()
		wg.Add(1)
		go func() {
			defer wg.Done()
			reader(ctx, hc, base, viewers[i%len(viewers)].token, i, end, t)
		}()
	}
	if extra != nil {
		extra(end, newTally, &wg)
	}
	wg.Wait()
	elapsed := time.Since(start)
	var sum tally
	for _, t := range all {
		sum.merge(t)
	}
	return &sum, elapsed
}

func summarize(lat []time.Duration, errs, conflicts int, elapsed time.Duration) Stat {
	s := Stat{Requests: len(lat), Errors: errs, Conflicts: conflicts}
	if len(lat) == 0 {
		return s
	}
	slices.Sort(lat)
	s.PerSecond = float64(len(lat)) / elapsed.Seconds()
	s.P50 = lat[len(lat)/2]
	s.P99 = lat[min(len(lat)-1, len(lat)*99/100)]
	return s
}

var cycleLine = regexp.MustCompile(`(?m)^operator_monitor_cycle_duration_seconds_(count|sum)(?:\{[^}]*\})? (\S+)$`)

// monitorCycles reads the monitor's cycle histogram from /metrics.
func monitorCycles(ctx context.Context, hc *http.Client, base string) (count, sum float64, err error) {
	status, body, err := get(ctx, hc, base+"/metrics", "")
	if err != nil || status != 200 {
		return 0, 0, fmt.Errorf("GET /metrics: %d %v", status, err)
	}
	for _, m := range cycleLine.FindAllStringSubmatch(string(body), -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		if m[1] == "count" {
			count = v
		} else {
			sum = v
		}
	}
	return count, sum, nil
}

// capture keeps one answer of each read class, for the bare handler.
func capture(ctx context.Context, hc *http.Client, base, token string) (map[class][]byte, error) {
	out := map[class][]byte{}
	fetch := func(c class, path string) ([]byte, error) {
		status, b, err := get(ctx, hc, base+path, token)
		if err != nil || status != 200 {
			return nil, fmt.Errorf("capture GET %s: %d %v %.200s", path, status, err, b)
		}
		out[c] = b
		return b, nil
	}
	tl, err := fetch(listTickets, "/api/v1/tickets")
	if err != nil {
		return nil, err
	}
	al, err := fetch(listActions, "/api/v1/actions")
	if err != nil {
		return nil, err
	}
	var ts, as idList
	if err := json.Unmarshal(tl, &ts); err != nil || len(ts) == 0 {
		return nil, fmt.Errorf("capture: no tickets to read (%v)", err)
	}
	if err := json.Unmarshal(al, &as); err != nil || len(as) == 0 {
		return nil, fmt.Errorf("capture: no runs to read (%v)", err)
	}
	// The middle of each list: a typical ticket and run, not the newest.
	for _, f := range []struct {
		c    class
		path string
	}{
		{getTicket, fmt.Sprintf("/api/v1/tickets/%d", ts[len(ts)/2].ID)},
		{getAction, fmt.Sprintf("/api/v1/actions/%d", as[len(as)/2].ID)},
		{getOverview, "/api/v1/overview"},
		{getKillSwitch, "/api/v1/kill-switch"},
	} {
		if _, err := fetch(f.c, f.path); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// bareHandler answers each read path with its captured body and nothing
// else: no authentication, no store, no encoding.
func bareHandler(bodies map[class][]byte) http.Handler {
	serve := func(c class) http.HandlerFunc {
		b := bodies[c]
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write(b)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/tickets", serve(listTickets))
	mux.HandleFunc("GET /api/v1/tickets/{id}", serve(getTicket))
	mux.HandleFunc("GET /api/v1/actions", serve(listActions))
	mux.HandleFunc("GET /api/v1/actions/{id}", serve(getAction))
	mux.HandleFunc("GET /api/v1/overview", serve(getOverview))
	mux.HandleFunc("GET /api/v1/kill-switch", serve(getKillSwitch))
	return mux
}

func countRuns(ctx context.Context, hc *http.Client, base, token string, res *Result) error {
	status, b, err := get(ctx, hc, base+"/api/v1/actions", token)
	if err != nil || status != 200 {
		return fmt.Errorf("GET /api/v1/actions: %d %v", status, err)
	}
	var runs []struct {
		State string `json:"state"`
	}
	if err := json.Unmarshal(b, &runs); err != nil {
		return fmt.Errorf("decode the runs: %w", err)
	}
	res.Runs = len(runs)
	res.RunsByState = map[string]int{}
	for _, r := range runs {
		res.RunsByState[r.State]++
	}
	status, b, err = get(ctx, hc, base+"/api/v1/tickets", token)
	if err != nil || status != 200 {
		return fmt.Errorf("GET /api/v1/tickets: %d %v", status, err)
	}
	var ts idList
	if err := json.Unmarshal(b, &ts); err != nil {
		return fmt.Errorf("decode the tickets: %w", err)
	}
	res.Tickets = len(ts)
	return nil
}

// checkAudit reads the stopped daemon's audit log: the chain verifies and
// every decision the API accepted has its record (approver, run, kind,
// reason).
func checkAudit(ctx context.Context, db string, res *Result) error {
	st, err := sqlite.Open(ctx, db, sqlite.Options{})
	if err != nil {
		return fmt.Errorf("open %s for the audit check: %w", db, err)
	}
	defer st.Close()
	rep, err := audit.Verify(ctx, st.Audit(), nil)
	if err != nil {
		return fmt.Errorf("verify the audit log: %w", err)
	}
	res.AuditRecords, res.AuditReport, res.AuditOK = rep.Records, rep.String(), rep.OK
	type key struct {
		actor, ref, kind, reason string
	}
	found := map[key]bool{}
	err = st.Audit().All(ctx, func(r audit.Record) error {
		if r.Kind == audit.KindApproval || r.Kind == audit.KindRejection {
			reason, _ := r.Data["reason"].(string)
			found[key{r.Actor, r.Ref, r.Kind, reason}] = true
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read the audit log: %w", err)
	}
	for _, d := range res.Decisions {
		k := key{d.Approver, store.RunRef(action.ID(d.Run)), audit.KindApproval, d.Reason}
		if d.Reject {
			k.kind = audit.KindRejection
		}
		if !found[k] {
			res.Unaudited = append(res.Unaudited, fmt.Sprintf("%s %s by %s (%q)", k.kind, k.ref, k.actor, k.reason))
		}
	}
	return nil
}

// Problems is everything the run found wrong, for the test to report.
func (r *Result) Problems() []string {
	var out []string
	for _, p := range []Phase{r.Loaded, r.Idle, r.Bare} {
		for c := range numClasses {
			if n := p.By[c].Errors; n > 0 {
				out = append(out, fmt.Sprintf("%s phase: %d errors on %s", p.Name, n, classNames[c]))
			}
		}
		for _, e := range p.Errors {
			out = append(out, fmt.Sprintf("%s phase: %s", p.Name, e))
		}
	}
	if !r.AuditOK {
		out = append(out, "audit: "+r.AuditReport)
	}
	for _, u := range r.Unaudited {
		out = append(out, "not in the audit log: "+u)
	}
	return out
}

// Err is Problems as one error, nil when there are none.
func (r *Result) Err() error {
	if p := r.Problems(); len(p) > 0 {
		return errors.New(strings.Join(p, "\n"))
	}
	return nil
}
