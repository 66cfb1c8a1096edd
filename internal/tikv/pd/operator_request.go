package pd

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// OperatorRequest is a validated body for POST /operators. Build one with
// TransferLeader, TransferRegion, TransferPeer, AddPeer, AddLearner,
// RemovePeer, MergeRegion or SplitRegion; the zero value is invalid.
// CreateOperator validates the request again before anything is sent.
type OperatorRequest struct {
	name    string // PD's operator name, e.g. "transfer-leader"
	region  RegionID
	target  RegionID // merge target
	store   StoreID  // add-peer, add-learner, remove-peer, transfer-leader target
	from    StoreID  // transfer-peer source
	to      StoreID  // transfer-peer destination
	peers   []PeerTarget
	policy  SplitPolicy
	keys    []string
	summary string
}

// TargetRole is the role of a destination store in TransferRegion.
type TargetRole uint8

// Target roles for TransferRegion. TargetAnyRole lets PD choose, which PD
// refuses while placement rules are enabled (the default).
const (
	TargetAnyRole  TargetRole = iota
	TargetLeader              // "leader"
	TargetVoter               // "voter"
	TargetFollower            // "follower"
	TargetLearner             // "learner"
)

func (r TargetRole) wire() (string, bool) {
	switch r {
	case TargetLeader:
		return "leader", true
	case TargetVoter:
		return "voter", true
	case TargetFollower:
		return "follower", true
	case TargetLearner:
		return "learner", true
	}
	return "", false
}

// PeerTarget is one destination of TransferRegion.
type PeerTarget struct {
	Store StoreID
	Role  TargetRole
}

// SplitPolicy is how SplitRegion picks the split point.
type SplitPolicy uint8

// Split policies. The zero value is invalid.
const (
	SplitApproximate SplitPolicy = iota + 1 // from TiKV's size estimate
	SplitScan                               // TiKV scans for the middle key
	SplitUseKey                             // at the given keys
)

func (p SplitPolicy) wire() (string, bool) {
	switch p {
	case SplitApproximate:
		return "approximate", true
	case SplitScan:
		return "scan", true
	case SplitUseKey:
		return "usekey", true
	}
	return "", false
}

// TransferLeader moves the leader of region to its voter on store to.
func TransferLeader(region RegionID, to StoreID) OperatorRequest {
	return OperatorRequest{name: "transfer-leader", region: region, store: to,
		summary: fmt.Sprintf("transfer leader of region %d to store %d", region, to)}
}

// TransferRegion moves the region's replicas onto exactly the given stores,
// with the given roles (one leader at most).
func TransferRegion(region RegionID, peers ...PeerTarget) OperatorRequest {
	stores := make([]string, len(peers))
	for i, p := range peers {
		stores[i] = p.Store.String()
	}
	return OperatorRequest{name: "transfer-region", region: region, peers: append([]PeerTarget(nil), peers...),
		summary: fmt.Sprintf("move region %d to stores [%s]", region, strings.Join(stores, " "))}
}

// TransferPeer moves the region's peer on store from to store to.
func TransferPeer(region RegionID, from, to StoreID) OperatorRequest {
	return OperatorRequest{name: "transfer-peer", region: region, from: from, to: to,
		summary: fmt.Sprintf("move the peer of region %d from store %d to store %d", region, from, to)}
}

// AddPeer adds a voter of region on store (as a learner, then promoted).
func AddPeer(region RegionID, store StoreID) OperatorRequest {
	return OperatorRequest{name: "add-peer", region: region, store: store,
		summary: fmt.Sprintf("add a voter of region %d on store %d", region, store)}
}

// AddLearner adds a learner of region on store.
func AddLearner(region RegionID, store StoreID) OperatorRequest {
	return OperatorRequest{name: "add-learner", region: region, store: store,
		summary: fmt.Sprintf("add a learner of region %d on store %d", region, store)}
}

// RemovePeer removes the region's peer on store.
func RemovePeer(region RegionID, store StoreID) OperatorRequest {
	return OperatorRequest{name: "remove-peer", region: region, store: store,
		summary: fmt.Sprintf("remove the peer of region %d on store %d", region, store)}
}

// MergeRegion merges source into the adjacent region target.
func MergeRegion(source, target RegionID) OperatorRequest {
	return OperatorRequest{name: "merge-region", region: source, target: target,
		summary: fmt.Sprintf("merge region %d into region %d", source, target)}
}

// SplitRegion splits region by policy. SplitUseKey needs at least one split
// key, each the hex of an encoded key (as region start/end keys are shown);
// the other policies take none.
func SplitRegion(region RegionID, policy SplitPolicy, hexKeys ...string) OperatorRequest {
	p, _ := policy.wire()
	s := fmt.Sprintf("split region %d by policy %s", region, p)
	if len(hexKeys) > 0 {
		s += " at [" + strings.Join(hexKeys, " ") + "]"
	}
	return OperatorRequest{name: "split-region", region: region, policy: policy,
		keys: append([]string(nil), hexKeys...), summary: s}
}

