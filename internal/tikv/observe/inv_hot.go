package observe

import (
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/tikv/pd"
)

// Hotspot invariants read PD's hot cache, which lists a region only after
// it stayed hot for hot-region-cache-hits-threshold region heartbeats, so
// a short burst never shows up here.
//
// Region hotspots come from the as_leader view (one entry per region, on
// its leader's store): labels {region}. The leader's store is evidence, not
// part of the key: moving the leader (a remedy) must not turn one hot region
// into a second ticket.
// At most MaxHotRegions per direction, hottest first; the total is in the
// evidence. Store hotspots come from /hotspot/stores: labels {store};
// stores PD calls Disconnected or Down are skipped, their rates are stale.

type hotRegion struct {
	pd.HotPeerStatShow
	store pd.StoreID
}

func (cfg Config) hotRegions(read bool) func(*Data, time.Time) []subject.Violation {
	dir, threshold := "write", cfg.HotWriteRegionBytes
	if read {
		dir, threshold = "read", cfg.HotReadRegionBytes
	}
	return func(d *Data, _ time.Time) []subject.Violation {
		info := d.HotWrite
		if read {
			info = d.HotRead
		}
		if info == nil {
			return nil
		}
		byRegion := map[pd.RegionID]hotRegion{}
		for key, st := range info.AsLeader {
			for _, p := range st.Stats {
				if p.ByteRate < threshold || p.RegionID == 0 {
					continue
				}
				h := hotRegion{HotPeerStatShow: p, store: p.StoreID}
				if h.store == 0 {
					id, _ := strconv.ParseUint(key, 10, 64)
					h.store = pd.StoreID(id)
				}
				if old, ok := byRegion[p.RegionID]; !ok || p.ByteRate > old.ByteRate {
					byRegion[p.RegionID] = h
				}
			}
		}
		hot := make([]hotRegion, 0, len(byRegion))
		for _, h := range byRegion {
			hot = append(hot, h)
		}
		sort.Slice(hot, func(i, j int) bool {
			if hot[i].ByteRate != hot[j].ByteRate {
				return hot[i].ByteRate > hot[j].ByteRate
			}
			return hot[i].RegionID < hot[j].RegionID
		})
		total := len(hot)
		hot = hot[:min(len(hot), cfg.MaxHotRegions)]
		out := make([]subject.Violation, 0, len(hot))
		for _, h := range hot {
			stores := make([]uint64, 0, len(h.Stores))
			for _, id := range h.Stores {
				stores = append(stores, uint64(id))
			}
			out = append(out, subject.Violation{
				Labels:   map[string]string{"region": h.RegionID.String()},
				Severity: subject.Warning,
				Summary: fmt.Sprintf("region %d is %s-hot: %s on its leader in %s, threshold %s",
					h.RegionID, dir, rate(h.ByteRate), d.storeRefByID(h.store), rate(threshold)),
				Evidence: map[string]any{
					"region_id":         uint64(h.RegionID),
					"leader_store_id":   uint64(h.store),
					"replica_store_ids": stores,
					"bytes_per_second":  round3(h.ByteRate),
					"keys_per_second":   round3(h.KeyRate),
					"query_per_second":  round3(h.QueryRate),
					"hot_degree":        h.HotDegree,
					"last_update_time":  timeString(h.LastUpdateTime),
					"threshold_bytes":   threshold,
					"hot_regions_total": total,
				},
			})
		}
		return out
	}
}

func (cfg Config) hotStores(read bool) func(*Data, time.Time) []subject.Violation {
	dir, verb, threshold := "write", "written", cfg.HotWriteStoreBytes
	if read {
		dir, verb, threshold = "read", "read", cfg.HotReadStoreBytes
	}
	return func(d *Data, _ time.Time) []subject.Violation {
		if d.HotStores == nil {
			return nil
		}
		bytes, keys, query := d.HotStores.BytesWriteStats, d.HotStores.KeysWriteStats, d.HotStores.QueryWriteStats
		if read {
			bytes, keys, query = d.HotStores.BytesReadStats, d.HotStores.KeysReadStats, d.HotStores.QueryReadStats
		}
		ids := make([]pd.StoreID, 0, len(bytes))
		for id, r := range bytes {
			if r >= threshold {
				ids = append(ids, id)
			}
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		out := make([]subject.Violation, 0, len(ids))
		for _, id := range ids {
			// A store PD no longer hears from reports stale rates.
			if s, ok := d.store(id); ok && (tombstone(s) || s.Store.StateName == pd.StateNameDown || s.Store.StateName == pd.StateNameDisconnected) {
				continue
			}
			out = append(out, subject.Violation{
				Labels:   storeLabel(id),
				Severity: subject.Warning,
				Summary: fmt.Sprintf("%s is %s-hot: %s %s, threshold %s",
					d.storeRefByID(id), dir, rate(bytes[id]), verb, rate(threshold)),
				Evidence: map[string]any{
					"store_id":         uint64(id),
					"bytes_per_second": round3(bytes[id]),
					"keys_per_second":  round3(keys[id]),
					"query_per_second": round3(query[id]),
					"threshold_bytes":  threshold,
				},
			})
		}
		return out
	}
}
