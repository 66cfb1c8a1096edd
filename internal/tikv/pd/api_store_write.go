package pd

import (
	"context"
	"fmt"
	"math"
	"net/http"
)

// StoreLimitType names one direction of a per-store limit.
type StoreLimitType string

// Store limit types PD accepts on POST /store/{id}/limit.
const (
	StoreLimitAddPeer    StoreLimitType = "add-peer"
	StoreLimitRemovePeer StoreLimitType = "remove-peer"
)

// SetStoreWeight sets a store's leader and region weights (POST
// /store/{id}/weight). PD needs both: a body without one is a 400.
func (c *Client) SetStoreWeight(ctx context.Context, id StoreID, leader, region float64) error {
	op := fmt.Sprintf("set weights of store %d to leader %v, region %v", id, leader, region)
	if id == 0 {
		return invalid(op, "store id is 0")
	}
	for _, w := range []float64{leader, region} {
		if w < 0 || math.IsNaN(w) || math.IsInf(w, 0) {
			return invalid(op, "weight %v is not a finite number of 0 or more", w)
		}
	}
	body := map[string]float64{"leader": leader, "region": region}
	return c.writeJSON(ctx, op, http.MethodPost, apiV1+"/store/"+id.String()+"/weight", nil, body)
}

// SetStoreLimit sets how many operations of one type per minute a store may
// take part in (POST /store/{id}/limit). The type is always sent: without
// it PD sets both directions. A missing store is ErrNotFound (PD: a 500).
func (c *Client) SetStoreLimit(ctx context.Context, id StoreID, typ StoreLimitType, rate float64) error {
	op := fmt.Sprintf("set %s limit of store %d to %v per minute", typ, id, rate)
	if id == 0 {
		return invalid(op, "store id is 0")
	}
	if typ != StoreLimitAddPeer && typ != StoreLimitRemovePeer {
		return invalid(op, "unknown limit type %q (want add-peer or remove-peer)", string(typ))
	}
	if !(rate > 0) || math.IsInf(rate, 0) {
		return invalid(op, "rate %v is not a positive number (PD refuses 0 and less)", rate)
	}
	body := map[string]any{"rate": rate, "type": string(typ)}
	return c.writeJSON(ctx, op, http.MethodPost, apiV1+"/store/"+id.String()+"/limit", nil, body)
}

// GetStoreLimits returns every store's add-peer and remove-peer limits (GET
// /stores/limit), Tombstone stores left out as PD does by default.
func (c *Client) GetStoreLimits(ctx context.Context) (map[StoreID]StoreLimitConfig, error) {
	var out map[StoreID]StoreLimitConfig
	if err := c.get(ctx, apiV1+"/stores/limit", nil, into(&out)); err != nil {
		return nil, err
	}
	if out == nil {
		out = map[StoreID]StoreLimitConfig{}
	}
	return out, nil
}