// Name is PD's operator name ("transfer-leader", ...).
func (r OperatorRequest) Name() string { return r.name }

// Region is the region the operator acts on (the source, for a merge).
func (r OperatorRequest) Region() RegionID { return r.region }

// String describes the request for logs and audit records.
func (r OperatorRequest) String() string {
	if r.summary == "" {
		return "empty operator request"
	}
	return r.summary
}

// Validate refuses requests PD would reject or misread.
func (r OperatorRequest) Validate() error {
	if r.name == "" {
		return errors.New("empty operator request: build it with TransferLeader, AddPeer, ...")
	}
	if r.region == 0 {
		return errors.New("region id is 0")
	}
	switch r.name {
	case "transfer-leader", "add-peer", "add-learner", "remove-peer":
		if r.store == 0 {
			return errors.New("store id is 0")
		}
	case "transfer-peer":
		if r.from == 0 || r.to == 0 {
			return errors.New("store id is 0")
		}
		if r.from == r.to {
			return fmt.Errorf("source and destination are both store %d", r.from)
		}
	case "merge-region":
		if r.target == 0 {
			return errors.New("target region id is 0")
		}
		if r.target == r.region {
			return fmt.Errorf("region %d cannot merge into itself", r.region)
		}
	case "transfer-region":
		return validatePeerTargets(r.peers)
	case "split-region":
		return validateSplit(r.policy, r.keys)
	default:
		return fmt.Errorf("unknown operator %q", r.name)
	}
	return nil
}

func validatePeerTargets(peers []PeerTarget) error {
	if len(peers) == 0 {
		return errors.New("no destination stores")
	}
	seen := map[StoreID]bool{}
	leaders, roles := 0, 0
	for _, p := range peers {
		if p.Store == 0 {
			return errors.New("store id is 0")
		}
		if seen[p.Store] {
			return fmt.Errorf("store %d is listed twice", p.Store)
		}
		seen[p.Store] = true
		if p.Role != TargetAnyRole {
			if _, ok := p.Role.wire(); !ok {
				return fmt.Errorf("store %d: unknown role %d", p.Store, p.Role)
			}
			roles++
		}
		if p.Role == TargetLeader {
			leaders++
		}
	}
	if roles != 0 && roles != len(peers) {
		return errors.New("give a role to every destination store or to none")
	}
	if leaders > 1 {
		return fmt.Errorf("%d leaders requested, at most one allowed", leaders)
	}
	return nil
}

func validateSplit(policy SplitPolicy, keys []string) error {
	name, ok := policy.wire()
	if !ok {
		return fmt.Errorf("unknown split policy %d", policy)
	}
	if policy != SplitUseKey {
		if len(keys) > 0 {
			return fmt.Errorf("split policy %s takes no keys", name)
		}
		return nil
	}
	if len(keys) == 0 {
		return errors.New("split policy usekey needs at least one key")
	}
	for _, k := range keys {
		if err := validateHexKey(k); err != nil {
			return fmt.Errorf("split key %q: %w", truncate(k, 40), err)
		}
	}
	return nil
}

// validateHexKey checks a non-empty hex-encoded key.
func validateHexKey(k string) error {
	if k == "" {
		return errors.New("key is empty")
	}
	if _, err := hex.DecodeString(k); err != nil {
		return errors.New("not hex (want an even number of 0-9A-F digits)")
	}
	return nil
}

// MarshalJSON writes the POST /operators body. Numbers stay JSON numbers: PD
// treats a string ID as missing.
func (r OperatorRequest) MarshalJSON() ([]byte, error) {
	body := map[string]any{"name": r.name}
	switch r.name {
	case "transfer-leader":
		body["region_id"], body["to_store_id"] = r.region, r.store
	case "add-peer", "add-learner", "remove-peer":
		body["region_id"], body["store_id"] = r.region, r.store
	case "transfer-peer":
		body["region_id"], body["from_store_id"], body["to_store_id"] = r.region, r.from, r.to
	case "merge-region":
		body["source_region_id"], body["target_region_id"] = r.region, r.target
	case "transfer-region":
		body["region_id"] = r.region
		stores := make([]StoreID, len(r.peers))
		var roles []string
		for i, p := range r.peers {
			stores[i] = p.Store
			if role, ok := p.Role.wire(); ok {
				roles = append(roles, role)
			}
		}
		body["to_store_ids"] = stores
		if len(roles) > 0 {
			body["peer_roles"] = roles
		}
	case "split-region":
		body["region_id"] = r.region
		body["policy"], _ = r.policy.wire()
		if len(r.keys) > 0 {
			body["keys"] = r.keys
		}
	}
	return json.Marshal(body)
}
