// Package deptest holds the test that keeps Operator's core independent of
// its system adapters: no core package may import internal/tikv, directly or
// through another package. Only the wiring (cmd/, internal/app) may.
package deptest
