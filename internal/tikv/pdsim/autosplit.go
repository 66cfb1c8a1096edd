package pdsim

import (
	"encoding/hex"
	"math/big"
	"strings"
)

// TiKV splits regions on its own: its split checker runs every
// split-region-check-tick-interval (10s) on each leader and, once a region's
// approximate size reaches coprocessor.region-max-size (or its keys
// region-max-keys), cuts it into pieces of region-split-size (or
// region-split-keys) from the left. Without this, a region written to in
// pdsim would grow without bound and sit in PD's oversized-region list
// forever, which a real cluster never shows for long.
//
// The split happens right where a heartbeat grows the region (see
// regionHeartbeats) rather than on a 10s tick of its own: pdsim adds a
// heartbeat interval's writes at once, and TiKV's check, six times as
// frequent as region heartbeats, splits a region long before a heartbeat
// could report it oversized. Only growth triggers it; a region made large
// any other way keeps its size until it is written to again.

// autoSplit splits r, which writes just grew, the way TiKV's split checker
// would, repeating the check until no part is over the limit (TiKV's check
// comes back every tick). The injected traffic stays on r: with
// right-derive-when-split r keeps the rightmost range, where sequential
// appends (the classic write hotspot) land, so a hot region stays hot under
// its id while the cold data it had is cut off to the left.
//
// Nothing happens when the leader is down (there is no one to run the
// check) or with Options.NoSplit.
func (c *Cluster) autoSplit(r *Region) {
	if c.opts.NoSplit || c.leaderDead(r) {
		return
	}
	// A round leaves r under the limit it split for and shrinks the other
	// measure in proportion, so at most a size and a keys round happen.
	for c.autoSplitOnce(r) {
	}
}

// autoSplitOnce makes one split check on r and reports whether it split.
// Size is checked first, as TiKV's size checker runs before its keys
// checker; the other measure is shared in proportion, data being assumed
// spread evenly over the range.
func (c *Cluster) autoSplitOnce(r *Region) bool {
	total, other := r.ApproxSize, r.ApproxKeys
	n := splitCount(total, regionMaxSizeMiB, regionSplitMiB)
	piece := int64(regionSplitMiB)
	bySize := n > 0
	if !bySize {
		total, other = r.ApproxKeys, r.ApproxSize
		n = splitCount(total, regionMaxKeys, regionSplitKeys)
		piece = regionSplitKeys
	}
	if n == 0 {
		return false
	}
	keys := spacedKeys(r.StartKey, r.EndKey, int(n), piece, total)
	if keys == nil {
		return false
	}
	share := splitShare{size: piece, keys: other * piece / total}
	if !bySize {
		share.size, share.keys = share.keys, piece
	}
	left := make([]splitShare, n)
	for i := range left {
		left[i] = share
	}
	keep := splitShare{
		size:  r.ApproxSize - share.size*n,
		keys:  r.ApproxKeys - share.keys*n,
		write: r.writeRate,
		read:  r.readRate,
	}
	c.splitRegion(r, keys, left, keep)
	return true
}

// splitCount is how many pieces of split TiKV's split checker cuts off the
// front of a region holding total, given region-max (limit): none below
// the limit. Like TiKV it does not leave a last piece so small that it and
// one more piece would still fit under the limit, so the rightmost part
// ends up in [limit-split, limit): never oversized, rarely tiny.
func splitCount(total, limit, split int64) int64 {
	if total < limit || split <= 0 || split >= limit {
		return 0
	}
	n := total / split
	if total-n*split+split < limit {
		n--
	}
	return n
}

// maxExtraKeyBytes bounds the precision spacedKeys adds to a narrow range.
const maxExtraKeyBytes = 8

// spacedKeys returns n keys that cut [start, end) (upper-case hex; an empty
// end is the end of the key space, as in middleKey) at i*step/total of the
// way, i = 1..n: where the split checker's scan passes each step of data
// when the data is spread evenly. Keys get as few bytes beyond the bounds'
// as keep them distinct and strictly inside the range (the repeated splits
// of a hot region's shrinking tail would otherwise grow its keys a byte at a
// time). It returns nil when the keys cannot be placed.
func spacedKeys(start, end string, n int, step, total int64) []string {
	a, errA := hex.DecodeString(start)
	b, errB := hex.DecodeString(end)
	if errA != nil || errB != nil || n <= 0 || step <= 0 || total <= 0 {
		return nil
	}
	for extra := range maxExtraKeyBytes + 1 {
		width := max(len(a), len(b)) + extra
		if width == 0 {
			continue
		}
		lo := new(big.Int).SetBytes(padRight(a, width, 0))
		hi := new(big.Int).SetBytes(padRight(b, width, 0))
		if len(b) == 0 {
			hi.SetBytes(padRight(nil, width, 0xFF))
		}
		if keys := keysAcross(lo, hi, width, n, step, total); keys != nil {
			return keys
		}
	}
	return nil
}

// keysAcross places spacedKeys' keys between lo and hi (both width bytes),
// or returns nil if two of them collide or one falls on a bound.
func keysAcross(lo, hi *big.Int, width, n int, step, total int64) []string {
	span := new(big.Int).Sub(hi, lo)
	prev := lo
	keys := make([]string, 0, n)
	for i := 1; i <= n; i++ {
		k := new(big.Int).Mul(span, big.NewInt(int64(i)*step))
		k.Quo(k, big.NewInt(total))
		k.Add(k, lo)
		if k.Cmp(prev) <= 0 || k.Cmp(hi) >= 0 {
			return nil
		}
		prev = k
		// Trailing zero bytes can go: padded with zeros the key is the same
		// number, so it still sorts strictly between its neighbours.
		raw := k.FillBytes(make([]byte, width))
		for len(raw) > 0 && raw[len(raw)-1] == 0 {
			raw = raw[:len(raw)-1]
		}
		keys = append(keys, strings.ToUpper(hex.EncodeToString(raw)))
	}
	return keys
}

// padRight returns x extended to width bytes with fill.
func padRight(x []byte, width int, fill byte) []byte {
	out := make([]byte, width)
	copy(out, x)
	for i := len(x); i < width; i++ {
		out[i] = fill
	}
	return out
}
