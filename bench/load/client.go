package load

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// class is one kind of request.
type class int

const (
	listTickets class = iota
	getTicket
	listActions
	getAction
	getOverview
	getKillSwitch
	pollProposed
	approveRun
	rejectRun
	numClasses
)

// readClasses: the readers' classes are the ones before pollProposed.
const readClasses = pollProposed

var classNames = [numClasses]string{
	listTickets:   "GET /api/v1/tickets",
	getTicket:     "GET /api/v1/tickets/{id}",
	listActions:   "GET /api/v1/actions",
	getAction:     "GET /api/v1/actions/{id}",
	getOverview:   "GET /api/v1/overview",
	getKillSwitch: "GET /api/v1/kill-switch",
	pollProposed:  "GET /api/v1/actions?state=proposed (approvers)",
	approveRun:    "POST /api/v1/actions/{id}/approve",
	rejectRun:     "POST /api/v1/actions/{id}/reject",
}

// tally is one client's counts, merged when the phase ends.
type tally struct {
	lat       [numClasses][]time.Duration
	errs      [numClasses]int
	conflicts [numClasses]int
	refused   [numClasses]int
	firstErrs []string
	refusals  []string
}

func (t *tally) record(c class, d time.Duration, status int, err error, body []byte, what string) {
	switch {
	case err != nil:
		t.errs[c]++
		t.note("%s: %v", what, err)
	case status == http.StatusConflict && (c == approveRun || c == rejectRun):
		// Another approver moved the run first: the race the API must
		// turn into a clean 409, counted apart from errors.
		t.conflicts[c]++
	case status == http.StatusUnprocessableEntity && c == approveRun:
		// The approval's preflight, re-run against the live cluster,
		// refused: the cluster moved under the proposal (a target store
		// filled up, the region split). A correct answer, counted apart
		// and reported.
		t.refused[c]++
		t.noteRefusal("%s: %.200s", what, body)
	case status < 200 || status > 299:
		t.errs[c]++
		t.note("%s: %d %.300s", what, status, body)
	}
	t.lat[c] = append(t.lat[c], d)
}

func (t *tally) note(format string, args ...any) {
	if len(t.firstErrs) < 10 {
		t.firstErrs = append(t.firstErrs, fmt.Sprintf(format, args...))
	}
}

func (t *tally) noteRefusal(format string, args ...any) {
	if len(t.refusals) < 10 {
		t.refusals = append(t.refusals, fmt.Sprintf(format, args...))
	}
}

func (t *tally) merge(o *tally) {
	for c := range numClasses {
		t.lat[c] = append(t.lat[c], o.lat[c]...)
		t.errs[c] += o.errs[c]
		t.conflicts[c] += o.conflicts[c]
		t.refused[c] += o.refused[c]
	}
	for _, e := range o.refusals {
		t.noteRefusal("%s", e)
	}
	for _, e := range o.firstErrs {
		t.note("%s", e)
	}
}

func newClient(conns int) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: conns, MaxIdleConnsPerHost: conns, IdleConnTimeout: time.Minute,
	}}
}

func do(ctx context.Context, hc *http.Client, method, url, token, body string) (int, []byte, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func get(ctx context.Context, hc *http.Client, url, token string) (int, []byte, error) {
	return do(ctx, hc, http.MethodGet, url, token, "")
}

// idList is what the readers take from a list answer: the ids, to ask for
// one of them next.
type idList []struct {
	ID int64 `json:"id"`
}

func pick(rng *rand.Rand, l idList) int64 {
	if len(l) == 0 {
		return 0
	}
	return l[rng.IntN(len(l))].ID
}

// reader is one viewer client: it cycles through the read classes until
// end, asking for a ticket or run it saw in its last list answer.
func reader(ctx context.Context, hc *http.Client, base, token string, seed int, end time.Time, t *tally) {
	rng := rand.New(rand.NewPCG(uint64(seed), 7))
	var tickets, runs idList
	for i := seed; time.Now().Before(end) && ctx.Err() == nil; i++ {
		c := class(i % int(readClasses))
		var path string
		switch c {
		case listTickets:
			path = "/api/v1/tickets"
		case getTicket:
			if id := pick(rng, tickets); id != 0 {
				path = fmt.Sprintf("/api/v1/tickets/%d", id)
			} else {
				c, path = listTickets, "/api/v1/tickets"
			}
		case listActions:
			path = "/api/v1/actions"
		case getAction:
			if id := pick(rng, runs); id != 0 {
				path = fmt.Sprintf("/api/v1/actions/%d", id)
			} else {
				c, path = listActions, "/api/v1/actions"
			}
		case getOverview:
			path = "/api/v1/overview"
		case getKillSwitch:
			path = "/api/v1/kill-switch"
		}
		start := time.Now()
		status, body, err := get(ctx, hc, base+path, token)
		t.record(c, time.Since(start), status, err, body, "GET "+path)
		if status == http.StatusOK {
			switch c {
			case listTickets:
				var l idList
				if json.Unmarshal(body, &l) == nil {
					tickets = l
				}
			case listActions:
				var l idList
				if json.Unmarshal(body, &l) == nil {
					runs = l
				}
			}
		}
	}
}

// decision is one approval or rejection the API accepted.
type decision struct {
	Approver string
	Run      int64
	Reject   bool
	Reason   string
}

// decisions collects what the approvers did, for the audit check.
type decisions struct {
	mu  sync.Mutex
	all []decision
}

func (d *decisions) add(x decision) {
	d.mu.Lock()
	d.all = append(d.all, x)
	d.mu.Unlock()
}

// rejects says whether the approvers reject run id: every third, so both
// verbs are exercised. Every approver decides the same for a run, so when
// two act on it at once one wins and the other gets a 409 (or, for a run
// that needs two approvals, both count).
func rejects(id int64) bool { return id%3 == 0 }

// approver polls the proposed runs and approves or rejects each one it
// has not acted on yet (seen), with a reason, until end.
func approver(ctx context.Context, hc *http.Client, base string, u user, end time.Time, poll time.Duration, seen map[int64]bool,
	out *decisions, t *tally) {
	for time.Now().Before(end) && ctx.Err() == nil {
		start := time.Now()
		status, body, err := get(ctx, hc, base+"/api/v1/actions?state=proposed", u.token)
		t.record(pollProposed, time.Since(start), status, err, body, "GET /api/v1/actions?state=proposed")
		var runs idList
		if status == http.StatusOK {
			if err := json.Unmarshal(body, &runs); err != nil {
				t.errs[pollProposed]++
				t.note("decode the proposed runs: %v", err)
			}
		}
		for _, r := range runs {
			if seen[r.ID] || !time.Now().Before(end) {
				continue
			}
			seen[r.ID] = true
			c, verb := approveRun, "approve"
			if rejects(r.ID) {
				c, verb = rejectRun, "reject"
			}
			reason := fmt.Sprintf("load test: %s %ss run %d", u.name, verb, r.ID)
			body, _ := json.Marshal(map[string]string{"reason": reason})
			path := fmt.Sprintf("/api/v1/actions/%d/%s", r.ID, verb)
			start := time.Now()
			status, resp, err := do(ctx, hc, http.MethodPost, base+path, u.token, string(body))
			t.record(c, time.Since(start), status, err, resp, "POST "+path)
			if err == nil && status == http.StatusOK {
				out.add(decision{Approver: u.name, Run: r.ID, Reject: c == rejectRun, Reason: reason})
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(poll):
		}
	}
}
