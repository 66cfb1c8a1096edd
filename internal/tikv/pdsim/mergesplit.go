package pdsim

import (
	"encoding/hex"
	"math/big"
	"sort"
	"strings"
	"time"
)

func sortRegionIDs(ids []RegionID) {
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
}

// splitKeys returns the keys a split step would split the region at: the
// given keys that fall strictly inside the region (TiKV ignores the rest),
// or the middle of the range for the approximate and scan policies.
func (c *Cluster) splitKeys(r *Region, s step) []string {
	if r == nil {
		return nil
	}
	inside := func(k string) bool {
		return k > r.StartKey && (r.EndKey == "" || k < r.EndKey)
	}
	var out []string
	if s.policy == "USEKEY" {
		for _, k := range s.keys {
			k = strings.ToUpper(k)
			if inside(k) {
				out = append(out, k)
			}
		}
		sort.Strings(out)
		return dedup(out)
	}
	if m := middleKey(r.StartKey, r.EndKey); m != "" && inside(m) {
		out = append(out, m)
	}
	return out
}

func dedup(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// middleKey is a key halfway between start and end (hex), treating an empty
// end as the end of the key space.
func middleKey(start, end string) string {
	a, _ := hex.DecodeString(start)
	b, _ := hex.DecodeString(end)
	n := max(len(a), len(b)) + 1
	pad := func(x []byte, fill byte) []byte {
		out := make([]byte, n)
		copy(out, x)
		for i := len(x); i < n; i++ {
			out[i] = fill
		}
		return out
	}
	pa := pad(a, 0)
	pb := pad(b, 0)
	if len(b) == 0 {
		pb = pad(nil, 0xFF)
	}
	sum := new(big.Int).Add(new(big.Int).SetBytes(pa), new(big.Int).SetBytes(pb))
	sum.Rsh(sum, 1)
	m := sum.FillBytes(make([]byte, n))
	for len(m) > 0 && m[len(m)-1] == 0 {
		m = m[:len(m)-1]
	}
	return strings.ToUpper(hex.EncodeToString(m))
}

// applySplit splits r at its split keys, as the split-region operator
// asks TiKV to. Size, keys and traffic are shared evenly between the parts.
func (c *Cluster) applySplit(r *Region, s step) {
	keys := c.splitKeys(r, s)
	if len(keys) == 0 {
		return
	}
	parts := len(keys) + 1
	even := splitShare{
		size:  r.ApproxSize / int64(parts),
		keys:  r.ApproxKeys / int64(parts),
		write: r.writeRate / float64(parts),
		read:  r.readRate / float64(parts),
	}
	left := make([]splitShare, len(keys))
	for i := range left {
		left[i] = even
	}
	// r keeps what integer division left over, so no MiB or key is lost.
	keep := even
	keep.size = r.ApproxSize - even.size*int64(len(keys))
	keep.keys = r.ApproxKeys - even.keys*int64(len(keys))
	c.splitRegion(r, keys, left, keep)
}

// splitShare is what one region coming out of a split carries away: its
// part of the approximate size and keys and of the injected traffic.
type splitShare struct {
	size, keys  int64
	write, read float64
}

// splitRegion cuts r at keys (sorted, strictly inside r) the way TiKV's
// batch split does with right-derive-when-split (its default): the original
// region keeps its id and the rightmost range and takes keep; the region left
// of keys[i] is new, with ids from PD's allocator, peers on the same stores
// and left[i]. Every part gets the bumped version, and the indexes, store
// counters and check lists follow, as PD's heartbeats would show it. It is
// shared by the split-region operator and TiKV's own size-based split.
func (c *Cluster) splitRegion(r *Region, keys []string, left []splitShare, keep splitShare) {
	pos := c.positionOf(r)
	c.account(r, -1)
	start := r.StartKey
	var created []*Region
	for i, k := range keys {
		nr := &Region{
			StartKey:   start,
			EndKey:     k,
			Epoch:      Epoch{ConfVer: r.Epoch.ConfVer, Version: r.Epoch.Version + uint64(len(keys))},
			ApproxSize: left[i].size,
			ApproxKeys: left[i].keys,
			writeRate:  left[i].write,
			readRate:   left[i].read,
		}
		for _, p := range r.Peers {
			np := Peer{ID: PeerID(c.allocID()), StoreID: p.StoreID, Role: p.Role}
			nr.Peers = append(nr.Peers, np)
			if p.ID == r.Leader {
				nr.Leader = np.ID
			}
			if _, down := r.DownSince[p.ID]; down {
				if nr.DownSince == nil {
					nr.DownSince = map[PeerID]time.Time{}
				}
				nr.DownSince[np.ID] = r.DownSince[p.ID]
			}
		}
		nr.ID = RegionID(c.allocID())
		created = append(created, nr)
		start = k
	}
	r.StartKey = start
	r.Epoch.Version += uint64(len(keys))
	r.ApproxSize, r.ApproxKeys = keep.size, keep.keys
	r.writeRate, r.readRate = keep.write, keep.read
	c.account(r, +1)
	c.reflag(r)
	c.publish(r)
	// Insert the new (left) regions before r in key order.
	tail := append([]*Region(nil), c.byKey[pos:]...)
	c.byKey = append(append(c.byKey[:pos], created...), tail...)
	for _, nr := range created {
		if nr.writeRate > 0 || nr.readRate > 0 {
			c.flows[nr.ID] = struct{}{}
		}
		c.regions[nr.ID] = nr
		c.account(nr, +1)
		c.reflag(nr)
		c.publish(nr)
	}
	c.metrics.splits += len(created)
}

// applyMerge merges the source region into the target: the target takes the
// union of the key ranges and the source disappears. The source's operator
// ends CANCEL (its region is gone) and the target's companion SUCCESS, as PD
// records them. The target must still be the region the merge was planned
// against: adjacent, on the same stores, its companion operator still
// running (so its epoch is the expected one). Otherwise TiKV would refuse
// the merge, and the operator is canceled.
func (c *Cluster) applyMerge(op *operator, src *Region, s step) {
	dst := c.regions[s.target]
	comp := op.companion
	if dst == nil || comp == nil || c.ops.running[dst.ID] != comp || comp.expect != dst.Epoch ||
		!sameStores(src, dst) {
		c.finishOperator(op, opCanceled)
		return
	}
	leftOf := src.EndKey != "" && src.EndKey == dst.StartKey
	rightOf := src.StartKey != "" && src.StartKey == dst.EndKey
	if !leftOf && !rightOf {
		c.finishOperator(op, opCanceled)
		return
	}
	c.account(src, -1)
	c.account(dst, -1)
	if leftOf {
		dst.StartKey = src.StartKey
	} else {
		dst.EndKey = src.EndKey
	}
	dst.Epoch.Version = max(dst.Epoch.Version, src.Epoch.Version) + 1
	dst.ApproxSize += src.ApproxSize
	dst.ApproxKeys += src.ApproxKeys
	dst.writeRate += src.writeRate
	dst.readRate += src.readRate
	c.account(dst, +1)
	c.removeRegion(src)
	if dst.writeRate > 0 || dst.readRate > 0 {
		c.flows[dst.ID] = struct{}{}
	}
	c.reflag(dst)
	c.publish(dst)
	comp.expect = dst.Epoch
	comp.currentStep = len(comp.steps)
	c.finishOperator(comp, opSuccess)
	c.finishOperator(op, opCanceled)
}

// sameStores reports whether two regions have peers on the same stores.
func sameStores(a, b *Region) bool {
	if len(a.Peers) != len(b.Peers) {
		return false
	}
	for _, p := range a.Peers {
		if b.peerOnStore(p.StoreID) == nil {
			return false
		}
	}
	return true
}

// removeRegion drops a region that no longer exists (merged away).
func (c *Cluster) removeRegion(r *Region) {
	if pos := c.positionOf(r); pos >= 0 {
		c.byKey = append(c.byKey[:pos], c.byKey[pos+1:]...)
	}
	for _, flag := range allFlags {
		c.flagged[flag].remove(r.ID)
	}
	c.stats.forget(r.ID)
	delete(c.regions, r.ID)
	delete(c.flows, r.ID)
}

func sortRegions(rs []*Region) {
	sort.Slice(rs, func(i, j int) bool { return rs[i].StartKey < rs[j].StartKey })
}

func sortStrings(s []string) { sort.Strings(s) }
