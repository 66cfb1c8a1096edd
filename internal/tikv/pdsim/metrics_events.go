package pdsim

import "strings"

// Event bookkeeping behind PD's counter families. simMetrics (metrics.go)
// is part of the Cluster and guarded by c.mu; these helpers only decide
// which of PD's counters an operator event moves.

// isAdminOperator reports whether an operator was created through the API.
// PD adds those to its operator controller directly; operators made by
// checkers and schedulers go through its waiting queue first.
func isAdminOperator(desc string) bool {
	return strings.HasPrefix(desc, "admin-") || desc == "scatter-region"
}

// operatorEvents expands one pdsim operator event into the events PD's
// operator controller records for the same step of an operator's life, as
// the captured pd_schedule_operators_count shows them:
//
//   - every operator is "create"d and "start"ed; one from a checker or a
//     scheduler also passes the waiting queue ("put", "get", "promote-add");
//   - success is "finish" + "promote-success" + "remove";
//   - timeout is "timeout" + "promote-timeout" + "remove";
//   - cancel is "cancel" + "remove"; replace is "replace" alone (the
//     captures show one fewer "remove" than ends for replaced operators).
func operatorEvents(desc, event string) []string {
	switch event {
	case "create":
		if isAdminOperator(desc) {
			return []string{"create", "start"}
		}
		return []string{"create", "put", "get", "promote-add", "start"}
	case "finish":
		return []string{"finish", "promote-success", "remove"}
	case "timeout":
		return []string{"timeout", "promote-timeout", "remove"}
	case "cancel", "expire":
		return []string{event, "remove"}
	}
	return []string{event}
}

// checkerEventFor is the pd_checker_event_count series a checker moves
// when it decides to create an operator of this kind. PD counts the
// decision each time its checker reaches it; pdsim counts the operators
// it actually creates, a lower bound of PD's number.
func checkerEventFor(desc string) (checker, name string, ok bool) {
	switch desc {
	case "add-rule-peer", "remove-orphan-peer":
		return "rule_checker", desc, true
	case "replace-rule-offline-peer", "replace-rule-offline-leader-peer":
		return "rule_checker", "replace-offline", true
	case "replace-rule-down-peer", "replace-rule-down-leader-peer":
		return "rule_checker", "replace-down", true
	case "leave-joint-state":
		return "joint_state_checker", "new-operator", true
	}
	return "", "", false
}

// checkerEventNames are the pd_checker_event_count series PD registers at
// start (all of them appear, mostly at zero, in every captured /metrics).
var checkerEventNames = map[string][]string{
	"affinity_checker": {"abnormal-replica", "check", "create-operator-failed", "group-scheduling-disabled", "learner-peer-conflict",
		"merge-adj-abnormal-peerstore", "merge-adj-abnormal-replica", "merge-adj-different-group", "merge-adj-disallow-merge",
		"merge-adj-not-affinity", "merge-adj-not-exist", "merge-adj-unhealthy", "merge-check", "merge-disabled",
		"merge-global-disabled", "merge-new-operator", "merge-no-need", "merge-no-target", "merge-skip-cached",
		"merge-skip-startup", "merge-target-too-big", "new-operator", "paused", "placement-rules-disabled",
		"region-no-leader", "unhealthy-region"},
	"joint_state_checker": {"check", "create-operator-fail", "new-operator", "paused", "transfer-leader"},
	"learner_checker":     {"paused"},
	"merge_checker": {"abnormal-replica", "adj-abnormal-peerstore", "adj-abnormal-replica", "adj-disallow-merge", "adj-not-exist",
		"adj-recently-split", "adj-region-hot", "adj-special-peer", "check", "hot-region", "larger-source", "new-operator",
		"no-leader", "no-need", "no-target", "paused", "recently-split", "recently-start", "split-keys-after-merge",
		"split-size-after-merge", "target-too-large", "unhealthy-region"},
	"replica_checker": {"all-right", "check", "create-operator-failed", "new-operator", "no-store-down", "no-store-offline",
		"no-target-store", "no-worst-peer", "not-better", "paused", "remove-extra-down-replica-failed",
		"remove-extra-offline-replica-failed", "replace-down-replica-failed", "replace-offline-replica-failed"},
	"rule_checker": {"add-rule-peer", "add-tiflash-learner", "cancel-switch-to-witness", "check", "demote-voter-role",
		"fix-follower-role", "fix-leader-role", "fix-peer-role", "get-cache", "move-to-better-location", "need-split",
		"no-new-leader", "no-store-add", "no-store-replace", "no-store-then-try-replace", "not-allow-leader", "paused",
		"promote-witness", "recently-promote-to-non-witness", "region-no-leader", "remove-orphan-peer", "replace-down",
		"replace-offline", "replace-orphan-peer", "replace-orphan-peer-no-fit", "set-cache", "set-learner-non-witness",
		"set-learner-witness", "set-voter-non-witness", "set-voter-witness", "skip-remove-orphan-peer"},
	"split_checker": {"check", "paused"},
	"split_scatter_checker": {"dispatch-add-operator-failed", "dispatch-disabled", "dispatch-no-operator-needed",
		"dispatch-not-fully-replicated", "dispatch-operator-created", "dispatch-region-missing", "dispatch-scatter-failed",
		"dispatch-schedule-disabled", "dispatch-schedule-limit", "dispatch-store-limit"},
}

