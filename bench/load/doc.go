// Package load is the API load harness: the real daemon (internal/app) in
// execute mode on SQLite, against an in-process pdsim over loopback HTTP
// with a killed store and write hotspots that keep appearing, read by many
// concurrent viewers while a few approvers approve and reject the proposals
// as they appear. The same reads are run, in rounds taking turns with the
// loaded phase, against the same daemon and database with its monitor,
// diagnosis and executor parked, and against a bare net/http handler
// serving the same bodies, so each figure has its baselines from the same
// run.
//
// TestLoad asserts correctness only: no errors (approver races end in
// 409s and approvals whose preflight finds the cluster changed in 422s,
// both counted apart); every approval and rejection the API accepted is
// in the audit log with its approver and reason; the chain verifies. With
// -v it prints the figures as Markdown; BENCHMARKS.md's were made with
//
//	go test ./bench/load -run TestLoad -v -args -load.duration=20s -load.rounds=5 -load.speed=30 -load.hot-every=2s -load.max-hot=30
//
// Everything listens on 127.0.0.1 and stops when the test ends.
package load
