// Package storetest is the conformance suite for store.Store. Every backend
// runs it from its own tests:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store {
//			s := openEmpty(t)
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// The suite is the definition of a store's behaviour; a backend that needs
// an exception needs a change to the Store contract instead.
package storetest

import (
	"testing"

	"github.com/operator-dev/operator/internal/store"
)

// Opener returns a new, empty store for one test and arranges for it to be
// closed (t.Cleanup). Run never closes a store itself.
type Opener func(t *testing.T) store.Store

type testCase struct {
	name string
	run  func(t *testing.T, s store.Store)
}

// Run runs every conformance case as a subtest, each on a fresh store.
func Run(t *testing.T, open Opener) {
	var cases []testCase
	cases = append(cases, lifecycleCases()...)
	cases = append(cases, transitionCases()...)
	cases = append(cases, queryCases()...)
	cases = append(cases, roundTripCases()...)
	cases = append(cases, concurrencyCases()...)
	cases = append(cases, diagnosisCases()...)
	cases = append(cases, runCases()...)
	cases = append(cases, runAuditCases()...)
	cases = append(cases, userCases()...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.run(t, open(t))
		})
	}
}
