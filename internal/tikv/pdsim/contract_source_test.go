package pdsim

import (
	"encoding/json"
	"strings"
	"testing"
)

// Bad-input paths the captures do not cover, checked against what PD's
// handlers do (read from PD's server/api and its Handler: which field is
// checked first, which status, which text). Captured behaviour is in
// contract_test.go; this file only adds what was read from the source.

type sourceCase struct {
	name        string
	prep        func(s *testSim)
	method      string
	path        string
	body        string
	status      int
	want        string // the exact JSON body ("..." for a bare string), or
	contains    string // a substring, when ids in it are not fixed
	occurs      int    // how often contains occurs (0: at least once)
	errcodeBody bool   // {"code":"input",...} with Tidb-Error-Code
}

var sourceCases = []sourceCase{
	// POST /operators: every required field, in the order PD reads them.
	{name: "transfer-peer without from", method: "POST", path: "/pd/api/v1/operators", body: `{"name":"transfer-peer","region_id":1009,"to_store_id":4}`, status: 400, want: `"invalid store id to transfer peer from"`},
	{name: "transfer-peer without to", method: "POST", path: "/pd/api/v1/operators", body: `{"name":"transfer-peer","region_id":1009,"from_store_id":1}`, status: 400, want: `"invalid store id to transfer peer to"`},
	{name: "transfer-peer without region", method: "POST", path: "/pd/api/v1/operators", body: `{"name":"transfer-peer","from_store_id":1,"to_store_id":4}`, status: 400, want: `"missing region id"`},
	{name: "add-peer without store", method: "POST", path: "/pd/api/v1/operators", body: `{"name":"add-peer","region_id":1009}`, status: 400, want: `"invalid store id to transfer peer to"`},
	{name: "add-learner without store", method: "POST", path: "/pd/api/v1/operators", body: `{"name":"add-learner","region_id":1009,"store_id":"4"}`, status: 400, want: `"invalid store id to transfer peer to"`},
	{name: "remove-peer without store", method: "POST", path: "/pd/api/v1/operators", body: `{"name":"remove-peer","region_id":1009}`, status: 400, want: `"invalid store id to transfer peer to"`},
	{name: "merge without source", method: "POST", path: "/pd/api/v1/operators", body: `{"name":"merge-region","target_region_id":1013}`, status: 400, want: `"missing region id"`},
	{name: "merge without target", method: "POST", path: "/pd/api/v1/operators", body: `{"name":"merge-region","source_region_id":1009}`, status: 400, want: `"invalid target region id to merge to"`},
	{name: "transfer-region without stores", method: "POST", path: "/pd/api/v1/operators", body: `{"name":"transfer-region","region_id":1009}`, status: 400, want: `"invalid store ids to transfer region to"`},
	{name: "transfer-region with string store", method: "POST", path: "/pd/api/v1/operators", body: `{"name":"transfer-region","region_id":1009,"to_store_ids":["1"]}`, status: 400, want: `"invalid store ids to transfer region to"`},
	{name: "transfer-region with no stores", method: "POST", path: "/pd/api/v1/operators", body: `{"name":"transfer-region","region_id":1009,"to_store_ids":[]}`, status: 400, want: `"missing store ids to transfer region to"`},
	// Roles count only when there are as many as stores.
	{name: "transfer-region with too few roles", method: "POST", path: "/pd/api/v1/operators", body: `{"name":"transfer-region","region_id":1009,"to_store_ids":[1,2,4],"peer_roles":["leader"]}`, status: 500, want: `"transfer region without peer role is not supported when placement rules enabled"`},
	{name: "transfer-region to a missing store", method: "POST", path: "/pd/api/v1/operators", body: `{"name":"transfer-region","region_id":1009,"to_store_ids":[1,2,999],"peer_roles":["leader","voter","voter"]}`, status: 500, want: `"[PD:core:ErrStoreNotFound]store 999 not found"`},
	{name: "scatter-region without region", method: "POST", path: "/pd/api/v1/operators", body: `{"name":"scatter-region"}`, status: 400, want: `"missing region id"`},
	{name: "split without region", method: "POST", path: "/pd/api/v1/operators", body: `{"name":"split-region","policy":"scan"}`, status: 400, want: `"missing region id"`},
	// scatter-regions wants region_ids even with a key range; unknown
	// regions lower the percentage rather than failing.
	{name: "scatter-regions by range only", method: "POST", path: "/pd/api/v1/operators", body: `{"name":"scatter-regions","start_key":"00","end_key":"FF"}`, status: 400, want: `"region_ids is invalid"`},
	{name: "scatter-regions with a missing region", method: "POST", path: "/pd/api/v1/operators", body: `{"name":"scatter-regions","region_ids":[1009,999999]}`, status: 200, want: `{"error":"","processed-percentage":50}`},
	// The first and the last region meet only at the empty key: not adjacent.
	{name: "merge first into last", method: "POST", path: "/pd/api/v1/operators", body: `{"name":"merge-region","source_region_id":9,"target_region_id":1205}`, status: 500, want: `"[PD:region:ErrRegionNotAdjacent]two regions are not adjacent"`},
	{name: "merge a region missing a replica", prep: func(s *testSim) {
		pauseRule(s)
		s.post(`{"name":"remove-peer","region_id":1069,"store_id":3}`)
		s.finish(1069)
	}, method: "POST", path: "/pd/api/v1/operators", body: `{"name":"merge-region","source_region_id":1069,"target_region_id":1073}`, status: 500, want: `"[PD:region:ErrRegionAbnormalPeer]region 1069 has abnormal peer"`},
	{name: "add-peer on a store that never heartbeated", prep: func(s *testSim) { s.newStore(false) },
		method: "POST", path: "/pd/api/v1/operators", body: `{"name":"add-peer","region_id":1009,"store_id":1206}`, status: 500, contains: "[PD:core:ErrStoreUnhealthy]store 1206 is unhealthy"},
	{name: "add-peer on a Tombstone store", prep: func(s *testSim) { s.tombstone(5) },
		method: "POST", path: "/pd/api/v1/operators", body: `{"name":"add-peer","region_id":1009,"store_id":5}`, status: 500, want: `"[PD:core:ErrStoreRemoved]store 5 has been removed"`},

	// GET /operators?kind: PD appends each kind's operators in turn.
	{name: "operators of two matching kinds", prep: func(s *testSim) { s.post(`{"name":"transfer-leader","region_id":281,"to_store_id":5}`) },
		method: "GET", path: "/pd/api/v1/operators?kind=admin&kind=leader", status: 200, contains: "admin-transfer-leader {", occurs: 2},
	{name: "operator objects of no matching kind", method: "GET", path: "/pd/api/v1/operators?object&kind=admin", status: 200, want: `[]`},
	{name: "operators of an unknown kind", method: "GET", path: "/pd/api/v1/operators?kind=bogus", status: 200, want: `null`},

	// Stores.
	{name: "invalid state on a missing store", method: "POST", path: "/pd/api/v1/store/999/state?state=Bogus", status: 400, want: `"invalid state Bogus"`},
	{name: "weight of the wrong type", method: "POST", path: "/pd/api/v1/store/1/weight", body: `{"leader":"x","region":1}`, status: 400, want: `"bad format leader weight"`},
	{name: "negative region weight", method: "POST", path: "/pd/api/v1/store/1/weight", body: `{"leader":1,"region":-1}`, status: 400, want: `"bad format region weight"`},
	{name: "weight without leader", method: "POST", path: "/pd/api/v1/store/1/weight", body: `{"region":1}`, status: 400, want: `"leader weight unset"`},
	{name: "limit of a missing store, before the body", method: "POST", path: "/pd/api/v1/store/999/limit", body: `{`, status: 500, want: `"[PD:core:ErrStoreNotFound]store 999 not found"`},
	{name: "limit without rate", method: "POST", path: "/pd/api/v1/store/1/limit", body: `{}`, status: 400, want: `"rate unset"`},
	{name: "limit with a numeric type", method: "POST", path: "/pd/api/v1/store/1/limit", body: `{"rate":1,"type":1}`, status: 400, want: `"bad format type"`},
	{name: "limit with a bad ttl", method: "POST", path: "/pd/api/v1/store/1/limit?ttlSecond=x", body: `{"rate":1}`, status: 400, want: `"strconv.Atoi: parsing \"x\": invalid syntax"`},
	{name: "all limits without rate", method: "POST", path: "/pd/api/v1/stores/limit", body: `{}`, status: 400, want: `"rate unset"`},
	{name: "limits with a bad include_tombstone", method: "GET", path: "/pd/api/v1/stores/limit?include_tombstone=x", status: 400, want: `"strconv.ParseBool: parsing \"x\": invalid syntax"`},
	{name: "label with a bad value", method: "POST", path: "/pd/api/v1/store/1/label", body: `{"zone":"bad value!"}`, status: 400, errcodeBody: true,
		want: `{"code":"input","data":{},"msg":"bad value! does not match format \"^[-A-Za-z0-9_./]*$\""}`},
	{name: "delete a label of a missing store", method: "DELETE", path: "/pd/api/v1/store/999/label", body: `"zone"`, status: 500, want: `"[PD:cluster:ErrInvalidStoreID]invalid store id 999, not found"`},
	{name: "delete a label with a bad key", method: "DELETE", path: "/pd/api/v1/store/1/label", body: `"bad key!"`, status: 400, errcodeBody: true,
		want: `{"code":"input","data":{},"msg":"bad key! does not match format \"^[$]?[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$\""}`},
	{name: "progress of a non-numeric id", method: "GET", path: "/pd/api/v1/stores/progress?id=abc", status: 400, errcodeBody: true,
		want: `{"code":"input","data":{},"msg":"strconv.ParseUint: parsing \"abc\": invalid syntax"}`},
	{name: "labels/stores with a bad pattern", method: "GET", path: "/pd/api/v1/labels/stores?name=(", status: 500, want: "\"error parsing regexp: missing closing ): `(?i)(`\""},
	// A removing store's remove-peer limit is lifted.
	{name: "removing store limit", prep: func(s *testSim) { s.offline(5) }, method: "GET", path: "/pd/api/v1/stores/limit", status: 200, contains: `"5":{"add-peer":15,"remove-peer":100000000}`},

	// Regions.
	{name: "replicated with a bad key", method: "GET", path: "/pd/api/v1/regions/replicated?startKey=zz&endKey=", status: 400, want: `"encoding/hex: invalid byte: U+007A 'z'"`},
	{name: "replicated without keys", method: "GET", path: "/pd/api/v1/regions/replicated", status: 404},
	{name: "replicated in a healthy cluster", method: "GET", path: "/pd/api/v1/regions/replicated?startKey=&endKey=", status: 200, want: `"REPLICATED"`},

	// Checkers decode the whole body as integers.
	{name: "checker body with another non-integer", method: "POST", path: "/pd/api/v1/checker/rule", body: `{"delay":1,"x":"y"}`, status: 400, errcodeBody: true,
		want: `{"code":"input","data":{"Field":"","Offset":18,"Struct":"","Type":{},"Value":"string"},"msg":"json: cannot unmarshal string into Go value of type int"}`},
}

