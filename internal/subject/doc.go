// Package subject is the one boundary between Operator's domain-agnostic
// core (monitor, tickets, diagnosis, actions, audit) and an adapter for one
// kind of system (today TiKV, in internal/tikv). The core only ever sees the
// types here; adding another system means writing another Subject.
package subject
