package pdsim

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// fxSetup puts pdsim into the situation a capture describes.
type fxSetup struct {
	// opts adjusts the Options (default: 5 stores, 300 regions, NoSplit, as
	// the captured pd-simulator cluster).
	opts func(o *Options)
	// prep drives pdsim (through its API, its faults and its clock) into the
	// captured state.
	prep func(s *testSim)
	// path rewrites the request path when it names an id pdsim allocates
	// differently (a newly added store).
	path func(s *testSim, p string) string
	// rules relaxes the shape comparison for this capture; every use says why.
	rules func(r *shapeRules)
	// looseOps compares operator lists by the set of descs only: lists of
	// PD's own checker operators during a drain or a repair, whose number
	// and progress at any instant depend on timing.
	looseOps bool
}

// contractAllowlist: captures that cannot be reproduced faithfully, with
// the reason. Keep it short.
var contractAllowlist = map[string]string{}

// setupFor finds a capture's setup.
func setupFor(name string) (fxSetup, bool) {
	st, ok := contractSetups[name]
	return st, ok
}

// contractSetups maps every capture to its setup.
var contractSetups = func() map[string]fxSetup {
	m := map[string]fxSetup{}
	add := func(st fxSetup, names ...string) {
		for _, n := range names {
			if _, dup := m[n]; dup {
				panic("duplicate setup for " + n)
			}
			m[n] = st
		}
	}

	// Cluster A in its steady state (hot-write case, 5 stores, 300
	// regions), and requests whose answer does not depend on the state.
	add(fxSetup{},
		"DELETE_operators", "DELETE_operators_999999__missing", "DELETE_operators_abc__invalid",
		"DELETE_schedulers_NAME__missing", "DELETE_schedulers_NAME__unknown",
		"DELETE_store_999__missing", "DELETE_store_abc__invalid",
		"GET_admin_cluster_markers_pitr-restore-mode", "GET_admin_cluster_markers_snapshot-recovering",
		"GET_checker_bogus__unknown", "GET_checker_merge", "GET_checker_replica", "GET_checker_rule",
		"GET_cluster", "GET_cluster_status",
		"GET_config", "GET_config_cluster-version", "GET_config_default", "GET_config_label-property",
		"GET_config_pd-server", "GET_config_placement-rule", "GET_config_region-label_rules",
		"GET_config_replicate", "GET_config_replication-mode", "GET_config_rule_groups",
		"GET_config_rule_pd_default", "GET_config_rule_pd_missing", "GET_config_rules",
		"GET_config_rules_region_N", "GET_config_rules_region_N_detail", "GET_config_rules_region_missing",
		"GET_config_schedule", "GET_etcd_health__not_pd", "GET_gc_safepoint", "GET_health",
		"GET_hotspot_buckets", "GET_hotspot_regions_history__no_params", "GET_hotspot_regions_read",
		"GET_hotspot_regions_write", "GET_hotspot_regions_write__bad_store", "GET_hotspot_regions_write__store_filter",
		"GET_hotspot_stores", "GET_labels", "GET_leader", "GET_members", "GET_min-resolved-ts",
		"GET_operators", "GET_operators_999999__missing", "GET_operators__after_delete_all",
		"GET_operators__fresh_cluster", "GET_operators__kind_admin", "GET_operators__kind_leader",
		"GET_operators__kind_region", "GET_operators__kind_waiting", "GET_operators__object",
		"GET_operators_abc__invalid", "GET_operators_records__bad_from",
		"GET_pd_api_v1_metrics__not_found", "GET_pd_health", "GET_pd_ping", "GET_ping",
		"GET_region_id_999999__missing", "GET_region_id_N", "GET_region_id_abc__invalid",
		"GET_region_key_hex", "GET_region_key_rawkey", "GET_regions",
		"GET_regions_check_bogus__unknown", "GET_regions_check_down-peer", "GET_regions_check_empty-region",
		"GET_regions_check_extra-peer", "GET_regions_check_hist-keys", "GET_regions_check_hist-size",
		"GET_regions_check_learner-peer", "GET_regions_check_miss-peer", "GET_regions_check_miss-peer__paged",
		"GET_regions_check_offline-peer", "GET_regions_check_undersized-region",
		"GET_regions_confver__limit3", "GET_regions_count", "GET_regions_cpu__limit3", "GET_regions_key__limit3",
		"GET_regions_keys__limit3", "GET_regions_readflow__limit3", "GET_regions_readquery__limit3",
		"GET_regions_sibling_999999__missing", "GET_regions_sibling_N", "GET_regions_size__limit3",
		"GET_regions_store_1", "GET_regions_store_1__unknown_type", "GET_regions_store_999__missing",
		"GET_regions_store_abc__invalid", "GET_regions_version__limit3", "GET_regions_writeflow__limit3",
		"GET_regions_writequery__limit3", "GET_replication_mode_status",
		"GET_schedulers", "GET_schedulers__after_changes", "GET_schedulers__status_disabled",
		"GET_schedulers__status_paused", "GET_schedulers__status_paused_timestamp",
		"GET_service-middleware_config", "GET_stats_region", "GET_status",
		"GET_store_0__zero", "GET_store_1", "GET_store_999__missing", "GET_store_abc__invalid_id",
		"GET_stores", "GET_stores__state_99", "GET_stores__state_Offline", "GET_stores__state_Tombstone",
		"GET_stores__state_Up", "GET_stores__state_invalid", "GET_stores__state_name_not_number",
		"GET_stores_check__no_param", "GET_stores_check__state_Up", "GET_stores_check__state_bad",
		"GET_stores_limit", "GET_stores_progress", "GET_version",
		"GET_v2_maintenance_TYPE__none", "GET_v2_maintenance__none", "DELETE_v2_maintenance_TYPE_ID__none",
		"PUT_v2_maintenance_TYPE_ID__start", "PUT_v2_maintenance_TYPE_ID__start_no_body",
		"POST_checker_bogus__unknown", "POST_checker_rule__bad_body", "POST_checker_rule__no_delay",
		"POST_checker_rule__pause", "POST_checker_rule__resume",
		"POST_config__bool_native", "POST_config__dotted_key", "POST_config__malformed", "POST_config__short_key",
		"POST_config__unknown_dotted_key", "POST_config__unknown_key", "POST_config__unknown_prefix",
		"POST_config__wrong_type", "POST_config_replicate__bad_location_labels", "POST_config_replicate__unknown_key",
		"POST_config_replicate__valid", "POST_config_replicate__wrong_type",
		"POST_config_schedule__bad_duration", "POST_config_schedule__bad_leader_policy",
		"POST_config_schedule__bool_as_bool", "POST_config_schedule__bool_as_string",
		"POST_config_schedule__empty_object", "POST_config_schedule__halt_scheduling_off",
		"POST_config_schedule__halt_scheduling_on", "POST_config_schedule__high_gt_low_ratio",
		"POST_config_schedule__malformed", "POST_config_schedule__max_store_down_time_1m",
		"POST_config_schedule__out_of_range", "POST_config_schedule__out_of_range_ratio",
		"POST_config_schedule__restore", "POST_config_schedule__unknown_key", "POST_config_schedule__valid",
		"POST_config_schedule__wrong_type", "POST_config_schedule__wrong_type_number_for_duration",
		"POST_config_schedule__zero_limit",
		"POST_operators__add-peer__missing_region", "POST_operators__add-peer__missing_store",
		"POST_operators__add-peer__store_already_has_peer", "POST_operators__empty_body",
		"POST_operators__malformed_json", "POST_operators__merge-region__not_adjacent",
		"POST_operators__missing_name", "POST_operators__missing_region_id", "POST_operators__region_id_as_string",
		"POST_operators__scatter-region", "POST_operators__scatter-regions", "POST_operators__scatter-regions__bad_ids",
		"POST_operators__split-region-approximate", "POST_operators__split-region-scan",
		"POST_operators__split-region-usekey", "POST_operators__split-region__bad_policy",
		"POST_operators__split-region__keys_not_strings", "POST_operators__split-region__missing_policy",
		"POST_operators__split-region__usekey_bad_hex", "POST_operators__transfer-leader",
		"POST_operators__transfer-leader__missing_region", "POST_operators__transfer-leader__missing_to_store",
		"POST_operators__transfer-leader__to_current_leader", "POST_operators__transfer-region",
		"POST_operators__transfer-region__without_peer_roles", "POST_operators__unknown_name",
		"POST_region_id_N__method_not_allowed",
		"POST_schedulers_NAME__pause", "POST_schedulers_NAME__pause_delay_string",
		"POST_schedulers_NAME__pause_missing_delay", "POST_schedulers_NAME__pause_unknown",
		"POST_schedulers_NAME__resume", "POST_schedulers__balance-leader_exists", "POST_schedulers__evict-leader",
		"POST_schedulers__evict-leader_missing_store_id", "POST_schedulers__evict-leader_store_id_string",
		"POST_schedulers__grant-leader_unknown_store", "POST_schedulers__malformed", "POST_schedulers__missing_name",
		"POST_schedulers__shuffle-leader", "POST_schedulers__unknown_name",
		"POST_store_1_label", "POST_store_1_label__bad_key", "POST_store_1_label__engine_reserved",
		"POST_store_1_label__non_string_value", "POST_store_1_limit", "POST_store_1_limit__bad_rate",
		"POST_store_1_limit__bad_type", "POST_store_1_limit__no_type", "POST_store_1_state__Tombstone",
		"POST_store_1_state__Up_already_up", "POST_store_1_state__invalid", "POST_store_1_state__missing_param",
		"POST_store_1_weight", "POST_store_1_weight__missing_region", "POST_store_5_state__Offline",
		"POST_store_999_label__missing_store", "POST_store_999_limit__missing", "POST_store_999_state__missing_store",
		"POST_store_abc_state__invalid_id", "POST_stores_limit", "PUT_stores__method_not_allowed",
	)

	// A PD that no TiKV has bootstrapped yet.
	add(fxSetup{opts: func(o *Options) { o.NotBootstrapped = true }},
		"GET_cluster__not_bootstrapped", "GET_cluster_status__not_bootstrapped", "GET_operators__not_bootstrapped",
		"GET_region_id_2__not_bootstrapped", "GET_regions__not_bootstrapped", "GET_regions_count__not_bootstrapped",
		"GET_schedulers__not_bootstrapped", "GET_store_1__not_bootstrapped", "GET_stores__not_bootstrapped")

	// Seconds after bootstrap, before the first store heartbeat.
	add(fxSetup{opts: func(o *Options) { o.PendingFirstHeartbeat = true }},
		"GET_store_1__before_first_heartbeat", "GET_stores__before_first_heartbeat")

	// Rule checker paused.
	add(fxSetup{prep: pauseRule},
		"GET_checker_rule__paused", "DELETE_operators_REGION__none_running")

	// Placement: the captured cluster had moved some regions' peers by the
	// time of these requests; the fixture descriptions say where they were.
	add(fxSetup{prep: func(s *testSim) { s.arrange(1029, 1, 2, 4) }},
		"POST_operators__add-learner__store_already_has_peer", "POST_operators__add-peer",
		"POST_operators__remove-peer", "POST_operators__remove-peer__store_has_no_peer",
		"POST_operators__transfer-leader__target_has_no_peer")
	add(fxSetup{prep: func(s *testSim) { pauseRule(s); s.arrange(1061, 3, 4, 5) }},
		"POST_operators__add-learner")
	add(fxSetup{prep: func(s *testSim) { pauseRule(s); s.arrange(1029, 1, 4, 5) }},
		"POST_operators__add-peer__rule_checker_paused")
	add(fxSetup{prep: func(s *testSim) { pauseRule(s); s.arrange(1069, 1, 3, 4); s.arrange(1073, 2, 3, 5) }},
		"POST_operators__merge-region")
	add(fxSetup{prep: func(s *testSim) { s.arrange(1065, 5, 2, 4) }},
		"POST_operators__transfer-peer")
	add(fxSetup{prep: func(s *testSim) { s.post(`{"name":"split-region","region_id":1009,"policy":"approximate"}`) }},
		"POST_operators__second_admin_split_same_region", "POST_operators__second_operator_same_region")
	add(fxSetup{prep: func(s *testSim) { s.arrange(1073, 3, 2, 4); s.drain(5, 0.9); halt(s) }},
		"POST_operators__while_halted")

	// Operators: running, finished, and the lists while they run.
	running := func(prep func(s *testSim)) fxSetup { return fxSetup{prep: prep} }
	transferLeader := func(s *testSim) { s.post(`{"name":"transfer-leader","region_id":281,"to_store_id":5}`) }
	add(running(transferLeader),
		"GET_operators_REGION__transfer-leader_running", "GET_operators__transfer-leader_running",
		"GET_operators__object__transfer-leader_running")
	add(running(func(s *testSim) { transferLeader(s); s.finish(281) }),
		"GET_operators_REGION__transfer-leader_finished")

	transferRegion := func(s *testSim) {
		s.post(`{"name":"transfer-region","region_id":1029,"to_store_ids":[1,2,4],"peer_roles":["leader","voter","voter"]}`)
	}
	add(running(transferRegion),
		"GET_operators_REGION__transfer-region_running", "GET_operators__transfer-region_running",
		"GET_operators__object__transfer-region_running")
	add(running(func(s *testSim) { transferRegion(s); s.finish(1029) }),
		"GET_operators_REGION__transfer-region_finished")

	addPeer := func(s *testSim) {
		s.arrange(1029, 1, 2, 4)
		s.post(`{"name":"add-peer","region_id":1029,"store_id":5}`)
	}
	add(running(addPeer),
		"GET_operators_REGION__add-peer_running", "GET_operators__add-peer_running",
		"GET_operators__object__add-peer_running")
	add(running(func(s *testSim) {
		addPeer(s)
		// The rule checker removes the fourth voter again.
		s.until("remove-orphan-peer finished on region 1029", time.Minute, func(c *Cluster) bool {
			op := c.ops.records[1029]
			return op != nil && op.desc == "remove-orphan-peer" && op.status == opSuccess
		})
	}), "GET_operators_REGION__add-peer_then_orphan_removed")

	addPeerPaused := func(s *testSim) {
		pauseRule(s)
		s.arrange(1029, 1, 4, 5)
		s.post(`{"name":"add-peer","region_id":1029,"store_id":2}`)
	}
	add(running(addPeerPaused),
		"GET_operators_REGION__add-peer__rule_checker_paused_running",
		"GET_operators__add-peer__rule_checker_paused_running",
		"GET_operators__object__add-peer__rule_checker_paused_running")
	add(running(func(s *testSim) { addPeerPaused(s); s.finish(1029) }),
		"GET_operators_REGION__add-peer__rule_checker_paused_finished",
		"GET_regions_check_extra-peer__after_add-peer")

	removePeer := func(s *testSim) {
		s.arrange(1029, 1, 4, 5)
		s.post(`{"name":"remove-peer","region_id":1029,"store_id":4}`)
	}
	add(running(removePeer),
		"GET_operators_REGION__remove-peer_running", "GET_operators__object__remove-peer_running")
	afterRemovePeer := func(desc string, step int, pending bool) func(s *testSim) {
		return func(s *testSim) {
			removePeer(s)
			s.untilStep("the rule checker's "+desc+" on region 1029", 10*time.Millisecond, func(c *Cluster) bool {
				op := c.ops.running[1029]
				if op == nil {
					op = c.ops.records[1029]
				}
				r := c.regions[1029]
				return op != nil && op.desc == desc && op.currentStep == step && (!pending || len(r.Pending) > 0)
			})
		}
	}
	add(running(afterRemovePeer("add-rule-peer", 0, false)), "GET_operators__remove-peer_running")
	add(running(afterRemovePeer("add-rule-peer", 0, true)), "GET_region_id_N__after_remove-peer")
	add(running(func(s *testSim) {
		removePeer(s)
		s.until("add-rule-peer finished on region 1029", time.Minute, func(c *Cluster) bool {
			op := c.ops.records[1029]
			return op != nil && op.desc == "add-rule-peer" && op.status == opSuccess
		})
	}), "GET_operators_REGION__remove-peer_then_add-rule-peer")
	add(running(func(s *testSim) {
		removePeer(s)
		s.untilStep("region 1029 down to two replicas", 10*time.Millisecond, func(c *Cluster) bool {
			return len(c.regions[1029].Peers) == 2
		})
	}), "GET_regions_check_miss-peer__after_remove-peer")

	// Split operators never complete (pd-simulator has no split): running,
	// then TIMEOUT after 1m; the scan one was canceled by hand.
	splitApprox := func(s *testSim) {
		pauseRule(s)
		s.post(`{"name":"split-region","region_id":1009,"policy":"approximate"}`)
	}
	splitScan := func(s *testSim) {
		pauseRule(s)
		s.post(`{"name":"split-region","region_id":1045,"policy":"scan"}`)
	}
	splitUsekey := func(s *testSim) {
		pauseRule(s)
		s.post(`{"name":"split-region","region_id":1049,"policy":"usekey","keys":["7480000000000000FF015F728000000000FF000103FF00000000FB00"]}`)
	}
	add(running(splitApprox),
		"GET_operators_REGION__split-region-approximate_running", "GET_operators__split-region-approximate_running",
		"GET_operators__object__split-region-approximate_running")
	add(running(func(s *testSim) { splitApprox(s); s.finish(1009) }),
		"GET_operators_REGION__split-region-approximate_finished")
	add(running(func(s *testSim) { splitScan(s); splitUsekey(s) }),
		"GET_operators__split-region-scan_running", "GET_operators__object__split-region-scan_running",
		"GET_operators__split-region-usekey_running", "GET_operators__object__split-region-usekey_running")
	add(running(splitScan), "GET_operators_REGION__split-region-scan_running", "DELETE_operators_REGION__running")
	add(running(func(s *testSim) { splitScan(s); s.mustDo("DELETE", "/pd/api/v1/operators/1045", "") }),
		"GET_operators_REGION__split-region-scan_canceled", "GET_operators_REGION__after_cancel")
	add(running(splitUsekey), "GET_operators_REGION__split-region-usekey_running")
	add(running(func(s *testSim) { splitUsekey(s); s.finish(1049) }),
		"GET_operators_REGION__split-region-usekey_finished")

	addLearner := func(s *testSim) {
		pauseRule(s)
		s.arrange(1061, 3, 4, 5)
		s.post(`{"name":"add-learner","region_id":1061,"store_id":1}`)
	}
	add(running(addLearner), "GET_operators_REGION__add-learner_running")
	add(running(func(s *testSim) { addLearner(s); splitScan(s); splitUsekey(s) }),
		"GET_operators__add-learner_running", "GET_operators__object__add-learner_running")
	add(running(func(s *testSim) { addLearner(s); s.finish(1061) }),
		"GET_operators_REGION__add-learner_finished", "GET_region_id_N__with_learner")
	add(running(func(s *testSim) {
		addLearner(s)
		s.post(`{"name":"add-learner","region_id":197,"store_id":2}`)
		s.finish(1061)
		s.finish(197)
	}), "GET_regions_check_learner-peer__after_add-learner")

	transferPeer := func(s *testSim) {
		pauseRule(s)
		s.arrange(1065, 5, 2, 4)
		s.post(`{"name":"transfer-peer","region_id":1065,"from_store_id":4,"to_store_id":1}`)
	}
	add(running(transferPeer), "GET_operators_REGION__transfer-peer_running")
	add(running(func(s *testSim) { splitUsekey(s); transferPeer(s) }),
		"GET_operators__transfer-peer_running", "GET_operators__object__transfer-peer_running")
	add(running(func(s *testSim) { transferPeer(s); s.finish(1065) }),
		"GET_operators_REGION__transfer-peer_finished")

	merge := func(s *testSim) {
		pauseRule(s)
		s.arrange(1069, 1, 3, 4)
		s.arrange(1073, 2, 3, 5)
		s.post(`{"name":"merge-region","source_region_id":1069,"target_region_id":1073}`)
	}
	add(running(merge), "GET_operators_REGION__merge-region_running")
	add(running(func(s *testSim) { splitUsekey(s); merge(s) }),
		"GET_operators__merge-region_running", "GET_operators__object__merge-region_running")
	add(running(func(s *testSim) { merge(s); s.finish(1069) }),
		"GET_operators_REGION__merge-region_finished", "GET_operators_REGION__merge_target",
		"GET_region_id_N__merged_away")
	add(running(func(s *testSim) { merge(s); s.finish(1069); s.advance(12 * time.Minute) }),
		"GET_operators_REGION__record_expired")

	// PD's own operators that pdsim's even cluster gives no reason for: the
	// labeler split at pd-simulator's keyspace boundary, and a
	// balance-region move; injected the way those schedulers create them.
	add(running(func(s *testSim) { s.injectLabelerSplit() }), "GET_operators_1205__running_split")
	balance := func(s *testSim) { s.arrange(1009, 1, 2, 3); s.injectMove("balance-region-scheduler", 1009, 2, 5) }
	add(running(balance),
		"GET_operators_REGION__scheduler_balance-region_running", "GET_operators__scheduler_balance-region_running",
		"GET_operators__object__scheduler_balance-region_running")
	add(running(func(s *testSim) { balance(s); s.finish(1009) }),
		"GET_operators_REGION__scheduler_balance-region_finished")

	// Schedulers.
	evict12 := func(s *testSim) {
		s.post2("/pd/api/v1/schedulers", `{"name":"evict-leader-scheduler","store_id":1}`)
		s.post2("/pd/api/v1/schedulers", `{"name":"evict-leader-scheduler","store_id":2}`)
	}
	add(fxSetup{prep: evict12},
		"DELETE_schedulers_NAME", "DELETE_schedulers_NAME__per_store", "DELETE_schedulers_NAME__per_store_missing",
		"GET_scheduler-config_evict-leader-scheduler_list")
	add(fxSetup{prep: func(s *testSim) { s.post2("/pd/api/v1/schedulers", `{"name":"evict-leader-scheduler","store_id":1}`) }},
		"POST_schedulers__evict-leader_second_store", "GET_schedulers__with_evict-leader")
	shuffle := func(s *testSim) { s.post2("/pd/api/v1/schedulers", `{"name":"shuffle-leader-scheduler"}`) }
	add(fxSetup{prep: shuffle}, "DELETE_schedulers_NAME__shuffle")
	add(fxSetup{prep: func(s *testSim) { evict12(s); shuffle(s) }}, "GET_schedulers__status_bogus")
	pauseLeader := func(s *testSim) {
		s.post2("/pd/api/v1/schedulers/balance-leader-scheduler", `{"delay":120}`)
	}
	add(fxSetup{prep: pauseLeader},
		"GET_schedulers__status_paused__one", "GET_schedulers__status_paused_timestamp__one")
	add(fxSetup{prep: func(s *testSim) {
		pauseLeader(s)
		s.post2("/pd/api/v1/schedulers/balance-leader-scheduler", `{"delay":0}`)
	}}, "GET_schedulers__status_paused__after_resume")
	add(fxSetup{prep: halt}, "GET_config_schedule__halted", "POST_schedulers__while_halted")

	// Maintenance (v2).
	maint := func(s *testSim) {
		s.mustDo("PUT", "/pd/api/v2/maintenance/tikv-restart/store-1", "rolling restart of store 1")
	}
	add(fxSetup{prep: maint},
		"DELETE_v2_maintenance_TYPE_ID", "DELETE_v2_maintenance_TYPE_ID__wrong_id", "GET_v2_maintenance",
		"GET_v2_maintenance_TYPE", "PUT_v2_maintenance_TYPE_ID__conflict",
		"PUT_v2_maintenance_TYPE_ID__other_type_conflict")
	add(fxSetup{prep: func(s *testSim) { s.mustDo("PUT", "/pd/api/v2/maintenance/tikv-upgrade/job-7", "") }},
		"GET_v2_maintenance_TYPE__empty_description")
	add(fxSetup{prep: func(s *testSim) {
		maint(s)
		s.mustDo("DELETE", "/pd/api/v2/maintenance/tikv-restart/store-1", "")
	}}, "GET_v2_maintenance__after_delete")

	// Labels.
	add(fxSetup{prep: func(s *testSim) { labels(s); s.drain(5, 0.9) }, rules: snapshotsInFlight},
		"GET_labels__with_labels", "GET_labels_stores__zone_z1", "GET_labels_stores__no_params",
		"GET_store_1__with_labels", "DELETE_store_4_label", "DELETE_store_4_label__absent_key")

	// Store 5 just set Offline: nothing moved yet.
	add(fxSetup{prep: func(s *testSim) { s.offline(5) }},
		"DELETE_store_5__already_offline", "GET_store_5__offline", "GET_stores__state_Offline__one_offline",
		"GET_stores_check__state_offline", "GET_stores_progress__action_removing", "GET_stores_progress__id_5_removing",
		"POST_store_5_state__Offline_again")
	// PD's statistics show offline peers only once a checker patrol or a
	// changed region reaches them: let one patrol run.
	add(fxSetup{prep: func(s *testSim) { s.offline(5); s.clock.Advance(time.Second) }},
		"GET_regions_check_offline-peer__store_5_offline")
	// Store 5 draining: about half its regions moved away.
	draining := fxSetup{prep: func(s *testSim) { s.drain(5, 0.5) }, rules: snapshotsInFlight, looseOps: true}
	add(draining,
		"GET_store_5__offline_draining", "GET_stores__store5_offline", "GET_regions_check_offline-peer__draining",
		"GET_operators__draining", "GET_operators__object__draining", "GET_stores_progress__action_bogus",
		"GET_stores_progress__action_preparing", "GET_stores_progress__action_removing__in_progress",
		"GET_stores_progress__id_1_not_removing", "GET_stores_progress__id_5_removing__in_progress",
		"GET_operators_records", "GET_operators_records__from_future", "DELETE_store_4", "POST_store_4_state__Offline",
		"GET_stores_limit__after")
	add(fxSetup{prep: func(s *testSim) { s.drain(5, 0.5); halt(s) }, looseOps: true}, "GET_operators__while_halted")
	add(fxSetup{prep: func(s *testSim) { s.drain(5, 0.9); s.offline(4) }, rules: snapshotsInFlight},
		"DELETE_store_3__not_enough_stores", "POST_store_3_state__Offline__not_enough_stores",
		"POST_store_4_state__Up", "GET_store_4__offline_after_delete")
	add(fxSetup{prep: func(s *testSim) { s.drain(5, 0.9); s.mustDo("DELETE", "/pd/api/v1/store/4", "") }},
		"POST_store_4_state__Up__after_delete")

	// Store 5 drained to Tombstone, and removed.
	add(fxSetup{prep: func(s *testSim) { labels(s); s.tombstone(5) }, rules: snapshotsInFlight},
		"DELETE_store_5__tombstone", "DELETE_stores_remove-tombstone", "GET_store_5__tombstone",
		"GET_stores__state_Tombstone__one", "GET_stores__state_all", "GET_stores__with_tombstone_default",
		"GET_stores_check__state_tombstone", "GET_stores_limit__with_tombstone", "GET_stores_progress__id_5_done",
		"POST_store_5_state__Offline__tombstone", "POST_store_5_state__Up__tombstone")
	removed := func(s *testSim) {
		labels(s)
		s.tombstone(5)
		s.mustDo("DELETE", "/pd/api/v1/stores/remove-tombstone", "")
	}
	add(fxSetup{prep: removed, rules: snapshotsInFlight},
		"DELETE_stores_remove-tombstone__none", "GET_store_5__after_remove_tombstone", "GET_stores__after_remove_tombstone",
		"GET_stores__after_changes", "GET_regions__after_changes", "GET_stats_region__after_changes",
		"GET_stats_region__range", "GET_regions_range-holes")
	// The full region list was captured with a peer move in flight (a
	// learner waiting for its snapshot).
	add(fxSetup{prep: func(s *testSim) {
		removed(s)
		pauseRule(s)
		s.post(`{"name":"add-peer","region_id":1029,"store_id":4}`)
		s.advance(10 * time.Millisecond)
	}}, "GET_regions__full")
	add(fxSetup{prep: func(s *testSim) {
		removed(s)
		// A region left short of a replica keeps the range INPROGRESS.
		pauseRule(s)
		s.post(`{"name":"remove-peer","region_id":1029,"store_id":1}`)
		s.finish(1029)
	}}, "GET_regions_replicated")

	// One store (2) stopped: Disconnected after 20s, Down after
	// max-store-down-time (1m in the captures).
	add(fxSetup{prep: func(s *testSim) { s.kill(2); s.advance(25 * time.Second) }},
		"GET_store_2__disconnected_one", "GET_stores__one_disconnected", "GET_stores_check__state_disconnected__one")
	oneDown := fxSetup{prep: func(s *testSim) { s.downIn1m(); s.kill(2); s.untilDown(2) }, looseOps: true, rules: snapshotsInFlight}
	add(oneDown,
		"GET_store_2__down_one", "GET_stores__one_down", "GET_stores_check__state_down__one",
		"GET_region_id_N__with_down_peer", "GET_regions_check_down-peer__one_store_down",
		"GET_regions_check_miss-peer__one_store_down", "DELETE_store_2__force_down_store")
	// PD replacing the down store's peers: catch replace-rule-down-peer
	// operators running (they come in bursts as store limits refill).
	add(fxSetup{prep: func(s *testSim) {
		oneDown.prep(s)
		s.untilStep("replace-rule-down-peer operators running", 100*time.Millisecond, func(c *Cluster) bool {
			for _, op := range c.ops.running {
				if op.desc == "replace-rule-down-peer" {
					return true
				}
			}
			return false
		})
	}, looseOps: true}, "GET_operators__one_store_down", "GET_operators__object__one_store_down")
	add(fxSetup{prep: func(s *testSim) {
		oneDown.prep(s)
		s.untilStep("no pending peers", 10*time.Millisecond, func(c *Cluster) bool { return c.flagged[flagPendingPeer].len() == 0 })
	}}, "GET_regions_check_pending-peer__one_store_down")
	downNode := func(s *testSim) { s.kill(2); s.advance(5 * time.Second); s.mustDo("DELETE", "/pd/api/v1/store/2", "") }
	add(fxSetup{prep: downNode}, "GET_store_2__offline_by_simulator_down_node", "POST_store_2_state__Up__stopped_node")
	forceRemoved := func(s *testSim) {
		s.downIn1m()
		s.kill(2)
		s.untilDown(2)
		s.mustDo("DELETE", "/pd/api/v1/store/2?force=true", "")
	}
	add(fxSetup{prep: forceRemoved}, "GET_store_2__offline_physically_destroyed", "POST_store_2_state__Up__physically_destroyed")
	add(fxSetup{prep: func(s *testSim) { forceRemoved(s); s.untilTombstone(2) }}, "GET_store_2__tombstone_after_force_remove")
	add(fxSetup{prep: func(s *testSim) {
		forceRemoved(s)
		s.untilTombstone(2)
		s.newStore(true)
	}}, "GET_stores__after_failure_recovery")

	// All stores stopped (the crashed simulator of cluster B). It crashed
	// with a learner left on store 1 by a move PD had under way.
	crash := func(s *testSim) {
		pauseRule(s)
		s.post(`{"name":"add-learner","region_id":13,"store_id":1}`)
		s.finish(13)
		s.kill(1, 2, 3, 4, 5)
	}
	add(fxSetup{prep: func(s *testSim) { crash(s); s.advance(25 * time.Second) }},
		"GET_health__stores_disconnected", "GET_store_2__disconnected", "GET_stores__all_disconnected",
		"GET_stores__state_Up__all_disconnected", "GET_stores_check__state_disconnected")
	add(fxSetup{prep: func(s *testSim) { s.downIn1m(); crash(s); s.untilDown(1, 2, 3, 4, 5) }},
		"GET_store_2__down", "GET_stores__all_down", "GET_stores_check__state_down")

	// A newly added store (cluster C): registered only, then heartbeating
	// and Preparing.
	newStorePath := func(s *testSim, p string) string {
		return strings.ReplaceAll(p, "2227", strconv.FormatUint(uint64(s.newestStore()), 10))
	}
	add(fxSetup{prep: func(s *testSim) { s.newStore(false) }, path: newStorePath}, "GET_store_NEW__registered_no_heartbeat")
	add(fxSetup{prep: func(s *testSim) { s.newStore(true) }, path: newStorePath},
		"GET_store_NEW__preparing", "GET_stores__with_preparing_store", "GET_stores_progress__action_preparing__in_progress",
		"GET_stores_progress__id_new_preparing")

	// Hot regions: a write hotspot PD has seen for more than
	// hot-region-cache-hits-threshold region heartbeats (cluster B).
	add(fxSetup{prep: func(s *testSim) { s.hotspot(false, 4) }},
		"GET_hotspot_regions_write__hot", "GET_hotspot_regions_write__hot_store3", "GET_hotspot_stores__hot",
		"GET_hotspot_regions_read__hot_cluster", "GET_regions_writeflow__hot", "GET_stores__hot_cluster")
	// Write hotspots that grew their regions past region-max-size, not yet
	// hot in PD's cache (cluster A: pd-simulator reported no intervals).
	add(fxSetup{prep: func(s *testSim) { s.hotspot(false, 1) }}, "GET_regions_check_oversized-region")
	// A read hotspot whose regions PD has not counted hot yet.
	add(fxSetup{prep: func(s *testSim) { s.hotspot(true, 1) }},
		"GET_hotspot_regions_read__no_peer_stats", "GET_hotspot_stores__read_flow")
	// Peers waiting for their snapshot (learners being added).
	add(fxSetup{prep: func(s *testSim) {
		pauseRule(s)
		s.post(`{"name":"add-peer","region_id":229,"store_id":5}`)
		s.post(`{"name":"add-peer","region_id":233,"store_id":1}`)
		s.advance(10 * time.Millisecond)
	}}, "GET_regions_check_pending-peer")

	return m
}()