func TestContractFromSource(t *testing.T) {
	for _, tc := range sourceCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newTestSim(t, Options{Stores: 5, Regions: 300, NoSplit: true})
			if tc.prep != nil {
				tc.prep(s)
			}
			code, body, hdr := s.do(tc.method, tc.path, tc.body)
			if code != tc.status {
				t.Fatalf("status %d, want %d (body %s)", code, tc.status, body)
			}
			if got := hdr.Get("Tidb-Error-Code") == "input"; got != tc.errcodeBody {
				t.Errorf("Tidb-Error-Code input: %v, want %v", got, tc.errcodeBody)
			}
			if tc.contains != "" && !strings.Contains(compactJSON(body), tc.contains) {
				t.Errorf("body %s does not contain %s", body, tc.contains)
			}
			if n := strings.Count(compactJSON(body), tc.contains); tc.occurs > 0 && n != tc.occurs {
				t.Errorf("%s occurs %d times in %s, want %d", tc.contains, n, body, tc.occurs)
			}
			if tc.want != "" && compactJSON(body) != compactJSON(tc.want) {
				t.Errorf("body %s, want %s", strings.TrimSpace(body), tc.want)
			}
		})
	}
}

// compactJSON re-encodes a JSON document with sorted keys and no spaces.
func compactJSON(s string) string {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return strings.TrimSpace(s)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// TestContractSplitKeysUpperCase: PD decodes usekey split keys and prints
// them back as upper-case hex in the operator's brief.
func TestContractSplitKeysUpperCase(t *testing.T) {
	s := newTestSim(t, Options{Stores: 5, Regions: 300, NoSplit: true})
	s.post(`{"name":"split-region","region_id":1049,"policy":"usekey","keys":["7480000000000000ff015f728000000000ff000103ff00000000fb00"]}`)
	var status string
	s.getJSON("/pd/api/v1/operators/1049", &status)
	if !strings.Contains(status, "and keys [7480000000000000FF015F728000000000FF000103FF00000000FB00]") {
		t.Fatalf("brief: %s", status)
	}
}
