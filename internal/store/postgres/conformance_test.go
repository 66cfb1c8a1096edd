package postgres_test

import (
	"testing"

	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/store/backend"
	"github.com/operator-dev/operator/internal/store/postgres"
	"github.com/operator-dev/operator/internal/store/storetest"
)

// What postgres.Open returns is all the daemon needs of a store.
var _ backend.Store = (*postgres.Store)(nil)

// Every case runs on its own database of one shared server.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return fresh(t) })
}

func TestLeases(t *testing.T) {
	storetest.RunLeases(t, func(t *testing.T) storetest.LeaseStore { return fresh(t) })
}