// snapshotsInFlight: while peers move, store status carries counters that
// PD omits at zero (a snapshot being sent or received, a learner or a
// pending peer on the store); which store has one at the captured instant
// is timing, so pdsim may lack them there.
func snapshotsInFlight(r *shapeRules) {
	for _, f := range []string{"sending_snap_count", "receiving_snap_count", "learner_count", "pending_peer_count"} {
		r.missingOK["status."+f] = "transient while peers move"
		r.extraOK["status."+f] = "transient while peers move"
	}
}

// Helpers that drive pdsim into a state, through its API where PD has one.

func (s *testSim) mustDo(method, path, body string) string {
	s.t.Helper()
	code, out, _ := s.do(method, path, body)
	if code != http.StatusOK {
		s.t.Fatalf("setup %s %s: %d %s", method, path, code, out)
	}
	return out
}

func (s *testSim) post(op string) { s.t.Helper(); s.mustDo("POST", "/pd/api/v1/operators", op) }

func (s *testSim) post2(path, body string) { s.t.Helper(); s.mustDo("POST", path, body) }

func (s *testSim) advance(d time.Duration) {
	s.clock.Advance(d)
	s.c.Sync()
}

// until advances the clock in 100ms steps until cond holds.
func (s *testSim) until(what string, limit time.Duration, cond func(c *Cluster) bool) {
	s.t.Helper()
	s.untilEvery(what, 100*time.Millisecond, limit, cond)
}

