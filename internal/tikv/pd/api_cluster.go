package pd

import (
	"context"
	"net/http"
	"net/url"
)

// GetHotWriteRegions returns the write-hot peers per store
// (GET /hotspot/regions/write).
func (c *Client) GetHotWriteRegions(ctx context.Context, opts HotRegionsOptions) (*StoreHotPeersInfos, error) {
	return c.hotRegions(ctx, "write", opts)
}

// GetHotReadRegions returns the read-hot peers per store
// (GET /hotspot/regions/read).
func (c *Client) GetHotReadRegions(ctx context.Context, opts HotRegionsOptions) (*StoreHotPeersInfos, error) {
	return c.hotRegions(ctx, "read", opts)
}

func (c *Client) hotRegions(ctx context.Context, kind string, opts HotRegionsOptions) (*StoreHotPeersInfos, error) {
	var q url.Values
	if opts.StoreID != 0 {
		q = url.Values{"store_id": {opts.StoreID.String()}}
	}
	var out StoreHotPeersInfos
	if err := c.get(ctx, apiV1+"/hotspot/regions/"+kind, q, into(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetHotStores returns per-store flow rates (GET /hotspot/stores).
func (c *Client) GetHotStores(ctx context.Context) (*HotStoreStats, error) {
	var out HotStoreStats
	if err := c.get(ctx, apiV1+"/hotspot/stores", nil, into(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetCluster returns the cluster ID and max peer count (GET /cluster). It
// works before the cluster is bootstrapped.
func (c *Client) GetCluster(ctx context.Context) (*Cluster, error) {
	var out Cluster
	if err := c.get(ctx, apiV1+"/cluster", nil, into(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetClusterStatus reports whether the cluster is bootstrapped
// (GET /cluster/status).
func (c *Client) GetClusterStatus(ctx context.Context) (*ClusterStatus, error) {
	var out ClusterStatus
	if err := c.get(ctx, apiV1+"/cluster/status", nil, into(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetHealth returns the health of each PD member (GET /health). It says
// nothing about stores.
func (c *Client) GetHealth(ctx context.Context) ([]MemberHealth, error) {
	var out []MemberHealth
	if err := c.get(ctx, apiV1+"/health", nil, into(&out)); err != nil {
		return nil, err
	}
	return out, nil
}

// GetMembers lists the PD members and leaders (GET /members).
func (c *Client) GetMembers(ctx context.Context) (*Members, error) {
	var out Members
	if err := c.get(ctx, apiV1+"/members", nil, into(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetLeader returns the PD leader (GET /leader).
func (c *Client) GetLeader(ctx context.Context) (*Member, error) {
	var out Member
	if err := c.get(ctx, apiV1+"/leader", nil, into(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetVersion returns PD's version (GET /version).
func (c *Client) GetVersion(ctx context.Context) (*Version, error) {
	var out Version
	if err := c.get(ctx, apiV1+"/version", nil, into(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}

// Ping checks that PD's API answers (GET /ping, an empty 200).
func (c *Client) Ping(ctx context.Context) error {
	return c.get(ctx, apiV1+"/ping", nil, nil)
}

// GetScheduleConfig returns the schedule configuration
// (GET /config/schedule).
func (c *Client) GetScheduleConfig(ctx context.Context) (*ScheduleConfig, error) {
	var out ScheduleConfig
	if err := c.get(ctx, apiV1+"/config/schedule", nil, into(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}

// SetScheduleConfig applies a partial update (POST /config/schedule). Only
// the set fields are sent; booleans go out as "true"/"false" strings and
// durations as Go duration strings, the only forms PD accepts.
func (c *Client) SetScheduleConfig(ctx context.Context, patch SchedulePatch) error {
	op := "update schedule config"
	if err := patch.Validate(); err != nil {
		return invalid(op, "%v", err)
	}
	return c.writeJSON(ctx, op, http.MethodPost, apiV1+"/config/schedule", nil, patch)
}

// GetReplicationConfig returns the replication configuration
// (GET /config/replicate).
func (c *Client) GetReplicationConfig(ctx context.Context) (*ReplicationConfig, error) {
	var out ReplicationConfig
	if err := c.get(ctx, apiV1+"/config/replicate", nil, into(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}
