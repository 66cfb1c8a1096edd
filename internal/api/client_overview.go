package api

import (
	"context"
	"net/http"

	"github.com/operator-dev/operator/internal/overview"
)

// Overview returns the latest cluster overview. Before the daemon's
// monitor has completed a cycle it fails with the daemon's "no cluster
// overview yet" (HTTP 503).
func (c *Client) Overview(ctx context.Context) (overview.Overview, error) {
	var out overview.Overview
	err := c.do(ctx, http.MethodGet, "/api/v1/overview", nil, &out)
	return out, err
}