// untilStep advances in small steps (for short-lived states) up to a minute.
func (s *testSim) untilStep(what string, step time.Duration, cond func(c *Cluster) bool) {
	s.t.Helper()
	s.untilEvery(what, step, time.Minute, cond)
}

func (s *testSim) untilEvery(what string, step, limit time.Duration, cond func(c *Cluster) bool) {
	s.t.Helper()
	for waited := time.Duration(0); ; waited += step {
		s.c.Sync()
		s.c.mu.RLock()
		ok := cond(s.c)
		s.c.mu.RUnlock()
		if ok {
			return
		}
		if waited >= limit {
			s.t.Fatalf("setup: %s did not happen within %v", what, limit)
		}
		s.clock.Advance(step)
	}
}

// finish waits for the running operator on region id to end.
func (s *testSim) finish(id RegionID) {
	s.t.Helper()
	s.until(fmt.Sprintf("operator on region %d finished", id), 2*time.Hour, func(c *Cluster) bool {
		return c.ops.running[id] == nil
	})
}

// arrange gives region id voters on exactly the stores, the first leading,
// with an admin transfer-region as an operator would.
func (s *testSim) arrange(id RegionID, stores ...StoreID) {
	s.t.Helper()
	s.c.Sync()
	s.c.mu.RLock()
	r := s.c.regions[id]
	same := r != nil && len(r.Peers) == len(stores) && r.leaderStore() == stores[0]
	if same {
		for _, sid := range stores {
			if p := r.peerOnStore(sid); p == nil || p.Role != RoleVoter {
				same = false
			}
		}
	}
	s.c.mu.RUnlock()
	if same {
		return
	}
	roles := []string{`"leader"`}
	ids := []string{strconv.FormatUint(uint64(stores[0]), 10)}
	for _, sid := range stores[1:] {
		roles = append(roles, `"voter"`)
		ids = append(ids, strconv.FormatUint(uint64(sid), 10))
	}
	s.post(fmt.Sprintf(`{"name":"transfer-region","region_id":%d,"to_store_ids":[%s],"peer_roles":[%s]}`,
		id, strings.Join(ids, ","), strings.Join(roles, ",")))
	s.finish(id)
	s.c.mu.RLock()
	defer s.c.mu.RUnlock()
	r = s.c.regions[id]
	if r.leaderStore() != stores[0] || len(r.Peers) != len(stores) {
		s.t.Fatalf("setup: region %d not arranged on %v: peers %v leader %d", id, stores, r.storeIDs(), r.leaderStore())
	}
}

