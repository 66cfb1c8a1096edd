package sqlite

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/store"
	"github.com/operator-dev/operator/internal/ticket"
)

func diagnosisRecord(provider, summary string, at time.Time) ticket.DiagnosisRecord {
	return ticket.DiagnosisRecord{At: at, Provider: provider, Status: ticket.DiagnosisOK, EvidenceDigest: "d",
		Diagnosis: &ticket.Diagnosis{Summary: summary, Cause: "disk failed", EvidenceIDs: []string{"e1"},
			Confidence: 0.5, Severity: ticket.Critical}}
}

// TestSaveDiagnosesIsOneTransaction fails a round midway, after its first
// record is inserted (the disk fills on the second): nothing of the round
// remains, not the first record, the state change or the event.
func TestSaveDiagnosesIsOneTransaction(t *testing.T) {
	s := openInternal(t)
	ctx := t.Context()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tk, _, err := s.OpenOrTouch(ctx, ticket.Ticket{DedupKey: "store-down/store=4", Invariant: "store-down", Subject: "tikv",
		Severity: ticket.Critical}, time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	var pages int
	if err := s.w.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	// Room for a small row, not for a 256 KiB one.
	if _, err := s.w.ExecContext(ctx, `PRAGMA max_page_count = `+strconv.Itoa(pages+1)); err != nil {
		t.Fatal(err)
	}
	recs := []ticket.DiagnosisRecord{
		diagnosisRecord("rules", "small", now),
		diagnosisRecord("anthropic", strings.Repeat("x", 256<<10), now),
	}
	_, err = s.SaveDiagnoses(ctx, tk.ID, recs, now)
	if !errors.Is(err, store.ErrFull) || !strings.Contains(err.Error(), "save diagnosis round of ticket 1") ||
		!strings.Contains(err.Error(), "insert anthropic diagnosis") {
		t.Fatalf("SaveDiagnoses on a full disk = %v, want store.ErrFull while inserting the second record", err)
	}
	var rows int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM diagnoses`).Scan(&rows); err != nil || rows != 0 {
		t.Fatalf("%d diagnosis rows (%v) after the failed round, want 0", rows, err)
	}
	if got, _ := s.Get(ctx, tk.ID); got.State != ticket.Open {
		t.Fatalf("ticket is %s after the failed round, want open", got.State)
	}
	if evs, _ := s.Events(ctx, tk.ID); len(evs) != 1 {
		t.Fatalf("timeline after the failed round = %+v, want only opened", evs)
	}

	// With space back the same round is round 1: the failed one took no number.
	if _, err := s.w.ExecContext(ctx, `PRAGMA max_page_count = 1073741823`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveDiagnoses(ctx, tk.ID, recs, now); err != nil {
		t.Fatal(err)
	}
	ds, err := s.Diagnoses(ctx, tk.ID)
	if err != nil || len(ds) != 2 || ds[0].Round != 1 || ds[1].Round != 1 {
		t.Fatalf("Diagnoses after the retry = %+v, %v", ds, err)
	}
}

// The diagnoses table keeps its rules for writers that bypass this package.
func TestSchemaEnforcesDiagnosisRules(t *testing.T) {
	s := openInternal(t)
	ctx := t.Context()
	tk, _, err := s.OpenOrTouch(ctx, ticket.Ticket{DedupKey: "k", Invariant: "i", Subject: "s", Severity: ticket.Info}, 0, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	insert := func(ticketID int64, round int, provider, diagnosis, refusals string, cost float64) error {
		var d any
		if diagnosis != "" {
			d = diagnosis
		}
		_, err := s.w.ExecContext(ctx, `INSERT INTO diagnoses (ticket_id, round, provider, status, at, diagnosis, refusals, cost_usd)
			VALUES (?, ?, ?, 'ok', 't', ?, ?, ?)`, ticketID, round, provider, d, refusals, cost)
		return err
	}
	id := int64(tk.ID)
	cases := []struct {
		name                          string
		ticketID                      int64
		round                         int
		provider, diagnosis, refusals string
		cost                          float64
		ok                            bool
	}{
		{"valid", id, 1, "rules", `{"summary":"s"}`, `[]`, 0, true},
		{"no diagnosis", id, 1, "openai", "", `[]`, 0.5, true},
		{"missing ticket", 999, 1, "rules", "", `[]`, 0, false},
		{"round zero", id, 0, "rules", "", `[]`, 0, false},
		{"no provider", id, 1, "", "", `[]`, 0, false},
		{"diagnosis not JSON", id, 1, "rules", `{"summary":`, `[]`, 0, false},
		{"refusals not JSON", id, 1, "rules", "", `[`, 0, false},
		{"negative cost", id, 1, "rules", "", `[]`, -1, false},
	}
	for _, tc := range cases {
		err := insert(tc.ticketID, tc.round, tc.provider, tc.diagnosis, tc.refusals, tc.cost)
		if (err == nil) != tc.ok {
			t.Errorf("%s: insert = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}
