// Package leader elects one replica among several sharing a state store to
// run the work that must run once (the monitor, diagnosis and the
// executor), with a lease in the store and its fencing token: the leader's
// work runs under a context carrying the token, so once another replica
// has taken the lease every write the deposed leader still attempts is
// refused by the store, in the write's own transaction.
//
// A leader renews every TTL/3 and stops its work on its own once it could
// not renew for TTL-TTL/3 (before the lease expires for the others, with a
// margin for clock drift between replicas); another replica takes the
// lease once it has expired. Step is one campaign round as a plain function
// of (ctx, now), Run the loop around it, so tests drive it with their own
// clock.
package leader