func pauseRule(s *testSim) { s.post2("/pd/api/v1/checker/rule", `{"delay":3600}`) }

func halt(s *testSim) { s.post2("/pd/api/v1/config/schedule", `{"halt-scheduling":"true"}`) }

// labels gives stores 1-4 the zone/host labels of the captured cluster.
func labels(s *testSim) {
	for id, l := range map[int]string{1: `{"zone":"z1","host":"h1"}`, 2: `{"zone":"z2","host":"h2"}`, 3: `{"zone":"z3","host":"h3"}`, 4: `{"zone":"z1","host":"h4"}`} {
		s.post2(fmt.Sprintf("/pd/api/v1/store/%d/label", id), l)
	}
}

func (s *testSim) offline(id StoreID) {
	s.t.Helper()
	s.post2(fmt.Sprintf("/pd/api/v1/store/%d/state?state=Offline", id), "")
}

// drain sets the store Offline and waits until at most left (a fraction)
// of its regions remain.
func (s *testSim) drain(id StoreID, left float64) {
	s.t.Helper()
	s.c.Sync()
	s.c.mu.RLock()
	start := s.c.stores[id].regionCount
	s.c.mu.RUnlock()
	s.offline(id)
	s.until(fmt.Sprintf("store %d drained to %.0f%%", id, left*100), 3*time.Hour, func(c *Cluster) bool {
		return float64(c.stores[id].regionCount) <= left*float64(start) && len(c.ops.running) > 0
	})
}

