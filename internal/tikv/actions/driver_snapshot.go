package actions

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/operator-dev/operator/internal/tikv/pd"
)

// Snapshots are what an intent's Before and a verification's After hold.
// They are typed here and stored as plain JSON maps: an intent read back
// from the store has json.Number or float64 where we wrote uint64, so every
// reader decodes through JSON again (fromJSONValue) rather than asserting
// Go types.

// regionSnap is a region as far as an action touches it.
type regionSnap struct {
	ID          uint64     `json:"id"`
	StartKey    string     `json:"start_key"`
	EndKey      string     `json:"end_key"`
	Version     uint64     `json:"version"`
	ConfVer     uint64     `json:"conf_ver"`
	LeaderStore uint64     `json:"leader_store_id"`
	Peers       []peerSnap `json:"peers"`
	SizeMiB     int64      `json:"approximate_size_mib"`
	Keys        int64      `json:"approximate_keys"`
}

type peerSnap struct {
	ID      uint64 `json:"id"`
	StoreID uint64 `json:"store_id"`
	Role    string `json:"role"`
}

func snapRegion(r *pd.RegionInfo) regionSnap {
	s := regionSnap{ID: uint64(r.ID), StartKey: r.StartKey, EndKey: r.EndKey,
		Version: r.Epoch.Version, ConfVer: r.Epoch.ConfVer, LeaderStore: uint64(r.Leader.StoreID),
		SizeMiB: r.ApproximateSize, Keys: r.ApproximateKeys, Peers: []peerSnap{}}
	for _, p := range r.Peers {
		s.Peers = append(s.Peers, peerSnap{ID: uint64(p.ID), StoreID: uint64(p.StoreID), Role: p.Role.String()})
	}
	return s
}

// peerOn returns the region's peer on the store.
func (s regionSnap) peerOn(store pd.StoreID) (peerSnap, bool) {
	for _, p := range s.Peers {
		if p.StoreID == uint64(store) {
			return p, true
		}
	}
	return peerSnap{}, false
}

func (s regionSnap) span() string {
	return fmt.Sprintf("[%s, %s)", shortKey(s.StartKey), shortKey(s.EndKey))
}

// shortKey keeps a hex key readable in a detail line.
func shortKey(k string) string {
	if k == "" {
		return `""`
	}
	if len(k) > 72 {
		return k[:34] + "…" + k[len(k)-34:]
	}
	return k
}

// storeSnap is a store as far as an action touches it.
type storeSnap struct {
	ID           uint64  `json:"id"`
	State        string  `json:"state"` // PD's state_name: Up, Disconnected, Down, Offline, Tombstone
	LeaderCount  int     `json:"leader_count"`
	RegionCount  int     `json:"region_count"`
	LeaderWeight float64 `json:"leader_weight"`
	RegionWeight float64 `json:"region_weight"`
	RegionSize   int64   `json:"region_size_mib"`
}

func snapStore(s *pd.StoreInfo) storeSnap {
	state := string(s.Store.StateName)
	if state == "" {
		state = s.Store.State.String()
	}
	return storeSnap{ID: uint64(s.Store.ID), State: state, LeaderCount: s.Status.LeaderCount,
		RegionCount: s.Status.RegionCount, LeaderWeight: s.Status.LeaderWeight,
		RegionWeight: s.Status.RegionWeight, RegionSize: s.Status.RegionSize}
}

// jsonValue turns a snapshot into the plain JSON form an intent stores
// (maps, strings, json.Number), so what Observe reads back after a restart
// is the same as what it would have read in process.
func jsonValue(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("snapshot %T does not encode: %v", v, err)) // our own types: a bug
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		panic(fmt.Sprintf("snapshot %T does not decode: %v", v, err))
	}
	return out
}

// fromJSONValue decodes a stored value (as jsonValue wrote it, or as a
// store read it back) into out.
func fromJSONValue(v any, out any) error {
	if v == nil {
		return errors.New("missing")
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

// recorded decodes one key of an intent's Before or Watch.
func recorded(m map[string]any, key string, out any) error {
	if err := fromJSONValue(m[key], out); err != nil {
		return fmt.Errorf("intent has no usable %q (%v): was it planned by this driver?", key, err)
	}
	return nil
}

// getRegion reads a region; a region PD does not know is (nil, nil).
func (d *Driver) getRegion(ctx context.Context, id pd.RegionID) (*pd.RegionInfo, error) {
	r, err := d.read.GetRegion(ctx, id)
	if errors.Is(err, pd.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read region %d: %w", id, err)
	}
	return r, nil
}

// mustRegion reads a region that must exist.
func (d *Driver) mustRegion(ctx context.Context, id pd.RegionID) (*pd.RegionInfo, error) {
	r, err := d.getRegion(ctx, id)
	if err == nil && r == nil {
		err = fmt.Errorf("region %d: %w", id, pd.ErrNotFound)
	}
	return r, err
}

// getStore reads a store; one PD no longer knows (tombstone removed) is
// (nil, nil).
func (d *Driver) getStore(ctx context.Context, id pd.StoreID) (*pd.StoreInfo, error) {
	s, err := d.read.GetStore(ctx, id)
	if errors.Is(err, pd.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read store %d: %w", id, err)
	}
	return s, nil
}

func (d *Driver) mustStore(ctx context.Context, id pd.StoreID) (*pd.StoreInfo, error) {
	s, err := d.getStore(ctx, id)
	if err == nil && s == nil {
		err = fmt.Errorf("store %d: %w", id, pd.ErrNotFound)
	}
	return s, err
}

// storesSnap snapshots the given stores, keyed by id as a string (JSON
// object keys are strings).
func (d *Driver) storesSnap(ctx context.Context, ids ...pd.StoreID) (map[string]storeSnap, error) {
	out := map[string]storeSnap{}
	for _, id := range ids {
		if id == 0 {
			continue
		}
		s, err := d.mustStore(ctx, id)
		if err != nil {
			return nil, err
		}
		out[id.String()] = snapStore(s)
	}
	return out, nil
}

// sameFloat compares config values that went through JSON and PD.
func sameFloat(a, b float64) bool {
	d := a - b
	return d < 1e-9 && d > -1e-9
}

// joinNonEmpty joins the non-empty parts.
func joinNonEmpty(sep string, parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, sep)
}
