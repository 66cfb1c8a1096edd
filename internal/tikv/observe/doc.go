// Package observe is the observe side of the TiKV adapter: a
// subject.Subject that takes snapshots of a TiKV cluster through PD's HTTP
// API (and Prometheus, when configured) and the invariants checked on them.
//
// # Cost of a cycle
//
// One Observe sends a fixed set of requests, all at once, each under its
// own timeout (Config.PDTimeout, Config.PrometheusTimeout):
//
//	pd:stores                GET /stores                        grows with stores
//	pd:cluster-status        GET /cluster/status
//	pd:health                GET /health                        grows with PD members
//	pd:leader                GET /leader
//	pd:config-schedule       GET /config/schedule               grows with stores (store-limit)
//	pd:regions-check/<kind>  GET /regions/check/<kind>?page=1&limit=N, for miss-peer,
//	                         down-peer, pending-peer, extra-peer, offline-peer,
//	                         oversized-region                   capped by RegionCheckLimit
//	pd:hotspot-write|read    GET /hotspot/regions/write|read    grows with stores and hot regions
//	pd:hotspot-stores        GET /hotspot/stores                grows with stores
//	pd:operators             GET /operators?object              grows with running operators
//	prometheus               one instant query                  grows with TiKV instances
//
// None lists every region: a cycle costs the same at 10k regions as at 1M
// (BenchmarkObserve). PD's region checks give a total count and the first
// page; that count, and the first ids, are what the region invariants
// report.
//
// # Failing sources
//
// Each source's outcome is in Snapshot.Sources under the names above
// (SourceGroup maps them to "pd" or "prometheus"). A failed source leaves
// its part of Data empty and never fails Observe; every invariant lists in
// Needs the sources it reads, so the monitor can skip exactly the ones
// that would otherwise judge missing data. Observe returns an error only
// when its context ended.
//
// # Memory across snapshots
//
// Two verdicts need history PD does not keep: an Offline store whose drain
// stopped (store-offline-stuck), and an operator running far too long
// (operator-stuck; PD's ?object form has no start time). The Subject keeps
// a small bounded memory for them, described on memory; its results are
// copied into Data (Offline, Operators[].FirstSeen), so every invariant's
// Check stays a pure function of the snapshot.
//
// # Invariants
//
// In their stable order, with the labels of their dedup keys:
//
//	store-down           {store}          warning: heartbeat age >= DisconnectAfter or state_name
//	                                      Disconnected; critical: state_name Down (one ticket escalates)
//	store-offline-stuck  {store}          Offline, region count not lower for OfflineStuckAfter
//	store-low-space      {store}          used share > low-space-ratio (critical) or > ratio - margin (warning)
//	region-miss-peer     {}               PD's miss-peer list, less regions under a PD operator
//	region-down-peer     {}               down-peer list, less what silent stores explain
//	region-pending-peer  {}               pending-peer list, less regions under a PD operator
//	region-extra-peer    {}               extra-peer list, less regions under a PD operator
//	leader-imbalance     {}               busiest healthy store's leaders vs the mean
//	region-imbalance     {}               same for region counts
//	hot-write-region     {region, store}  PD's hot write regions at or above HotWriteRegionBytes
//	hot-read-region      {region, store}  same for reads
//	hot-write-store      {store}          store write byte rate at or above HotWriteStoreBytes
//	hot-read-store       {store}          same for reads
//	operator-stuck       {region, desc}   operator running >= fraction of its timeout, or >= OperatorStuckAfter
//	region-oversized     {}               oversized-region list
//	store-high-latency   {store}          gRPC latency quantile above LatencyThreshold (only with Prometheus)
//	pd-unhealthy         {}               a PD member unhealthy, or the cluster not bootstrapped
//	pd-no-leader         {}               GET /leader fails or names no member while PD answers
package observe