func (s *testSim) tombstone(id StoreID) {
	s.t.Helper()
	s.offline(id)
	s.untilTombstone(id)
}

func (s *testSim) untilTombstone(id StoreID) {
	s.t.Helper()
	s.until(fmt.Sprintf("store %d Tombstone", id), 6*time.Hour, func(c *Cluster) bool {
		return c.stores[id].State == StateTombstone
	})
}

func (s *testSim) kill(ids ...StoreID) {
	s.t.Helper()
	for _, id := range ids {
		if err := s.c.Inject(Fault{Type: "kill-store", Store: uint64(id)}); err != nil {
			s.t.Fatal(err)
		}
	}
}

func (s *testSim) downIn1m() { s.post2("/pd/api/v1/config/schedule", `{"max-store-down-time":"1m"}`) }

func (s *testSim) untilDown(ids ...StoreID) {
	s.t.Helper()
	s.until(fmt.Sprintf("stores %v Down", ids), 10*time.Minute, func(c *Cluster) bool {
		for _, id := range ids {
			if c.stateName(c.stores[id]) != "Down" {
				return false
			}
		}
		return true
	})
}

// newStore registers a new store; heartbeat says whether it has sent its
// first store heartbeat (Preparing, Up) or not (Down at once).
func (s *testSim) newStore(heartbeat bool) {
	s.t.Helper()
	count := 0
	if heartbeat {
		count = 1
	}
	if err := s.c.Inject(Fault{Type: "add-store", Count: count}); err != nil {
		s.t.Fatal(err)
	}
}

