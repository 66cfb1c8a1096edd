// Package monitor turns a subject's broken invariants into tickets.
//
// One evaluation cycle is a plain function of (ctx, now): Monitor.Eval
// observes the subject, runs every invariant whose data sources answered,
// opens or touches one ticket per violation (after a hold-down, so a blip
// does not page anyone) and resolves tickets whose problem has stayed gone
// for a clear-after window. The loop that calls Eval on a ticker (Run) is
// separate, so tests drive cycles with a clock they control.
//
// No lifecycle state lives only in memory: "when was this last seen" comes
// from the store, so a restarted monitor resolves and deduplicates exactly
// as the one before it would have. Only the hold-down of problems that have
// no ticket yet is kept in memory; after a restart such a problem waits one
// more hold-down before its ticket opens.
package monitor
