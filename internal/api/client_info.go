package api

import (
	"context"
	"net/http"
)

// Info reads what kind of daemon this is: its banner, its actions mode and
// the subjects it watches.
func (c *Client) Info(ctx context.Context) (Info, error) {
	var out Info
	err := c.do(ctx, http.MethodGet, "/api/v1/info", nil, &out)
	return out, err
}