// newestStore is the id of the store registered last.
func (s *testSim) newestStore() StoreID {
	s.c.mu.RLock()
	defer s.c.mu.RUnlock()
	return s.c.storeOrder[len(s.c.storeOrder)-1]
}

// hotspot puts write (or read) traffic on regions whose peers avoid store
// 1, then lets the given number of region heartbeats pass.
func (s *testSim) hotspot(read bool, heartbeats int) {
	s.t.Helper()
	for _, region := range []RegionID{13, 17, 37, 57} {
		if err := s.c.Inject(Fault{Type: "hotspot", Region: uint64(region), BytesPerSecond: 1 << 20, Read: read}); err != nil {
			s.t.Fatal(err)
		}
	}
	s.advance(time.Duration(heartbeats)*s.c.opts.RegionHeartbeat + time.Second)
}

// injectLabelerSplit adds the split operator PD's region labeler keeps
// creating on pd-simulator's last region (at the keyspace boundary).
func (s *testSim) injectLabelerSplit() {
	s.t.Helper()
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	r := s.c.byKey[len(s.c.byKey)-1]
	keys := []string{"7800000000000000FB", "7800000100000000FB"}
	op := newOperator("labeler-split-region", fmt.Sprintf("split: region %d use policy USEKEY and keys [%s]", r.ID, strings.Join(keys, " ")),
		r, kindSplit, []step{{kind: stepSplit, policy: "USEKEY", keys: keys}}, s.c.now)
	if err := s.c.addOperator(op); err != nil {
		s.t.Fatal(err)
	}
}

// injectMove adds a peer move the way one of PD's schedulers creates it.
func (s *testSim) injectMove(desc string, id RegionID, from, to StoreID) {
	s.t.Helper()
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	r := s.c.regions[id]
	steps, leader := s.c.movePeerSteps(r, from, to)
	kind := kindRegion
	if leader {
		kind |= kindLeader
	}
	op := newOperator(desc, fmt.Sprintf("mv peer: store %s to %s", storeList(from), storeList(to)), r, kind, steps, s.c.now)
	if err := s.c.addOperator(op); err != nil {
		s.t.Fatal(err)
	}
}
