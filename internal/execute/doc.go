// Package execute turns approved action runs into changes on the cluster,
// one at a time, and proves what happened.
//
// Everything it knows is in the store: the run's state, the intent
// recorded on its executing transition, the kill switch. The executor
// advances the oldest live run by one step per pass and keeps nothing in
// memory between passes, so a process killed at any instant is replaced by
// one that continues from the same rows: a run found executing is
// observed, never submitted again (the only submission happens in the
// pass that moved it to executing), and what became of it is said
// plainly: it ran, it did not run, or it may have run.
//
// The cluster-specific parts (how to submit, observe and verify) are an
// action.Driver per subject; this package never imports an adapter.
package execute
