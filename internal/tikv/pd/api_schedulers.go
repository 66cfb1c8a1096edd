package pd

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// GetSchedulers lists scheduler names (GET /schedulers[?status=...]).
func (c *Client) GetSchedulers(ctx context.Context, filter SchedulerFilter) ([]string, error) {
	status, ok := filter.wire()
	if !ok {
		return nil, invalid("get schedulers", "unknown filter %d", uint8(filter))
	}
	var q url.Values
	if status != "" {
		q = url.Values{"status": {status}}
	}
	var out []string
	if err := c.get(ctx, apiV1+"/schedulers", q, into(&out)); err != nil {
		return nil, err
	}
	return out, nil
}

// GetPausedSchedulers lists paused schedulers with when they were paused
// and when they resume (GET /schedulers?status=paused&timestamp=true).
func (c *Client) GetPausedSchedulers(ctx context.Context) ([]PausedScheduler, error) {
	var out []PausedScheduler
	q := url.Values{"status": {"paused"}, "timestamp": {"true"}}
	if err := c.get(ctx, apiV1+"/schedulers", q, into(&out)); err != nil {
		return nil, err
	}
	return out, nil
}

// AddScheduler adds a scheduler by name, e.g. "evict-leader-scheduler"
// (POST /schedulers). store is required by the per-store schedulers
// (evict-leader, grant-leader) and must be 0 for the others. Adding a
// per-store scheduler that exists adds the store to it; adding any other
// existing scheduler is ErrConflict.
func (c *Client) AddScheduler(ctx context.Context, name string, store StoreID) error {
	op := fmt.Sprintf("add scheduler %s", name)
	if store != 0 {
		op += fmt.Sprintf(" for store %d", store)
	}
	if err := validateName(name); err != nil {
		return invalid(op, "scheduler name: %v", err)
	}
	if schedulerNeedsStore(name) && store == 0 {
		return invalid(op, "%s needs a store id", name)
	}
	body := map[string]any{"name": name}
	if store != 0 {
		body["store_id"] = store
	}
	return c.writeJSON(ctx, op, http.MethodPost, apiV1+"/schedulers", nil, body)
}

// PauseScheduler pauses a scheduler for delay (whole seconds); a delay of 0
// resumes it. PD forgets pauses when it restarts.
func (c *Client) PauseScheduler(ctx context.Context, name string, delay time.Duration) error {
	op := fmt.Sprintf("pause scheduler %s for %s", name, delay)
	if delay == 0 {
		op = "resume scheduler " + name
	}
	if err := validateName(name); err != nil {
		return invalid(op, "scheduler name: %v", err)
	}
	secs, err := delaySeconds(delay)
	if err != nil {
		return invalid(op, "%v", err)
	}
	return c.writeJSON(ctx, op, http.MethodPost, apiV1+"/schedulers/"+url.PathEscape(name), nil, map[string]int64{"delay": secs})
}

// DeleteScheduler removes a scheduler (DELETE /schedulers/{name}). For the
// per-store schedulers, "evict-leader-scheduler-2" removes only store 2.
func (c *Client) DeleteScheduler(ctx context.Context, name string) error {
	op := "delete scheduler " + name
	if err := validateName(name); err != nil {
		return invalid(op, "scheduler name: %v", err)
	}
	return c.writeJSON(ctx, op, http.MethodDelete, apiV1+"/schedulers/"+url.PathEscape(name), nil, nil)
}

// GetChecker reports whether a checker is paused (GET /checker/{name}).
// Names are the Checker* constants.
func (c *Client) GetChecker(ctx context.Context, name string) (*CheckerStatus, error) {
	if err := validateName(name); err != nil {
		return nil, invalid("get checker", "checker name: %v", err)
	}
	var out CheckerStatus
	if err := c.get(ctx, apiV1+"/checker/"+url.PathEscape(name), nil, into(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}

// PauseChecker pauses a checker for delay (whole seconds); 0 resumes it.
// Pausing CheckerRule keeps PD from undoing manual peer changes that violate
// placement rules.
func (c *Client) PauseChecker(ctx context.Context, name string, delay time.Duration) error {
	op := fmt.Sprintf("pause checker %s for %s", name, delay)
	if delay == 0 {
		op = "resume checker " + name
	}
	if err := validateName(name); err != nil {
		return invalid(op, "checker name: %v", err)
	}
	secs, err := delaySeconds(delay)
	if err != nil {
		return invalid(op, "%v", err)
	}
	return c.writeJSON(ctx, op, http.MethodPost, apiV1+"/checker/"+url.PathEscape(name), nil, map[string]int64{"delay": secs})
}

// delaySeconds converts a pause delay. A sub-second delay would round to 0,
// which means "resume": refuse it rather than surprise.
func delaySeconds(d time.Duration) (int64, error) {
	if d < 0 {
		return 0, fmt.Errorf("delay %s is negative", d)
	}
	if d%time.Second != 0 {
		return 0, fmt.Errorf("delay %s is not a whole number of seconds (PD takes seconds; 0 means resume)", d)
	}
	return int64(d / time.Second), nil
}

// validateName accepts PD-style names: lower-case letters, digits, '-' and '_'.
func validateName(name string) error {
	if name == "" {
		return fmt.Errorf("empty")
	}
	if len(name) > 128 {
		return fmt.Errorf("longer than 128 bytes")
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return fmt.Errorf("%q has %q; want lower-case letters, digits, '-' and '_'", name, r)
		}
	}
	return nil
}
