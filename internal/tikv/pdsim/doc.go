// Package pdsim is a PD (TiKV's Placement Driver) simulator: a real
// http.Handler that answers PD's HTTP API the way a real PD does, field for
// field, over a simulated cluster of stores and regions.
//
// It exists so that the operator, its tests and its demo can run against
// something that behaves like production PD (status codes, error bodies,
// content types, omitted zero fields, operator lifecycles, PD's own checkers
// undoing manual changes) without a TiKV cluster. The behaviour it copies is
// described in shared/pd/README.md and captured in shared/pd/fixtures; the
// contract tests replay those captures against this package.
//
// Time is simulated. Every request first brings the model up to the clock's
// current time (Cluster.catchUp), processing heartbeats, operator steps,
// checkers and scenario events in order, so a test that controls the clock
// controls everything and never sleeps.
//
// Paths under /pdsim/v1/ are the simulator's own (fault injection, clock);
// a real PD has no such prefix.
package pdsim
