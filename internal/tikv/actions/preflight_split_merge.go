package actions

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/operator-dev/operator/internal/tikv/pd"
)

// Split and merge change a region's key range, so their checks are about
// keys: where a split key falls, whether two regions touch.

func (p *preflight) splitRegion(ctx context.Context) error {
	r, err := p.region(ctx)
	if err != nil {
		return done(err)
	}
	policy, err := p.str("policy")
	if err != nil {
		return done(err)
	}
	p.ok("split policy %q is one PD accepts", policy)
	p.res.Predicted["region_id"] = uint64(r.ID)
	p.res.Predicted["regions_after"] = 2
	// Every replica splits in place: the region's stores take part, no
	// data moves.
	p.blast(len(r.Peers), 1, 0)
	if err := p.splitKey(r, policy); err != nil {
		return done(err)
	}
	if _, err := p.pdUp(ctx); err != nil {
		return done(err)
	}
	if err := p.noRunningOperator(ctx, r.ID); err != nil {
		return done(err)
	}
	if r.ApproximateSize < p.opts.MinSplitSizeMiB {
		p.warn("region %d is only %d MiB (below %d MiB): splitting it makes two tiny regions that PD's merge checker may merge back",
			r.ID, r.ApproximateSize, p.opts.MinSplitSizeMiB)
	}
	p.ok("region %d size checked: %d MiB (warning below %d MiB)", r.ID, r.ApproximateSize, p.opts.MinSplitSizeMiB)
	return nil
}

// splitKey checks the key parameter against the policy: usekey needs a
// hex key strictly inside the region (at its start key the split would
// make an empty region; outside it TiKV ignores the key), the other
// policies pick their own key and take none.
func (p *preflight) splitKey(r *pd.RegionInfo, policy string) error {
	raw, given := p.params["key"]
	key, isStr := raw.(string)
	key = strings.TrimSpace(key)
	if policy != "usekey" {
		if given && raw != nil && (!isStr || key != "") {
			return p.fail("parameter key is only for policy usekey; policy %s picks its own split key", policy)
		}
		p.res.Predicted["size_mib_each"] = r.ApproximateSize / 2
		return nil
	}
	if !isStr || key == "" {
		return p.fail("policy usekey needs parameter key: the split key, hex-encoded")
	}
	k, err := hex.DecodeString(key)
	if err != nil {
		return p.fail("split key %q is not hex (PD takes usekey keys hex-encoded, like region start keys)", short(key))
	}
	start, err := hex.DecodeString(r.StartKey)
	if err != nil {
		return fmt.Errorf("region %d start key %q from PD is not hex: %w", r.ID, short(r.StartKey), err)
	}
	end, err := hex.DecodeString(r.EndKey)
	if err != nil {
		return fmt.Errorf("region %d end key %q from PD is not hex: %w", r.ID, short(r.EndKey), err)
	}
	// An empty end key is the end of the key space: no upper bound.
	if bytes.Compare(k, start) <= 0 || (len(end) > 0 && bytes.Compare(k, end) >= 0) {
		return p.fail("split key %s is not strictly inside region %d, which spans [%s, %s)",
			short(strings.ToUpper(key)), r.ID, keyText(r.StartKey), keyText(r.EndKey))
	}
	p.ok("split key %s is strictly inside region %d [%s, %s)", short(strings.ToUpper(key)), r.ID, keyText(r.StartKey), keyText(r.EndKey))
	p.res.Predicted["split_key"] = strings.ToUpper(key)
	return nil
}

func (p *preflight) mergeRegion(ctx context.Context) error {
	src, err := p.region(ctx)
	if err != nil {
		return done(err)
	}
	tn, err := p.id("target_region_id")
	if err != nil {
		return done(err)
	}
	if pd.RegionID(tn) == src.ID {
		return done(p.fail("region_id and target_region_id are both %d: a region cannot merge into itself", tn))
	}
	dst, err := p.fetchRegion(ctx, pd.RegionID(tn))
	if err != nil {
		return done(err)
	}
	p.res.Predicted["source_region_id"] = uint64(src.ID)
	p.res.Predicted["target_region_id"] = uint64(dst.ID)
	p.res.Predicted["size_mib_after"] = src.ApproximateSize + dst.ApproximateSize
	// PD first moves the source's replicas onto the target's stores, so at
	// most the source's bytes are copied, among the stores of both.
	stores := map[pd.StoreID]bool{}
	for _, q := range append(append([]pd.RegionPeer(nil), src.Peers...), dst.Peers...) {
		stores[q.StoreID] = true
	}
	p.blast(len(stores), 2, mib(src.ApproximateSize))

	if !adjacent(src, dst) {
		return done(p.fail("regions %d [%s, %s) and %d [%s, %s) are not adjacent: PD merges only neighbours (one's end key must be the other's start key)",
			src.ID, keyText(src.StartKey), keyText(src.EndKey), dst.ID, keyText(dst.StartKey), keyText(dst.EndKey)))
	}
	p.ok("regions %d and %d are adjacent", src.ID, dst.ID)
	if _, err := p.pdUp(ctx); err != nil {
		return done(err)
	}
	for _, r := range []*pd.RegionInfo{src, dst} {
		if err := p.noRunningOperator(ctx, r.ID); err != nil {
			return done(err)
		}
		if err := p.regionHealthy(r); err != nil {
			return done(err)
		}
	}
	total := src.ApproximateSize + dst.ApproximateSize
	if total > p.opts.LargeMergeMiB {
		p.warn("target region %d is %d MiB; merged with region %d it would be %d MiB, above %d MiB, where TiKV splits regions again",
			dst.ID, dst.ApproximateSize, src.ID, total, p.opts.LargeMergeMiB)
	}
	p.ok("merged size checked: %d MiB (warning above %d MiB)", total, p.opts.LargeMergeMiB)
	return nil
}

// adjacent reports whether one region ends where the other starts. An
// empty end key is the end of the key space, which no region starts at.
func adjacent(a, b *pd.RegionInfo) bool {
	return (a.EndKey != "" && strings.EqualFold(a.EndKey, b.StartKey)) ||
		(b.EndKey != "" && strings.EqualFold(b.EndKey, a.StartKey))
}

// keyText shows a region boundary: "" is the start or end of the key space.
func keyText(k string) string {
	if k == "" {
		return `""`
	}
	return short(k)
}

// short cuts a very long hex key for a message. TiDB keys share long
// prefixes, so ordinary ones (about 40 bytes, 80 hex digits) stay whole.
func short(s string) string {
	if len(s) > 128 {
		return s[:128] + "…"
	}
	return s
}
