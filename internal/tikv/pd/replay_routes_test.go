package pd

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A replayCall is the client call that reproduces a fixture's request.
type replayCall struct {
	run func(c *Client, ctx context.Context) (any, error)
	// want decodes the fixture body into what run should return on success
	// (nil: run returns nothing but an error).
	want func(t testing.TB, fx fixture) any
}

// route maps a fixture to a client call. It returns a reason instead when
// the typed API cannot express the captured request (an ID "abc", a
// malformed body, an endpoint the client does not wrap).
func route(fx fixture) (replayCall, string) {
	key := fx.Method + " " + fx.pathOnly()
	for _, r := range routes {
		if m := r.re.FindStringSubmatch(key); m != nil {
			return r.build(m, fx.query(), fx)
		}
	}
	return replayCall{}, "no client method for this endpoint"
}

type replayRoute struct {
	re    *regexp.Regexp
	build func(m []string, q url.Values, fx fixture) (replayCall, string)
}

func rt(pattern string, build func(m []string, q url.Values, fx fixture) (replayCall, string)) replayRoute {
	return replayRoute{regexp.MustCompile("^" + pattern + "$"), build}
}

var routes = []replayRoute{
	rt(`GET /pd/api/v1/stores`, func(_ []string, q url.Values, _ fixture) (replayCall, string) {
		if r := onlyParams(q, "state"); r != "" {
			return replayCall{}, r
		}
		var opts GetStoresOptions
		for _, s := range q["state"] {
			n, err := strconv.Atoi(s)
			if err != nil {
				return replayCall{}, "a store state is a number in the typed API, not " + s
			}
			opts.States = append(opts.States, StoreState(n))
		}
		return call(func(c *Client, ctx context.Context) (*StoresInfo, error) { return c.GetStores(ctx, opts) }, decodeWant[StoresInfo])
	}),
	rt(`GET /pd/api/v1/stores/check`, func(_ []string, q url.Values, _ fixture) (replayCall, string) {
		var names []StoreStateName
		for _, s := range q["state"] {
			names = append(names, StoreStateName(s))
		}
		return call(func(c *Client, ctx context.Context) (*StoresInfo, error) { return c.GetStoresCheck(ctx, names...) }, decodeWant[StoresInfo])
	}),
	rt(`GET /pd/api/v1/store/([^/]+)`, func(m []string, _ url.Values, _ fixture) (replayCall, string) {
		id, r := typedID(m[1])
		if r != "" {
			return replayCall{}, r
		}
		return call(func(c *Client, ctx context.Context) (*StoreInfo, error) { return c.GetStore(ctx, StoreID(id)) }, decodeWant[StoreInfo])
	}),
	rt(`GET /pd/api/v1/stores/progress`, func(_ []string, q url.Values, _ fixture) (replayCall, string) {
		if q.Has("id") {
			id, r := typedID(q.Get("id"))
			if r != "" {
				return replayCall{}, r
			}
			return call(func(c *Client, ctx context.Context) (*StoreProgress, error) {
				return c.GetStoreProgress(ctx, StoreID(id))
			}, decodeWant[StoreProgress])
		}
		if !q.Has("action") {
			return replayCall{}, "the client always names a store or an action"
		}
		action := map[string]ProgressAction{"removing": ProgressRemoving, "preparing": ProgressPreparing}[q.Get("action")]
		if action == 0 {
			action = ProgressAction(99) // unknown: must be refused
		}
		return call(func(c *Client, ctx context.Context) (*StoreProgress, error) { return c.GetStoresProgress(ctx, action) }, decodeWant[StoreProgress])
	}),
	rt(`POST /pd/api/v1/store/([^/]+)/state`, func(m []string, q url.Values, _ fixture) (replayCall, string) {
		id, r := typedID(m[1])
		if r != "" {
			return replayCall{}, r
		}
		state, ok := map[string]StoreState{"Up": StoreUp, "Offline": StoreOffline, "Tombstone": StoreTombstone}[q.Get("state")]
		if !ok {
			return replayCall{}, "the typed API has no store state " + strconv.Quote(q.Get("state"))
		}
		return write(func(c *Client, ctx context.Context) error { return c.SetStoreState(ctx, StoreID(id), state) })
	}),
	rt(`DELETE /pd/api/v1/store/([^/]+)`, func(m []string, q url.Values, _ fixture) (replayCall, string) {
		id, r := typedID(m[1])
		if r != "" {
			return replayCall{}, r
		}
		force := q.Get("force") == "true"
		return write(func(c *Client, ctx context.Context) error { return c.DeleteStore(ctx, StoreID(id), force) })
	}),
	rt(`DELETE /pd/api/v1/stores/remove-tombstone`, func([]string, url.Values, fixture) (replayCall, string) {
		return write(func(c *Client, ctx context.Context) error { return c.RemoveTombstones(ctx) })
	}),
	rt(`GET /pd/api/v1/region/id/([^/]+)`, func(m []string, _ url.Values, _ fixture) (replayCall, string) {
		id, r := typedID(m[1])
		if r != "" {
			return replayCall{}, r
		}
		return call(func(c *Client, ctx context.Context) (*RegionInfo, error) { return c.GetRegion(ctx, RegionID(id)) }, decodeWant[RegionInfo])
	}),
	rt(`GET /pd/api/v1/region/key/([^/]+)`, func(m []string, q url.Values, _ fixture) (replayCall, string) {
		if q.Get("format") != "hex" {
			return replayCall{}, "the client always sends ?format=hex (a raw-bytes lookup is the bug it avoids)"
		}
		return call(func(c *Client, ctx context.Context) (*RegionInfo, error) { return c.GetRegionByKey(ctx, m[1]) }, decodeWant[RegionInfo])
	}),
	rt(`GET /pd/api/v1/regions/key`, func(_ []string, q url.Values, _ fixture) (replayCall, string) {
		limit, err := strconv.Atoi(q.Get("limit"))
		if err != nil {
			return replayCall{}, "the client always sends a numeric limit"
		}
		key := q.Get("key")
		return call(func(c *Client, ctx context.Context) (*RegionsInfo, error) { return c.GetRegionsByKey(ctx, key, limit) }, decodeWant[RegionsInfo])
	}),
	rt(`GET /pd/api/v1/regions/store/([^/]+)`, func(m []string, q url.Values, _ fixture) (replayCall, string) {
		id, r := typedID(m[1])
		if r != "" {
			return replayCall{}, r
		}
		typ, ok := map[string]RegionType{"": RegionTypeAll, "leader": RegionTypeLeader, "follower": RegionTypeFollower, "learner": RegionTypeLearner}[q.Get("type")]
		if !ok {
			typ = RegionType(200) // unknown: must be refused, never sent
		}
		return call(func(c *Client, ctx context.Context) (*RegionsInfo, error) {
			return c.GetRegionsByStore(ctx, StoreID(id), typ)
		}, decodeWant[RegionsInfo])
	}),
	rt(`GET /pd/api/v1/regions/count`, func([]string, url.Values, fixture) (replayCall, string) {
		return call(func(c *Client, ctx context.Context) (int, error) { return c.GetRegionCount(ctx) },
			func(t testing.TB, fx fixture) any { return decodeWant[RegionsInfo](t, fx).(*RegionsInfo).Count })
	}),
	rt(`GET /pd/api/v1/regions`, func(_ []string, q url.Values, _ fixture) (replayCall, string) {
		if len(q) > 0 {
			return replayCall{}, "GET /regions takes no parameters"
		}
		return call(func(c *Client, ctx context.Context) (*RegionsInfo, error) { return c.GetRegions(ctx) }, decodeWant[RegionsInfo])
	}),
	rt(`GET /pd/api/v1/regions/check/([^/]+)`, func(m []string, q url.Values, _ fixture) (replayCall, string) {
		if strings.HasPrefix(m[1], "hist-") {
			return replayCall{}, "the size/keys histograms are not wrapped"
		}
		kind, ok := regionChecks[m[1]]
		if !ok {
			kind = RegionCheck(250) // unknown: must be refused
		}
		var page Page
		page.Page, _ = strconv.Atoi(q.Get("page"))
		page.Limit, _ = strconv.Atoi(q.Get("limit"))
		return call(func(c *Client, ctx context.Context) (*RegionsInfo, error) { return c.GetRegionsCheck(ctx, kind, page) }, decodeWant[RegionsInfo])
	}),
	rt(`GET /pd/api/v1/regions/(writeflow|readflow|writequery|readquery|confver|version|size|keys|cpu)`, func(m []string, q url.Values, _ fixture) (replayCall, string) {
		limit, err := strconv.Atoi(q.Get("limit"))
		if err != nil {
			return replayCall{}, "the client always sends a limit"
		}
		metric := topMetrics[m[1]]
		return call(func(c *Client, ctx context.Context) (*RegionsInfo, error) { return c.GetTopRegions(ctx, metric, limit) }, decodeWant[RegionsInfo])
	}),
	rt(`GET /pd/api/v1/regions/sibling/([^/]+)`, func(m []string, _ url.Values, _ fixture) (replayCall, string) {
		id, r := typedID(m[1])
		if r != "" {
			return replayCall{}, r
		}
		return call(func(c *Client, ctx context.Context) (*RegionsInfo, error) {
			return c.GetRegionSiblings(ctx, RegionID(id))
		}, decodeWant[RegionsInfo])
	}),
	rt(`GET /pd/api/v1/stats/region`, func(_ []string, q url.Values, _ fixture) (replayCall, string) {
		if len(q) > 0 {
			return replayCall{}, "the client asks for whole-cluster stats only"
		}
		return call(func(c *Client, ctx context.Context) (*RegionStats, error) { return c.GetRegionStats(ctx) }, decodeWant[RegionStats])
	}),
	rt(`GET /pd/api/v1/hotspot/regions/(write|read)`, func(m []string, q url.Values, _ fixture) (replayCall, string) {
		var opts HotRegionsOptions
		if q.Has("store_id") {
			id, r := typedID(q.Get("store_id"))
			if r != "" {
				return replayCall{}, r
			}
			opts.StoreID = StoreID(id)
		}
		f := (*Client).GetHotWriteRegions
		if m[1] == "read" {
			f = (*Client).GetHotReadRegions
		}
		return call(func(c *Client, ctx context.Context) (*StoreHotPeersInfos, error) { return f(c, ctx, opts) }, decodeWant[StoreHotPeersInfos])
	}),
	rt(`GET /pd/api/v1/hotspot/stores`, func([]string, url.Values, fixture) (replayCall, string) {
		return call((*Client).GetHotStores, decodeWant[HotStoreStats])
	}),
	rt(`GET /pd/api/v1/cluster`, func([]string, url.Values, fixture) (replayCall, string) {
		return call((*Client).GetCluster, decodeWant[Cluster])
	}),
	rt(`GET /pd/api/v1/cluster/status`, func([]string, url.Values, fixture) (replayCall, string) {
		return call((*Client).GetClusterStatus, decodeWant[ClusterStatus])
	}),
	rt(`GET /pd/api/v1/health`, func([]string, url.Values, fixture) (replayCall, string) {
		return call((*Client).GetHealth, decodeWantSlice[MemberHealth])
	}),
	rt(`GET /pd/api/v1/members`, func([]string, url.Values, fixture) (replayCall, string) {
		return call((*Client).GetMembers, decodeWant[Members])
	}),
	rt(`GET /pd/api/v1/leader`, func([]string, url.Values, fixture) (replayCall, string) {
		return call((*Client).GetLeader, decodeWant[Member])
	}),
	rt(`GET /pd/api/v1/version`, func([]string, url.Values, fixture) (replayCall, string) {
		return call((*Client).GetVersion, decodeWant[Version])
	}),
	rt(`GET /pd/api/v1/ping`, func([]string, url.Values, fixture) (replayCall, string) {
		return write((*Client).Ping)
	}),
	rt(`GET /pd/api/v1/config/schedule`, func([]string, url.Values, fixture) (replayCall, string) {
		return call((*Client).GetScheduleConfig, decodeWant[ScheduleConfig])
	}),
	rt(`GET /pd/api/v1/config/replicate`, func([]string, url.Values, fixture) (replayCall, string) {
		return call((*Client).GetReplicationConfig, decodeWant[ReplicationConfig])
	}),
	rt(`POST /pd/api/v1/config/schedule`, func(_ []string, _ url.Values, fx fixture) (replayCall, string) {
		var p SchedulePatch
		if err := strictJSON(fx.requestBody(), &p); err != nil {
			return replayCall{}, "a typed patch cannot send this body: " + err.Error()
		}
		if sent, _ := json.Marshal(p); !sameJSON(sent, []byte(fx.requestBody())) {
			return replayCall{}, fmt.Sprintf("a typed patch sends %s, not %s", sent, fx.requestBody())
		}
		return write(func(c *Client, ctx context.Context) error { return c.SetScheduleConfig(ctx, p) })
	}),
	rt(`GET /pd/api/v1/schedulers`, func(_ []string, q url.Values, _ fixture) (replayCall, string) {
		switch {
		case len(q) == 0:
			return call(func(c *Client, ctx context.Context) ([]string, error) { return c.GetSchedulers(ctx, SchedulersAll) }, decodeWantSlice[string])
		case q.Get("timestamp") == "true" && q.Get("status") == "paused":
			return call((*Client).GetPausedSchedulers, decodeWantSlice[PausedScheduler])
		case len(q) == 1 && q.Get("status") == "paused":
			return call(func(c *Client, ctx context.Context) ([]string, error) { return c.GetSchedulers(ctx, SchedulersPaused) }, decodeWantSlice[string])
		case len(q) == 1 && q.Get("status") == "disabled":
			return call(func(c *Client, ctx context.Context) ([]string, error) {
				return c.GetSchedulers(ctx, SchedulersDisabled)
			}, decodeWantSlice[string])
		}
		return replayCall{}, "PD answers all schedulers for an unknown status; the typed filter has no such value"
	}),
	rt(`POST /pd/api/v1/schedulers`, func(_ []string, _ url.Values, fx fixture) (replayCall, string) {
		var body struct {
			Name    string  `json:"name"`
			StoreID StoreID `json:"store_id"`
		}
		if err := strictJSON(fx.requestBody(), &body); err != nil {
			return replayCall{}, "not expressible with (name, StoreID): " + err.Error()
		}
		return write(func(c *Client, ctx context.Context) error { return c.AddScheduler(ctx, body.Name, body.StoreID) })
	}),
	rt(`POST /pd/api/v1/(schedulers|checker)/([^/]+)`, func(m []string, _ url.Values, fx fixture) (replayCall, string) {
		var body struct {
			Delay *int64 `json:"delay"`
		}
		if err := strictJSON(fx.requestBody(), &body); err != nil || body.Delay == nil {
			return replayCall{}, "the client always sends a numeric delay"
		}
		delay := time.Duration(*body.Delay) * time.Second
		f := (*Client).PauseScheduler
		if m[1] == "checker" {
			f = (*Client).PauseChecker
		}
		return write(func(c *Client, ctx context.Context) error { return f(c, ctx, m[2], delay) })
	}),
	rt(`DELETE /pd/api/v1/schedulers/([^/]+)`, func(m []string, _ url.Values, _ fixture) (replayCall, string) {
		return write(func(c *Client, ctx context.Context) error { return c.DeleteScheduler(ctx, m[1]) })
	}),
	rt(`GET /pd/api/v1/checker/([^/]+)`, func(m []string, _ url.Values, _ fixture) (replayCall, string) {
		return call(func(c *Client, ctx context.Context) (*CheckerStatus, error) { return c.GetChecker(ctx, m[1]) }, decodeWant[CheckerStatus])
	}),
	rt(`GET /pd/api/v1/operators`, func(_ []string, q url.Values, _ fixture) (replayCall, string) {
		if q.Has("object") {
			return call((*Client).GetOperatorObjects, decodeWantSlice[OperatorObject])
		}
		var filters []OperatorFilter
		for _, k := range q["kind"] {
			f, ok := map[string]OperatorFilter{"admin": FilterAdmin, "leader": FilterLeader, "region": FilterRegion, "waiting": FilterWaiting}[k]
			if !ok {
				return replayCall{}, "no operator filter " + k
			}
			filters = append(filters, f)
		}
		return call(func(c *Client, ctx context.Context) ([]OperatorDetail, error) { return c.GetOperators(ctx, filters...) }, wantOps)
	}),
	rt(`GET /pd/api/v1/operators/records`, func(_ []string, q url.Values, _ fixture) (replayCall, string) {
		var from time.Time
		if q.Has("from") {
			n, err := strconv.ParseInt(q.Get("from"), 10, 64)
			if err != nil {
				return replayCall{}, "from is a time.Time in the typed API"
			}
			from = time.Unix(n, 0)
		}
		return call(func(c *Client, ctx context.Context) ([]OperatorDetail, error) { return c.GetOperatorRecords(ctx, from) }, wantOps)
	}),
	rt(`GET /pd/api/v1/operators/([^/]+)`, func(m []string, _ url.Values, _ fixture) (replayCall, string) {
		id, r := typedID(m[1])
		if r != "" {
			return replayCall{}, r
		}
		return call(func(c *Client, ctx context.Context) (*OperatorDetail, error) { return c.GetOperator(ctx, RegionID(id)) },
			func(t testing.TB, fx fixture) any {
				var s string
				if err := json.Unmarshal(fx.responseBody(t), &s); err != nil {
					t.Fatal(err)
				}
				d, err := ParseOperatorStatus(s)
				if err != nil {
					t.Fatal(err)
				}
				return &d
			})
	}),
	rt(`POST /pd/api/v1/operators`, func(_ []string, _ url.Values, fx fixture) (replayCall, string) {
		req, reason := operatorFromBody(fx.requestBody())
		if reason != "" {
			return replayCall{}, reason
		}
		return write(func(c *Client, ctx context.Context) error { return c.CreateOperator(ctx, req) })
	}),
	rt(`DELETE /pd/api/v1/operators/([^/]+)`, func(m []string, _ url.Values, _ fixture) (replayCall, string) {
		id, r := typedID(m[1])
		if r != "" {
			return replayCall{}, r
		}
		return write(func(c *Client, ctx context.Context) error { return c.CancelOperator(ctx, RegionID(id)) })
	}),
	rt(`GET /pd/api/v2/maintenance`, func([]string, url.Values, fixture) (replayCall, string) {
		return call((*Client).GetMaintenance, decodeWantSlice[MaintenanceTask])
	}),
	rt(`GET /pd/api/v2/maintenance/([^/]+)`, func(m []string, _ url.Values, _ fixture) (replayCall, string) {
		return call(func(c *Client, ctx context.Context) (*MaintenanceTask, error) {
			return c.GetMaintenanceByType(ctx, m[1])
		}, decodeWant[MaintenanceTask])
	}),
	rt(`PUT /pd/api/v2/maintenance/([^/]+)/([^/]+)`, func(m []string, _ url.Values, fx fixture) (replayCall, string) {
		desc := fx.requestBody()
		return write(func(c *Client, ctx context.Context) error { return c.StartMaintenance(ctx, m[1], m[2], desc) })
	}),
	rt(`DELETE /pd/api/v2/maintenance/([^/]+)/([^/]+)`, func(m []string, _ url.Values, _ fixture) (replayCall, string) {
		return write(func(c *Client, ctx context.Context) error { return c.DeleteMaintenance(ctx, m[1], m[2]) })
	}),
}
