// Package policy holds the approval policy an SRE writes in YAML: how many
// people must approve an action of each risk tier and in which roles, when
// an unanswered proposal escalates and expires, which low-risk runbooks are
// pre-approved, when actions may start (maintenance windows) and how often
// (rate limits).
//
// Parse validates a whole document against the action registry (a map of
// action name to risk tier the caller passes in, so this core package never
// imports an adapter) and reports every problem with its line and column.
// A parsed Policy is immutable and safe to share between goroutines; the
// Watcher swaps in a new one when the file changes and keeps the old one
// when the new file is invalid or missing.
//
// The policy can only tighten what the registry says, never loosen it:
// high-risk actions always need two distinct approvers, none of them the
// proposer, and auto-approval is only ever for low-risk actions. Both are
// refused at parse time and enforced again at lookup time, because an
// action's risk may change after the policy was loaded.
package policy
