package pd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// decodeWant decodes the fixture body with plain json.Unmarshal, a path
// independent of the client's decoders.
func decodeWant[T any](t testing.TB, fx fixture) any {
	var v T
	if err := json.Unmarshal(fx.responseBody(t), &v); err != nil {
		t.Fatalf("%s: decode fixture body as %T: %v", fx.Name, v, err)
	}
	return &v
}

func decodeWantSlice[T any](t testing.TB, fx fixture) any {
	v := []T{}
	if err := json.Unmarshal(fx.responseBody(t), &v); err != nil {
		t.Fatalf("%s: decode fixture body as %T: %v", fx.Name, v, err)
	}
	if v == nil {
		v = []T{}
	}
	return v
}

func call[T any](f func(c *Client, ctx context.Context) (T, error), want func(testing.TB, fixture) any) (replayCall, string) {
	return replayCall{run: func(c *Client, ctx context.Context) (any, error) { return f(c, ctx) }, want: want}, ""
}

func write(f func(c *Client, ctx context.Context) error) (replayCall, string) {
	return replayCall{run: func(c *Client, ctx context.Context) (any, error) { return nil, f(c, ctx) }}, ""
}

func onlyParams(q url.Values, allowed ...string) string {
	for k := range q {
		found := false
		for _, a := range allowed {
			found = found || k == a
		}
		if !found {
			return "query parameter " + k + " is not sent by the client"
		}
	}
	return ""
}

// typedID parses a path ID; "abc" cannot be expressed with typed IDs.
func typedID(s string) (uint64, string) {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Sprintf("typed IDs cannot carry %q", s)
	}
	return n, ""
}

func strictJSON(body string, v any) error {
	dec := json.NewDecoder(bytes.NewReader([]byte(body)))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func wantOps(t testing.TB, fx fixture) any {
	var texts []string
	if err := json.Unmarshal(fx.responseBody(t), &texts); err != nil {
		t.Fatalf("%s: %v", fx.Name, err)
	}
	out := []OperatorDetail{}
	for _, s := range texts {
		d, err := ParseOperatorString(s)
		if err != nil {
			t.Fatalf("%s: %v", fx.Name, err)
		}
		if d.State == OperatorStateUnknown && fx.query().Get("kind") != "waiting" && !strings.Contains(fx.Path, "records") {
			d.State = OperatorRunning
		}
		out = append(out, d)
	}
	return out
}

var regionChecks = map[string]RegionCheck{
	"miss-peer": CheckMissPeer, "extra-peer": CheckExtraPeer, "pending-peer": CheckPendingPeer,
	"down-peer": CheckDownPeer, "learner-peer": CheckLearnerPeer, "empty-region": CheckEmptyRegion,
	"offline-peer": CheckOfflinePeer, "oversized-region": CheckOversizedRegion, "undersized-region": CheckUndersizedRegion,
}

var topMetrics = map[string]TopMetric{
	"writeflow": TopWriteFlow, "readflow": TopReadFlow, "writequery": TopWriteQuery, "readquery": TopReadQuery,
	"confver": TopConfVer, "version": TopVersion, "size": TopSize, "keys": TopKeys, "cpu": TopCPU,
}

// operatorFromBody rebuilds a captured POST /operators body with the
// constructors. Bodies the constructors cannot produce (malformed JSON,
// string IDs, names we do not offer) are reported as inexpressible.
func operatorFromBody(body string) (OperatorRequest, string) {
	var b struct {
		Name           string    `json:"name"`
		RegionID       RegionID  `json:"region_id"`
		StoreID        StoreID   `json:"store_id"`
		ToStoreID      StoreID   `json:"to_store_id"`
		FromStoreID    StoreID   `json:"from_store_id"`
		SourceRegionID RegionID  `json:"source_region_id"`
		TargetRegionID RegionID  `json:"target_region_id"`
		ToStoreIDs     []StoreID `json:"to_store_ids"`
		PeerRoles      []string  `json:"peer_roles"`
		Policy         *string   `json:"policy"`
		Keys           []string  `json:"keys"`
	}
	if err := strictJSON(body, &b); err != nil {
		return OperatorRequest{}, "the constructors cannot produce this body: " + err.Error()
	}
	switch b.Name {
	case "transfer-leader":
		return TransferLeader(b.RegionID, b.ToStoreID), ""
	case "add-peer":
		return AddPeer(b.RegionID, b.StoreID), ""
	case "add-learner":
		return AddLearner(b.RegionID, b.StoreID), ""
	case "remove-peer":
		return RemovePeer(b.RegionID, b.StoreID), ""
	case "transfer-peer":
		return TransferPeer(b.RegionID, b.FromStoreID, b.ToStoreID), ""
	case "merge-region":
		return MergeRegion(b.SourceRegionID, b.TargetRegionID), ""
	case "transfer-region":
		roles := map[string]TargetRole{"leader": TargetLeader, "voter": TargetVoter, "follower": TargetFollower, "learner": TargetLearner}
		var peers []PeerTarget
		for i, s := range b.ToStoreIDs {
			p := PeerTarget{Store: s}
			if i < len(b.PeerRoles) {
				p.Role = roles[b.PeerRoles[i]]
			}
			peers = append(peers, p)
		}
		return TransferRegion(b.RegionID, peers...), ""
	case "split-region":
		var policy SplitPolicy // missing: the zero value, which must be refused
		if b.Policy != nil {
			policy = map[string]SplitPolicy{"approximate": SplitApproximate, "scan": SplitScan, "usekey": SplitUseKey}[*b.Policy]
			if policy == 0 {
				policy = SplitPolicy(99)
			}
		}
		return SplitRegion(b.RegionID, policy, b.Keys...), ""
	}
	return OperatorRequest{}, fmt.Sprintf("no constructor for operator %q", b.Name)
}
