package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/execute"
	"github.com/operator-dev/operator/internal/ticket"
)

// Client is the API's client, used by the CLI.
type Client struct {
	base  string
	token string
	http  *http.Client
}

// NewClient talks to the daemon at base ("http://127.0.0.1:9876") as the
// identity whose token it is.
func NewClient(base, token string) *Client {
	return &Client{base: strings.TrimSuffix(base, "/"), token: strings.TrimSpace(token), http: &http.Client{Timeout: 30 * time.Second}}
}

func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach the operator daemon at %s (is `operator run` running?): %w", c.base, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		var eb ErrorBody
		if json.Unmarshal(data, &eb) == nil && eb.Error != "" {
			return fmt.Errorf("%s (HTTP %d)", eb.Error, resp.StatusCode)
		}
		return fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, strings.TrimSpace(string(data)))
	}
	if out != nil {
		// Numbers as json.Number: region and store IDs in evidence and in
		// proposed params are 64-bit and must not round through float64.
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(out); err != nil {
			return fmt.Errorf("%s %s: the daemon answered something that is not the expected JSON: %w", method, path, err)
		}
	}
	return nil
}

// ListOptions filter List.
type ListOptions struct {
	States []ticket.State
	Limit  int
}

// List returns tickets, newest first.
func (c *Client) List(ctx context.Context, o ListOptions) ([]ticket.Ticket, error) {
	q := url.Values{}
	for _, s := range o.States {
		q.Add("state", string(s))
	}
	if o.Limit > 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	var out []ticket.Ticket
	err := c.do(ctx, http.MethodGet, "/api/v1/tickets?"+q.Encode(), nil, &out)
	return out, err
}

// Get returns one ticket with its timeline and its latest diagnosis round.
func (c *Client) Get(ctx context.Context, id ticket.ID) (TicketView, error) {
	var out TicketView
	err := c.do(ctx, http.MethodGet, fmt.Sprintf("/api/v1/tickets/%d", id), nil, &out)
	return out, err
}

// Diagnoses returns every diagnosis round of a ticket, oldest first.
func (c *Client) Diagnoses(ctx context.Context, id ticket.ID) ([]ticket.DiagnosisRecord, error) {
	var out []ticket.DiagnosisRecord
	err := c.do(ctx, http.MethodGet, fmt.Sprintf("/api/v1/tickets/%d/diagnoses", id), nil, &out)
	return out, err
}

// Resolve resolves a ticket by hand.
func (c *Client) Resolve(ctx context.Context, id ticket.ID, reason string) (ticket.Ticket, error) {
	var out ticket.Ticket
	err := c.do(ctx, http.MethodPost, fmt.Sprintf("/api/v1/tickets/%d/resolve", id), ResolveRequest{Reason: reason}, &out)
	return out, err
}

// Runs lists action runs, oldest first; states and ticket filter.
func (c *Client) Runs(ctx context.Context, states []action.State, tk ticket.ID) ([]action.Run, error) {
	q := url.Values{}
	for _, s := range states {
		q.Add("state", string(s))
	}
	if tk != 0 {
		q.Set("ticket", strconv.FormatInt(int64(tk), 10))
	}
	var out []action.Run
	err := c.do(ctx, http.MethodGet, "/api/v1/actions?"+q.Encode(), nil, &out)
	return out, err
}

// Run returns one run with its timeline and its action's description.
func (c *Client) Run(ctx context.Context, id action.ID) (RunView, error) {
	var out RunView
	err := c.do(ctx, http.MethodGet, fmt.Sprintf("/api/v1/actions/%d", id), nil, &out)
	return out, err
}

// Approve approves a proposed run.
func (c *Client) Approve(ctx context.Context, id action.ID, reason string) (execute.ApproveResult, error) {
	var out execute.ApproveResult
	err := c.do(ctx, http.MethodPost, fmt.Sprintf("/api/v1/actions/%d/approve", id), RunRequest{Reason: reason}, &out)
	return out, err
}

// DryRun runs a run's preflight now, changing nothing.
func (c *Client) DryRun(ctx context.Context, id action.ID) (DryRunView, error) {
	var out DryRunView
	err := c.do(ctx, http.MethodPost, fmt.Sprintf("/api/v1/actions/%d/approve", id), RunRequest{DryRun: true}, &out)
	return out, err
}

// Reject rejects a proposed run.
func (c *Client) Reject(ctx context.Context, id action.ID, reason string) (action.Run, error) {
	var out action.Run
	err := c.do(ctx, http.MethodPost, fmt.Sprintf("/api/v1/actions/%d/reject", id), RunRequest{Reason: reason}, &out)
	return out, err
}

// Cancel cancels a run that has not finished.
func (c *Client) Cancel(ctx context.Context, id action.ID, reason string) (action.Run, error) {
	var out action.Run
	err := c.do(ctx, http.MethodPost, fmt.Sprintf("/api/v1/actions/%d/cancel", id), RunRequest{Reason: reason}, &out)
	return out, err
}

// KillSwitch reads the kill switch.
func (c *Client) KillSwitch(ctx context.Context) (KillSwitchView, error) {
	var out KillSwitchView
	err := c.do(ctx, http.MethodGet, "/api/v1/kill-switch", nil, &out)
	return out, err
}

// SetKillSwitch turns the kill switch on or off.
func (c *Client) SetKillSwitch(ctx context.Context, on bool, reason string) (KillSwitchView, error) {
	var out KillSwitchView
	err := c.do(ctx, http.MethodPost, "/api/v1/kill-switch", KillSwitchRequest{On: on, Reason: reason}, &out)
	return out, err
}

// CreatePlan proposes an ordered list of registry actions.
func (c *Client) CreatePlan(ctx context.Context, req PlanRequest) ([]action.Run, error) {
	var out []action.Run
	err := c.do(ctx, http.MethodPost, "/api/v1/plans", req, &out)
	return out, err
}
