package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The alerting side as TiUP deploys it: Prometheus scraping and evaluating
// every 15s, Alertmanager with TiUP's route (group_wait 30s, Alertmanager's
// default too), and a webhook receiver in this process that notes when each
// alert arrives.

// process is a child process whose output goes to a log file.
type process struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	logFile *os.File
	done    chan struct{}
	err     error
}

func startProcess(name, logPath, bin string, args ...string) (*process, error) {
	f, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("start %s: create its log: %w", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s (%s): %w", name, bin, err)
	}
	p := &process{name: name, cmd: cmd, logPath: logPath, logFile: f, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	return p, nil
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM and waits; after 15s it kills.
func (p *process) stop() {
	if p.exited() {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// logTail is the end of the process's log, for error messages.
func (p *process) logTail() string {
	b, _ := os.ReadFile(p.logPath)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

func (p *process) failed(what string, err error) error {
	if err == nil {
		return fmt.Errorf("%s: %s\n--- %s log (%s) ---\n%s", p.name, what, p.name, p.logPath, p.logTail())
	}
	return fmt.Errorf("%s: %s: %w\n--- %s log (%s) ---\n%s", p.name, what, err, p.name, p.logPath, p.logTail())
}

// findBinary returns the first of names on PATH.
func findBinary(names ...string) (string, error) {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("none of %s is on PATH (Debian: apt-get install prometheus prometheus-alertmanager)", strings.Join(names, ", "))
}

func versionLine(ctx context.Context, bin string) string {
	out, err := exec.CommandContext(ctx, bin, "--version").CombinedOutput()
	if err != nil {
		return "unknown version"
	}
	return parseVersion(string(out))
}

// parseVersion turns "prometheus, version 2.42.0+ds (branch: ...)" into
// "prometheus 2.42.0+ds".
func parseVersion(out string) string {
	line, _, _ := strings.Cut(out, "\n")
	name, rest, ok := strings.Cut(line, ", version ")
	if !ok {
		return strings.TrimSpace(line)
	}
	ver, _, _ := strings.Cut(rest, " ")
	return strings.TrimSpace(name) + " " + ver
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// waitReady polls url until it answers 200, the process exits, or timeout.
func waitReady(ctx context.Context, p *process, url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		if p != nil && p.exited() {
			return p.failed("exited while starting", errors.Join(p.err, last))
		}
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("GET %s: %s", url, resp.Status)
		}
		last = err
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	if p != nil {
		return p.failed("not ready after "+timeout.String(), last)
	}
	return fmt.Errorf("%s not ready after %s: %w", url, timeout, last)
}

// Intervals as TiUP deploys Prometheus and Alertmanager.
const (
	scrapeInterval = 15 * time.Second
	evalInterval   = 15 * time.Second
	groupWait      = 30 * time.Second
)

func prometheusConfig(rulesPath, pdTarget, amTarget string) string {
	return fmt.Sprintf(`global:
  scrape_interval: %s
  evaluation_interval: %s
rule_files: [%q]
alerting:
  alertmanagers:
    - static_configs:
        - targets: [%q]
scrape_configs:
  - job_name: pd
    honor_labels: true
    static_configs:
      - targets: [%q]
`, scrapeInterval, evalInterval, rulesPath, amTarget, pdTarget)
}

// alertmanagerConfig is TiUP's route with the webhook as its receiver.
func alertmanagerConfig(webhookURL string) string {
	return fmt.Sprintf(`route:
  receiver: harness
  group_by: ["env", "instance", "alertname", "type", "group", "job"]
  group_wait: %s
  group_interval: 3m
  repeat_interval: 3m
receivers:
  - name: harness
    webhook_configs:
      - url: %q
        send_resolved: false
`, groupWait, webhookURL)
}

// arrival is when an alert first reached the webhook as firing, and the
// time Prometheus says it started firing (Prometheus sends FiredAt as
// startsAt).
type arrival struct {
	At       time.Time
	StartsAt time.Time
}

// webhookLog records the first firing arrival of each alertname.
type webhookLog struct {
	now   func() time.Time
	mu    sync.Mutex
	first map[string]arrival
}

func newWebhookLog(now func() time.Time) *webhookLog {
	return &webhookLog{now: now, first: map[string]arrival{}}
}

// amPayload is the part of Alertmanager's webhook payload (version 4)
// the harness reads.
type amPayload struct {
	Version string `json:"version"`
	Alerts  []struct {
		Status   string            `json:"status"`
		Labels   map[string]string `json:"labels"`
		StartsAt time.Time         `json:"startsAt"`
	} `json:"alerts"`
}

// parseWebhook returns the firing alerts of one payload by name.
func parseWebhook(body []byte) (map[string]time.Time, error) {
	var p amPayload
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, fmt.Errorf("decode Alertmanager webhook payload: %w", err)
	}
	if p.Version != "4" {
		return nil, fmt.Errorf("Alertmanager webhook payload version %q, want 4", p.Version)
	}
	out := map[string]time.Time{}
	for _, a := range p.Alerts {
		name := a.Labels["alertname"]
		if a.Status != "firing" || name == "" {
			continue
		}
		if t, ok := out[name]; !ok || a.StartsAt.Before(t) {
			out[name] = a.StartsAt
		}
	}
	return out, nil
}

func (l *webhookLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	at := l.now()
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	alerts, err := parseWebhook(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	l.mu.Lock()
	for name, startsAt := range alerts {
		if _, ok := l.first[name]; !ok {
			l.first[name] = arrival{At: at, StartsAt: startsAt}
		}
	}
	l.mu.Unlock()
}

func (l *webhookLog) get(name string) (arrival, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a, ok := l.first[name]
	return a, ok
}

// promAlerts is GET /api/v1/alerts: when each alert became active
// (pending) by name.
func promAlerts(ctx context.Context, base string) (map[string]time.Time, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/alerts", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("query Prometheus alerts: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read Prometheus alerts: %w", err)
	}
	return parsePromAlerts(body)
}

func parsePromAlerts(body []byte) (map[string]time.Time, error) {
	var out struct {
		Status string `json:"status"`
		Data   struct {
			Alerts []struct {
				Labels   map[string]string `json:"labels"`
				State    string            `json:"state"`
				ActiveAt time.Time         `json:"activeAt"`
			} `json:"alerts"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("decode Prometheus alerts: %w", err)
	}
	if out.Status != "success" {
		return nil, fmt.Errorf("Prometheus alerts: status %q", out.Status)
	}
	m := map[string]time.Time{}
	for _, a := range out.Data.Alerts {
		name := a.Labels["alertname"]
		if t, ok := m[name]; name != "" && (!ok || a.ActiveAt.Before(t)) {
			m[name] = a.ActiveAt
		}
	}
	return m, nil
}

// promReady reports whether Prometheus has scraped the pd job and
// evaluated the rule group at least once.
func promReady(ctx context.Context, base string) bool {
	get := func(path string, into any) bool {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		return resp.StatusCode == 200 && json.NewDecoder(resp.Body).Decode(into) == nil
	}
	var up struct {
		Data struct {
			Result []struct {
				Value []any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if !get(`/api/v1/query?query=up%7Bjob%3D%22pd%22%7D`, &up) || len(up.Data.Result) != 1 || len(up.Data.Result[0].Value) != 2 || up.Data.Result[0].Value[1] != "1" {
		return false
	}
	var rules struct {
		Data struct {
			Groups []struct {
				LastEvaluation time.Time `json:"lastEvaluation"`
			} `json:"groups"`
		} `json:"data"`
	}
	if !get("/api/v1/rules", &rules) || len(rules.Data.Groups) == 0 {
		return false
	}
	for _, g := range rules.Data.Groups {
		if g.LastEvaluation.IsZero() || g.LastEvaluation.Year() < 2000 {
			return false
		}
	}
	return true
}
