// Package rules is the offline diagnosis provider: a deterministic rule
// per invariant that reads the evidence the TiKV adapter gathered
// (observe.Gather) and answers what a senior TiKV SRE would: what is
// wrong, why, on which evidence, and the one conservative registry action
// that helps, or none. It never needs a network, answers the same context
// the same way, and is the provider of last resort when no model is
// configured or reachable.
//
// Every answer cites the ticket's evidence and the items the rule read;
// a proposal names only actions the request offers and only stores and
// regions the context shows (an unfit proposal is demoted to an
// alternative). Confidence is 0.9 when the evidence decides the case,
// 0.75 when it very likely does, 0.6 when the rule is guessing.
//
// # Rules
//
//	store-down, Disconnected   none: TiKV, host or network; PD waits max-store-down-time.
//	                           Alternative drain_store: too early.
//	store-down, Down           drain_store when the other healthy Up stores number at least
//	                           max-replicas, have room above their low-space line for its data,
//	                           no region checked would lose its majority, too few other stores
//	                           are silent to have cost any region its majority, and isolation
//	                           allows; else none, saying which (lost majority: TiKV unsafe
//	                           recovery, a human's call).
//	store-offline-stuck        none if scheduling is halted, too few Up stores, no room,
//	                           replace-offline off, the rule/replica checker paused, or
//	                           isolation unsatisfiable; set_replica_schedule_limit
//	                           64 if it is 0; set_store_limit remove-peer (doubled, at least
//	                           30/min) when the store's limit is binding (at its rate the
//	                           regions left could not have moved while it stood still); else
//	                           none: something region-specific holds it, out of the registry's
//	                           reach.
//	store-low-space            other stores have room: resume balance-region-scheduler if
//	                           paused, restore region-schedule-limit if 0, else
//	                           set_store_weight halving region_weight (leader_weight kept);
//	                           cluster short: none, add capacity.
//	leader-imbalance           resume balance-leader-scheduler if paused; none if it was
//	                           removed (re-adding is not in the registry); set leader-schedule-
//	                           limit 4 if 0; none when evict/grant-leader, weights or the size
//	                           policy explain it; else none (PD is balancing).
//	region-imbalance           the same with balance-region-scheduler and region-schedule-limit
//	                           2048; weights, a store past low-space-ratio, or a new store
//	                           explain it.
//	hot-write-region           transfer_leader to the least loaded voter store when the
//	                           leader's store is hot beyond this region; else split_region
//	                           approximate if >= 16 MiB; else none (hot keys: application).
//	hot-read-region            transfer_leader to the least read-loaded follower store if the
//	                           move helps; else none.
//	hot-write/read-store       resume balance-hot-region-scheduler if paused; restore
//	                           hot-region-schedule-limit if 0; else transfer_leader of its
//	                           hottest region when it helps; else none.
//	region-miss-peer           none if Up stores < max-replicas (add a node); set
//	                           replica-schedule-limit 64 if 0; none (say so) if a checker is
//	                           stopped; else none (PD's rule checker repairs it).
//	region-down-peer           remove_peer of the first sampled region's down replica (on a
//	                           live store: PD never replaces those itself) if the region keeps
//	                           a healthy majority without it; else none.
//	region-pending-peer        none; names the slow store.
//	region-extra-peer          none; says when the rule checker is stopped (no registry action
//	                           resumes a checker).
//	operator-stuck             cancel_operator on the region, unless it has ended.
//	region-oversized           split_region approximate of the largest sampled region, unless
//	                           a split runs already.
//	store-high-latency         evict_leaders when it is the only slow store and at least 3 are
//	                           Up; else none (cluster-wide cause, or too few stores).
//	pd-unhealthy, pd-no-leader none: PD members; no registry action touches PD.
//	source-unavailable         none: which source, what is blind meanwhile.
//	alertmanager tickets       none: cite the alert.
//
// Moves are judged on PD's as-leader load (writes land on every replica's
// disk; only the leader's share moves with it): a move is proposed only
// if the target stays clearly below the source's present load, so a
// single hot region is never just moved from one store to another.
package rules
