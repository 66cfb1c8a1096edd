package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The Operator side: the production binary run as a child process, so its
// RSS and CPU time are its own.

// buildOperator builds ./cmd/operator of the module the harness runs in.
func buildOperator(ctx context.Context, dir string) (string, error) {
	gomod, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(gomod)) == "" || strings.TrimSpace(string(gomod)) == os.DevNull {
		return "", fmt.Errorf("find the module root (go env GOMOD): run the harness inside the module: %v", err)
	}
	bin := filepath.Join(dir, "operator")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/operator")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(gomod)))
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/operator: %w\n%s", err, out)
	}
	return bin, nil
}

// daemon is a running `operator run`.
type daemon struct {
	*process
	api   string // http://127.0.0.1:PORT
	token string // a viewer's, for the API
}

// startDaemon runs `operator run` against pdURL with extra flags and waits
// for its API address in its JSON log.
func startDaemon(ctx context.Context, bin, dir, name, pdURL string, extra ...string) (*daemon, error) {
	db := filepath.Join(dir, name+".db")
	token, err := addViewer(ctx, bin, db)
	if err != nil {
		return nil, err
	}
	args := append([]string{"run", "--pd-endpoint", pdURL, "--db-path", db,
		"--api-listen", "127.0.0.1:0", "--log-format", "json"}, extra...)
	p, err := startProcess("operator", filepath.Join(dir, name+".log"), bin, args...)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, _ := os.ReadFile(p.logPath)
		if api, ok := parseAPIAddr(b); ok {
			return &daemon{process: p, api: api, token: token}, nil
		}
		if p.exited() {
			return nil, p.failed("exited before serving", p.err)
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, p.failed("no \"operator running\" log line", fmt.Errorf("timed out"))
		}
		select {
		case <-ctx.Done():
			p.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// addViewer adds the harness's API user to the daemon's database, the way
// an operator would (`operator users add`), and returns its token.
func addViewer(ctx context.Context, bin, db string) (string, error) {
	out, err := exec.CommandContext(ctx, bin, "users", "add", "bench", "--role", "viewer", "--db", db).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("operator users add: %w\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "optk_") {
			return strings.TrimSpace(line), nil
		}
	}
	return "", fmt.Errorf("operator users add printed no token:\n%s", out)
}

// parseAPIAddr finds the API URL in the daemon's JSON log: the "api"
// attribute of its "operator running" line.
func parseAPIAddr(log []byte) (string, bool) {
	sc := bufio.NewScanner(bytes.NewReader(log))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var line struct {
			Msg string `json:"msg"`
			API string `json:"api"`
		}
		if json.Unmarshal(sc.Bytes(), &line) != nil {
			continue
		}
		if line.Msg == "operator running" && strings.HasPrefix(line.API, "http://") {
			return line.API, true
		}
	}
	return "", false
}

// apiTicket is the part of a ticket the harness reads.
type apiTicket struct {
	ID        int64             `json:"id"`
	Invariant string            `json:"invariant"`
	State     string            `json:"state"`
	Labels    map[string]string `json:"labels"`
	FirstSeen time.Time         `json:"first_seen"`
}

func (d *daemon) tickets(ctx context.Context) ([]apiTicket, error) {
	body, err := getBody(ctx, d.api+"/api/v1/tickets", d.token)
	if err != nil {
		return nil, err
	}
	var ts []apiTicket
	if err := json.Unmarshal(body, &ts); err != nil {
		return nil, fmt.Errorf("decode the daemon's tickets: %w", err)
	}
	return ts, nil
}

// cycleStats is the monitor's cycle histogram, summed over its labels.
type cycleStats struct {
	Count float64
	Sum   float64
}

func (d *daemon) cycles(ctx context.Context) (cycleStats, error) {
	body, err := getBody(ctx, d.api+"/metrics", "")
	if err != nil {
		return cycleStats{}, err
	}
	return parseCycleStats(body)
}

const cycleMetric = "operator_monitor_cycle_duration_seconds"

// parseCycleStats reads cycleMetric's _sum and _count from the Prometheus
// text format.
func parseCycleStats(body []byte) (cycleStats, error) {
	var st cycleStats
	var seen bool
	for line := range strings.SplitSeq(string(body), "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		name, rest, _ := strings.Cut(line, " ")
		if i := strings.IndexByte(name, '{'); i >= 0 {
			name = line[:i]
			j := strings.LastIndexByte(line, '}')
			if j < 0 {
				return st, fmt.Errorf("metrics line %q: unclosed labels", line)
			}
			rest = line[j+1:]
		}
		var into *float64
		switch name {
		case cycleMetric + "_sum":
			into = &st.Sum
		case cycleMetric + "_count":
			into = &st.Count
		default:
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			return st, fmt.Errorf("metrics line %q: no value", line)
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return st, fmt.Errorf("metrics line %q: %w", line, err)
		}
		*into += v
		seen = true
	}
	if !seen {
		return st, fmt.Errorf("no %s in the daemon's /metrics", cycleMetric)
	}
	return st, nil
}

// procStats is what /proc says about a process.
type procStats struct {
	RSSKiB, HWMKiB int64
	// CPUTicks is utime+stime in clock ticks.
	CPUTicks int64
}

// userHZ is the unit of /proc/PID/stat times: USER_HZ, 100 on every Linux
// architecture Go supports.
const userHZ = 100

func readProc(pid int) (procStats, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return procStats{}, err
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procStats{}, err
	}
	var ps procStats
	if ps.RSSKiB, err = parseStatusKiB(status, "VmRSS"); err != nil {
		return ps, err
	}
	if ps.HWMKiB, err = parseStatusKiB(status, "VmHWM"); err != nil {
		return ps, err
	}
	ps.CPUTicks, err = parseStatCPU(stat)
	return ps, err
}

// parseStatusKiB reads "Key:   1234 kB" from /proc/PID/status.
func parseStatusKiB(status []byte, key string) (int64, error) {
	for line := range strings.SplitSeq(string(status), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || k != key {
			continue
		}
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("/proc status %s: %q is not \"N kB\"", key, strings.TrimSpace(v))
		}
		return strconv.ParseInt(f[0], 10, 64)
	}
	return 0, fmt.Errorf("/proc status has no %s", key)
}

// parseStatCPU returns utime+stime (fields 14 and 15) of /proc/PID/stat.
// The command name (field 2) is in parentheses and may hold spaces or
// parentheses itself, so fields are counted from the last ')'.
func parseStatCPU(stat []byte) (int64, error) {
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc stat: no command name in %q", s)
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state), so field n is f[n-3].
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc stat: %d fields after the command name, want at least 13", len(f))
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc stat: utime %q, stime %q are not numbers", f[11], f[12])
	}
	return utime + stime, nil
}

func getBody(ctx context.Context, url, token string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %.200s", url, resp.Status, body)
	}
	return body, nil
}
