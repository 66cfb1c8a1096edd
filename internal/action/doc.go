// Package action holds what the core knows about actions, independent of
// any adapter: the persisted state machine of an action run (State, Run,
// Transition) and its transition table. The registry, policy, queue and
// executor arrive here with their issues.
//
// The store persists runs; every move is one transaction checked against
// CanTransition and the run's Version, so no state lives only in memory
// and two processes can never both move the same run.
package action
