package pd

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
)

// GetEvictLeaderStores lists the stores evict-leader-scheduler keeps
// leaders off (GET /scheduler-config/evict-leader-scheduler/list). No such
// scheduler (PD removes it with its last store) is an empty list.
func (c *Client) GetEvictLeaderStores(ctx context.Context) ([]StoreID, error) {
	var out struct {
		Ranges map[StoreID]json.RawMessage `json:"store-id-ranges"`
	}
	err := c.get(ctx, apiV1+"/scheduler-config/evict-leader-scheduler/list", nil, into(&out))
	if errors.Is(err, ErrNotFound) {
		return []StoreID{}, nil
	}
	if err != nil {
		return nil, err
	}
	ids := make([]StoreID, 0, len(out.Ranges))
	for id := range out.Ranges {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids, nil
}
