// Package store defines the one state store behind Operator: the Store
// interface every backend implements (sqlite today, postgres later), the
// errors they return, and the query types they take.
//
// Every backend must pass the conformance suite in store/storetest; the
// suite, not a backend, is the definition of the behaviour.
//
// Rules every backend keeps:
//
//   - At most one active (not resolved) ticket per dedup key, enforced by the
//     database itself (a partial unique index), not only by application code.
//   - OpenOrTouch, Resolve, SetState, AddEvent and SaveDiagnoses are each
//     one transaction: the ticket row, its timeline event and (for
//     SaveDiagnoses) the round's records commit together or not at all.
//   - Times are stored and returned in UTC with at least millisecond
//     precision (sqlite keeps microseconds; so does PostgreSQL's timestamptz).
//   - Errors are wrapped with what was being done and carry one of the
//     sentinels below where one applies, so callers (the HTTP API) can map
//     them to statuses with errors.Is.
package store
