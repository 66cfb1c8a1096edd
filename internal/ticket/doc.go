// Package ticket is the domain-agnostic ticket model: what a ticket is, the
// states it moves through and which moves are allowed, the kinds of event on
// its timeline, and how a dedup key is built from an invariant and labels.
//
// It holds values and pure rules only. Storage (and with it every decision
// that needs to see other tickets, such as "is one already open for this
// key?") lives in internal/store, which applies these rules inside its
// transactions. Nothing here knows about TiKV.
//
// The lifecycle (Next is the table; action states join it later):
//
//	open      -> diagnosed, resolved
//	diagnosed -> open (diagnosis discarded), resolved
//	resolved  -> open (a reopen)
//
// A ticket is identified for deduplication by its DedupKey; at most one
// ticket per key may be active (not resolved) at a time. Repeats of the same
// problem bump Occurrences and LastSeen instead of writing events, so a
// problem that persists for a week does not grow its timeline.
package ticket
