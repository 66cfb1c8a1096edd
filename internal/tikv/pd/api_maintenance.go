package pd

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"unicode"
)

const apiV2 = "/pd/api/v2"

// StartMaintenance takes PD's cluster-wide maintenance lock for a task
// (PUT /pd/api/v2/maintenance/{type}/{id}), with an optional free-text
// description. While any task holds it, starting another is ErrConflict and
// (*Error).Existing names the holder.
func (c *Client) StartMaintenance(ctx context.Context, typ, id, description string) error {
	op := fmt.Sprintf("start maintenance %s/%s", typ, id)
	if err := validateTaskPart("type", typ); err != nil {
		return invalid(op, "%v", err)
	}
	if err := validateTaskPart("id", id); err != nil {
		return invalid(op, "%v", err)
	}
	req := request{op: op, method: http.MethodPut, path: maintenancePath(typ, id)}
	if description != "" {
		req.body, req.contentType = []byte(description), "text/plain; charset=utf-8"
	}
	return c.do(ctx, req, nil)
}

// GetMaintenance lists running maintenance tasks (at most one). PD answers
// 404 when there is none; that is an empty list here.
func (c *Client) GetMaintenance(ctx context.Context) ([]MaintenanceTask, error) {
	var out []MaintenanceTask
	err := c.get(ctx, apiV2+"/maintenance", nil, into(&out))
	var e *Error
	if errors.As(err, &e) && e.Status == http.StatusNotFound && !e.plainText {
		// A JSON 404 is PD's "none running"; a text 404 is a PD without
		// the v2 maintenance API, which stays an error.
		return []MaintenanceTask{}, nil
	}
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []MaintenanceTask{}
	}
	return out, nil
}

// GetMaintenanceByType returns the running task of a type; ErrNotFound when
// there is none.
func (c *Client) GetMaintenanceByType(ctx context.Context, typ string) (*MaintenanceTask, error) {
	if err := validateTaskPart("type", typ); err != nil {
		return nil, invalid("get maintenance "+typ, "%v", err)
	}
	var out MaintenanceTask
	if err := c.get(ctx, apiV2+"/maintenance/"+url.PathEscape(typ), nil, into(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteMaintenance releases the lock held by task typ/id. A different id
// is ErrConflict (with Existing set); no task is ErrNotFound.
func (c *Client) DeleteMaintenance(ctx context.Context, typ, id string) error {
	op := fmt.Sprintf("end maintenance %s/%s", typ, id)
	if err := validateTaskPart("type", typ); err != nil {
		return invalid(op, "%v", err)
	}
	if err := validateTaskPart("id", id); err != nil {
		return invalid(op, "%v", err)
	}
	return c.do(ctx, request{op: op, method: http.MethodDelete, path: maintenancePath(typ, id)}, nil)
}

func maintenancePath(typ, id string) string {
	return apiV2 + "/maintenance/" + url.PathEscape(typ) + "/" + url.PathEscape(id)
}

func validateTaskPart(what, s string) error {
	if s == "" {
		return fmt.Errorf("task %s is empty", what)
	}
	if len(s) > 128 {
		return fmt.Errorf("task %s is longer than 128 bytes", what)
	}
	for _, r := range s {
		if r == '/' || r == '?' || r == '#' || r == '%' || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return fmt.Errorf("task %s %q has %q; use letters, digits, '-', '_' and '.'", what, s, r)
		}
	}
	return nil
}
