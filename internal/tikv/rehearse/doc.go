// Package rehearse runs a registry action on an in-process PD simulator
// loaded with a snapshot of the live cluster, before anyone approves it,
// and reports what it predicts: the operator's steps, the replicas and
// bytes that would move, how long it took on the simulator's clock and the
// invariants still broken afterwards (action.Rehearsal).
//
// The live cluster is only read, through a read-only client: Rehearse
// refuses a client that could write. The snapshot is partial on purpose:
// the stores, the regions the action touches and their neighbours (for a
// drain or a leader eviction, the store's regions up to Options.MaxRegions)
// and PD's schedule and replication config. pdsim.NewFromSnapshot says how
// the rest of the cluster is approximated.
//
// The action reaches the simulator by the same PD HTTP calls the executor
// makes on the real cluster (POST /operators, DELETE /store/{id}, POST
// /config/schedule, POST /schedulers...), through an ordinary pd.Client,
// so a refusal reads exactly as PD would word it.
package rehearse
