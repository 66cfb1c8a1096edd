package pd

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

const apiV1 = "/pd/api/v1"

// GetStoresOptions filters GetStores.
type GetStoresOptions struct {
	// States are stored states to include. Empty means PD's default, Up and
	// Offline (Tombstone stores hidden). Down and Disconnected stores are
	// stored as Up; use GetStoresCheck to filter on the computed state.
	States []StoreState
}

// GetStores lists stores by stored state (GET /stores?state=N).
func (c *Client) GetStores(ctx context.Context, opts GetStoresOptions) (*StoresInfo, error) {
	q := url.Values{}
	for _, s := range opts.States {
		if !s.valid() {
			return nil, invalid("get stores", "unknown store state %d (want StoreUp, StoreOffline or StoreTombstone)", int32(s))
		}
		q.Add("state", strconv.Itoa(int(s)))
	}
	return c.getStores(ctx, apiV1+"/stores", q)
}

// getStores reads a store list and PD's clock from the answer's Date header.
func (c *Client) getStores(ctx context.Context, path string, q url.Values) (*StoresInfo, error) {
	var out StoresInfo
	req := request{method: http.MethodGet, path: path, query: q, onHeader: func(h http.Header) {
		if t, err := http.ParseTime(h.Get("Date")); err == nil {
			out.ServerTime = t
		}
	}}
	if err := c.do(ctx, req, into(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetStoresCheck lists stores by computed state name (GET
// /stores/check?state=name): Up, Disconnected, Down, Offline, Tombstone.
// With no names PD returns every store, Tombstone ones included. Note that
// "Up" does not include Down or Disconnected stores.
func (c *Client) GetStoresCheck(ctx context.Context, states ...StoreStateName) (*StoresInfo, error) {
	q := url.Values{}
	for _, s := range states {
		if !s.known() {
			return nil, invalid("check stores", "unknown store state name %q (want Up, Disconnected, Down, Offline or Tombstone)", string(s))
		}
		q.Add("state", strings.ToLower(string(s)))
	}
	return c.getStores(ctx, apiV1+"/stores/check", q)
}

// GetStore returns one store (GET /store/{id}). A Tombstone store removed
// with RemoveTombstones is ErrNotFound.
func (c *Client) GetStore(ctx context.Context, id StoreID) (*StoreInfo, error) {
	if id == 0 {
		return nil, invalid("get store", "store id is 0")
	}
	var out StoreInfo
	if err := c.get(ctx, apiV1+"/store/"+id.String(), nil, into(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}

// SetStoreState sets a store Offline (start a graceful drain) or Up (cancel
// a drain). Tombstone is not settable: PD makes a drained store Tombstone on
// its own. A Tombstone store answers ErrGone; a store removed with force
// answers ErrGone when set Up; too few Up stores left is ErrBadRequest.
func (c *Client) SetStoreState(ctx context.Context, id StoreID, state StoreState) error {
	op := fmt.Sprintf("set store %d %s", id, state)
	if id == 0 {
		return invalid(op, "store id is 0")
	}
	if state != StoreUp && state != StoreOffline {
		return invalid(op, "only StoreUp and StoreOffline can be set (got %s)", state)
	}
	q := url.Values{"state": {state.String()}}
	return c.writeJSON(ctx, op, http.MethodPost, apiV1+"/store/"+id.String()+"/state", q, nil)
}

// DeleteStore starts removing a store, like SetStoreState(Offline). With
// force it also marks the store physically destroyed, which cannot be undone:
// such a store can never be set Up again.
func (c *Client) DeleteStore(ctx context.Context, id StoreID, force bool) error {
	op := fmt.Sprintf("delete store %d", id)
	if force {
		op += " (force: physically destroyed)"
	}
	if id == 0 {
		return invalid(op, "store id is 0")
	}
	var q url.Values
	if force {
		q = url.Values{"force": {"true"}}
	}
	return c.writeJSON(ctx, op, http.MethodDelete, apiV1+"/store/"+id.String(), q, nil)
}

// RemoveTombstones forgets every Tombstone store (DELETE
// /stores/remove-tombstone). It succeeds when there is none.
func (c *Client) RemoveTombstones(ctx context.Context) error {
	return c.writeJSON(ctx, "remove tombstone stores", http.MethodDelete, apiV1+"/stores/remove-tombstone", nil, nil)
}

// GetStoreProgress returns the drain or fill progress of one store (GET
// /stores/progress?id=N). ErrNotFound means no progress right now; PD
// answers that for up to one store heartbeat (~10 s) after a drain starts,
// and again once it is done, so pollers must tolerate it.
func (c *Client) GetStoreProgress(ctx context.Context, id StoreID) (*StoreProgress, error) {
	if id == 0 {
		return nil, invalid("get store progress", "store id is 0")
	}
	var out StoreProgress
	if err := c.get(ctx, apiV1+"/stores/progress", url.Values{"id": {id.String()}}, into(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetStoresProgress returns the combined progress of all stores doing the
// action (GET /stores/progress?action=...). ErrNotFound when none is.
func (c *Client) GetStoresProgress(ctx context.Context, action ProgressAction) (*StoreProgress, error) {
	if action != ProgressRemoving && action != ProgressPreparing {
		return nil, invalid("get stores progress", "unknown progress action %d", uint8(action))
	}
	var out StoreProgress
	if err := c.get(ctx, apiV1+"/stores/progress", url.Values{"action": {action.String()}}, into(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}