// schedulerEventNames are the pd_scheduler_event_count series PD registers
// at start, as the captures show them.
var schedulerEventNames = map[string][]string{
	"balance-hot-region-scheduler": {"abnormal_replica", "create_operator_failed", "hot_buckets_not_valid", "ignored_affinity",
		"move-leader", "move-peer", "need_split_before_move_peer", "new_operator", "no_region", "not_found_split_keys",
		"not_same_engine", "only_one_buckets_hot", "pending-op-fails", "read-move-peer-allow-search-revert-regions",
		"read-skip-all-dim-uniform-store", "read-skip-byte-uniform-store", "read-skip-cpu-uniform-store",
		"read-skip-key-uniform-store", "read-skip-query-uniform-store", "read-transfer-leader-allow-search-revert-regions",
		"region_buckets_not_hot", "region_buckets_single_hot_spot", "region_is_too_hot_need_split", "schedule",
		"search_revert_regions", "skip", "snapshot_sender_limit", "split_success", "transfer-leader", "unhealthy_replica",
		"write-move-peer-allow-search-revert-regions", "write-skip-all-dim-uniform-store", "write-skip-byte-uniform-store",
		"write-skip-key-uniform-store", "write-skip-query-uniform-store", "write-transfer-leader-allow-search-revert-regions"},
	"balance-leader-scheduler": {"new-operator", "no-follower-region", "no-leader-region", "no-source-store", "no-target-store",
		"region-hot", "schedule", "skip"},
	"balance-range-scheduler": {"balanced", "create-operator-fail", "expired", "new-operator", "no-job", "no-leader", "no-region",
		"no-replacement", "persist-failed", "region-hot", "schedule"},
	"balance-region-scheduler": {"create-operator-fail", "new-operator", "no-leader", "no-region", "no-replacement", "region-hot",
		"schedule", "skip"},
	"evict-leader-scheduler":            {"new-operator", "no-leader", "no-target-store", "pick-unhealthy-region", "schedule"},
	"evict-slow-store-scheduler":        {"schedule"},
	"evict-stopping-store-scheduler":    {"schedule"},
	"grant-hot-region-scheduler":        {"new-operator", "no-follower", "schedule", "skip"},
	"label-scheduler":                   {"new-operator", "no-region", "no-target", "schedule", "skip"},
	"random-merge-scheduler":            {"new-operator", "no-region", "no-source-store", "no-target-store", "not-allowed", "schedule"},
	"scatter-range-scheduler":           {"new-leader-operator", "new-operator", "new-region-operator", "no-need-balance-leader", "no-need-balance-region", "schedule"},
	"shuffle-hot-region-scheduler":      {"new-operator", "schedule", "skip"},
	"shuffle-leader-scheduler":          {"new-operator", "no-follower", "no-target-store", "schedule"},
	"shuffle-region-scheduler":          {"create-operator-fail", "new-operator", "no-new-peer", "no-region", "no-source-store", "schedule"},
	"transfer-witness-leader-scheduler": {"new-operator", "no-target-store", "schedule"},
}
