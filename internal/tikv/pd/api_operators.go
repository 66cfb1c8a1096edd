package pd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// GetOperators lists PD's running operators (GET /operators[?kind=...]),
// parsed from PD's text form. With FilterWaiting the list holds operators not
// yet started and their State is Unknown; otherwise State is Running. PD
// answers null when a filter matches nothing; that is an empty list here.
func (c *Client) GetOperators(ctx context.Context, filters ...OperatorFilter) ([]OperatorDetail, error) {
	q := url.Values{}
	waiting := false
	for _, f := range filters {
		k, ok := f.wire()
		if !ok {
			return nil, invalid("get operators", "unknown operator filter %d", uint8(f))
		}
		waiting = waiting || f == FilterWaiting
		q.Add("kind", k)
	}
	var out []OperatorDetail
	err := c.get(ctx, apiV1+"/operators", q, operatorStrings(&out, func(d *OperatorDetail) {
		if !waiting && d.State == OperatorStateUnknown {
			d.State = OperatorRunning
		}
	}))
	if err != nil {
		return nil, err
	}
	return out, nil
}

// operatorStrings decodes a JSON array of operator texts (or null).
func operatorStrings(out *[]OperatorDetail, fix func(*OperatorDetail)) decodeFunc {
	return func(r io.Reader) error {
		var texts []string
		if err := into(&texts)(r); err != nil {
			return err
		}
		*out = make([]OperatorDetail, 0, len(texts))
		for i, t := range texts {
			d, err := ParseOperatorString(t)
			if err != nil {
				return fmt.Errorf("operator #%d: %w", i, err)
			}
			fix(&d)
			*out = append(*out, d)
		}
		return nil
	}
}

// GetOperatorObjects lists running operators in PD's structured form
// (GET /operators?object), with numeric kind and status.
func (c *Client) GetOperatorObjects(ctx context.Context) ([]OperatorObject, error) {
	var out []OperatorObject
	if err := c.get(ctx, apiV1+"/operators", url.Values{"object": {""}}, into(&out)); err != nil {
		return nil, err
	}
	if out == nil {
		out = []OperatorObject{}
	}
	return out, nil
}

// GetOperator returns the running or last operator of a region
// (GET /operators/{region}). PD keeps a finished operator's final state for
// about ten minutes, and only the latest operator per region: PD's own
// operators replace an admin one's record. With neither, PD answers a 500
// [PD:operator:ErrOperatorNotFound], which is ErrNotFound here.
func (c *Client) GetOperator(ctx context.Context, region RegionID) (*OperatorDetail, error) {
	if region == 0 {
		return nil, invalid("get operator", "region id is 0")
	}
	var out OperatorDetail
	err := c.get(ctx, apiV1+"/operators/"+region.String(), nil, func(r io.Reader) error {
		var text string
		if err := into(&text)(r); err != nil {
			return err
		}
		d, err := ParseOperatorStatus(text)
		if err != nil {
			return err
		}
		out = d
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateOperator submits an admin operator (POST /operators). A region that
// already has an operator (PD's own included) is ErrConflict; a missing region
// or store is ErrNotFound; most other refusals are 500s, ErrInternal, with
// PD's reason in the message. PD's checkers may undo the result within a
// second if it violates placement rules (see PauseChecker).
func (c *Client) CreateOperator(ctx context.Context, req OperatorRequest) error {
	if err := req.Validate(); err != nil {
		return invalid(req.String(), "%v", err)
	}
	return c.writeJSON(ctx, req.String(), http.MethodPost, apiV1+"/operators", nil, req)
}

// CancelOperator cancels the running operator of a region
// (DELETE /operators/{region}); ErrNotFound when none is running.
func (c *Client) CancelOperator(ctx context.Context, region RegionID) error {
	op := fmt.Sprintf("cancel the operator of region %d", region)
	if region == 0 {
		return invalid(op, "region id is 0")
	}
	return c.writeJSON(ctx, op, http.MethodDelete, apiV1+"/operators/"+region.String(), nil, nil)
}

// GetOperatorRecords lists operators that finished since from (whole
// seconds; the zero time means PD's default window), GET
// /operators/records. PD answers "no records" as a 500 ErrOperatorNotFound;
// that is an empty list here.
func (c *Client) GetOperatorRecords(ctx context.Context, from time.Time) ([]OperatorDetail, error) {
	var q url.Values
	if !from.IsZero() {
		if from.Unix() < 0 {
			return nil, invalid("get operator records", "from %s is before 1970", from)
		}
		q = url.Values{"from": {strconv.FormatInt(from.Unix(), 10)}}
	}
	var out []OperatorDetail
	err := c.get(ctx, apiV1+"/operators/records", q, operatorStrings(&out, func(*OperatorDetail) {}))
	var e *Error
	if errors.As(err, &e) && e.Code == "PD:operator:ErrOperatorNotFound" {
		return []OperatorDetail{}, nil
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}
