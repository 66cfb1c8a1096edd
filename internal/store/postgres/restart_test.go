package postgres_test

import (
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/pgtest"
	"github.com/operator-dev/operator/internal/store/postgres"
	"github.com/operator-dev/operator/internal/ticket"
)

// The server restarts under an open store: the next reads and writes get
// fresh connections instead of errors, and nothing committed is lost.
func TestStoreSurvivesServerRestart(t *testing.T) {
	srv := pgtest.Start(t)
	if srv == nil {
		return
	}
	s := open(t, srv.NewDatabase(t), postgres.Options{MaxConns: 4})
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	tk := func(id string) ticket.Ticket {
		labels := map[string]string{"store": id}
		return ticket.Ticket{DedupKey: ticket.Key("store-down", labels), Invariant: "store-down", Subject: "tikv",
			Severity: ticket.Critical, Summary: "down", Labels: labels}
	}
	// Warm several connections so the pool holds more than one dead one.
	for i := range 4 {
		if _, _, err := s.OpenOrTouch(t.Context(), tk("1"), 0, now.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.OpenOrTouch(t.Context(), tk("2"), 0, now.Add(time.Minute)); err != nil {
		t.Fatalf("the first write after the restart: %v", err)
	}
	got, err := s.GetByKey(t.Context(), tk("1").DedupKey)
	if err != nil || got.Occurrences != 4 {
		t.Fatalf("the ticket written before the restart: %+v, %v", got, err)
	}
}
