package pd

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// GetRegion returns one region (GET /region/id/{id}); ErrNotFound after it
// was merged away.
func (c *Client) GetRegion(ctx context.Context, id RegionID) (*RegionInfo, error) {
	if id == 0 {
		return nil, invalid("get region", "region id is 0")
	}
	var out RegionInfo
	if err := c.get(ctx, apiV1+"/region/id/"+id.String(), nil, into(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetRegionByKey returns the region containing a key, given as hex of the
// encoded key (the form of RegionInfo.StartKey). It always sends
// ?format=hex: without it PD looks up the bytes of the hex text itself and
// silently returns the wrong region. For the first region use
// GetRegionsByKey("", 1).
func (c *Client) GetRegionByKey(ctx context.Context, hexKey string) (*RegionInfo, error) {
	if err := validateHexKey(hexKey); err != nil {
		return nil, invalid("get region by key", "key %q: %v", truncate(hexKey, 40), err)
	}
	var out RegionInfo
	q := url.Values{"format": {"hex"}}
	if err := c.get(ctx, apiV1+"/region/key/"+url.PathEscape(hexKey), q, into(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetRegionsByKey scans up to limit regions in key order starting with the
// region that contains startHexKey ("" = the beginning). Page through the
// key space by passing the last region's EndKey until it is "". limit must be
// 1..MaxRegionLimit: PD silently caps larger values, and a negative one means
// "everything".
func (c *Client) GetRegionsByKey(ctx context.Context, startHexKey string, limit int) (*RegionsInfo, error) {
	if limit < 1 || limit > MaxRegionLimit {
		return nil, invalid("scan regions", "limit %d is outside 1..%d", limit, MaxRegionLimit)
	}
	q := url.Values{"key": {startHexKey}, "limit": {strconv.Itoa(limit)}}
	if startHexKey != "" {
		if err := validateHexKey(startHexKey); err != nil {
			return nil, invalid("scan regions", "start key %q: %v", truncate(startHexKey, 40), err)
		}
		q.Set("format", "hex")
	}
	var out RegionsInfo
	if err := c.get(ctx, apiV1+"/regions/key", q, regionsInto(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetRegionsByStore lists the regions with a peer on the store, filtered by
// the store's role in them. A store PD does not know answers an empty list,
// not ErrNotFound. The type is an enum because an unknown type wedges PD;
// RegionType values outside the constants are refused.
func (c *Client) GetRegionsByStore(ctx context.Context, id StoreID, typ RegionType) (*RegionsInfo, error) {
	if id == 0 {
		return nil, invalid("get regions of store", "store id is 0")
	}
	t, ok := typ.wire()
	if !ok {
		return nil, invalid("get regions of store", "unknown region type %d (want RegionTypeAll, Leader, Follower or Learner); never sent because an unknown type wedges PD", uint8(typ))
	}
	var q url.Values
	if t != "" {
		q = url.Values{"type": {t}}
	}
	var out RegionsInfo
	err := c.do(ctx, request{method: http.MethodGet, path: apiV1 + "/regions/store/" + id.String(), query: q, bulk: true}, regionsInto(&out))
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// GetRegionCount returns the number of regions (GET /regions/count).
func (c *Client) GetRegionCount(ctx context.Context) (int, error) {
	var out RegionsInfo // {"count":N,"regions":null}
	if err := c.get(ctx, apiV1+"/regions/count", nil, regionsInto(&out)); err != nil {
		return 0, err
	}
	return out.Count, nil
}

// GetRegions returns every region of the cluster (GET /regions). PD has no
// limit on this endpoint: at a million regions the answer is hundreds of MiB
// and takes PD real work to build. Prefer GetRegionsByKey paging, counts, or
// the check lists; this call uses Config.BulkTimeout and MaxBodyBytes.
func (c *Client) GetRegions(ctx context.Context) (*RegionsInfo, error) {
	var out RegionsInfo
	err := c.do(ctx, request{method: http.MethodGet, path: apiV1 + "/regions", bulk: true}, regionsInto(&out))
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// GetRegionsCheck returns one of PD's region health lists
// (GET /regions/check/{kind}), optionally one page of it. The lists come from
// region heartbeats: they lag changes that no heartbeat has reported yet.
func (c *Client) GetRegionsCheck(ctx context.Context, kind RegionCheck, page Page) (*RegionsInfo, error) {
	name, ok := kind.wire()
	if !ok {
		return nil, invalid("check regions", "unknown region check %d", uint8(kind))
	}
	if page.Page < 0 || page.Limit < 0 {
		return nil, invalid("check regions", "page %d / limit %d must not be negative", page.Page, page.Limit)
	}
	q := url.Values{}
	if page.Page > 0 {
		q.Set("page", strconv.Itoa(page.Page))
	}
	if page.Limit > 0 {
		q.Set("limit", strconv.Itoa(page.Limit))
	}
	var out RegionsInfo
	if err := c.get(ctx, apiV1+"/regions/check/"+name, q, regionPageInto(&out, page.Limit)); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetTopRegions returns the limit regions highest in metric
// (GET /regions/{metric}?limit=N).
func (c *Client) GetTopRegions(ctx context.Context, metric TopMetric, limit int) (*RegionsInfo, error) {
	name, ok := metric.wire()
	if !ok {
		return nil, invalid("top regions", "unknown metric %d", uint8(metric))
	}
	if limit < 1 || limit > MaxRegionLimit {
		return nil, invalid("top regions", "limit %d is outside 1..%d", limit, MaxRegionLimit)
	}
	var out RegionsInfo
	if err := c.get(ctx, apiV1+"/regions/"+name, url.Values{"limit": {strconv.Itoa(limit)}}, regionsInto(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetRegionSiblings returns the left and right neighbours of a region
// (GET /regions/sibling/{id}), the candidates for a merge.
func (c *Client) GetRegionSiblings(ctx context.Context, id RegionID) (*RegionsInfo, error) {
	if id == 0 {
		return nil, invalid("get region siblings", "region id is 0")
	}
	var out RegionsInfo
	if err := c.get(ctx, apiV1+"/regions/sibling/"+id.String(), nil, regionsInto(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetRegionStats returns cluster-wide region totals (GET /stats/region).
func (c *Client) GetRegionStats(ctx context.Context) (*RegionStats, error) {
	var out RegionStats
	if err := c.get(ctx, apiV1+"/stats/region", nil, into(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}
