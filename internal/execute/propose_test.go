package execute

import (
	"fmt"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/action"
	"github.com/operator-dev/operator/internal/ticket"
)

func diagnosed(provider string, to int, disputed bool) ticket.DiagnosisRecord {
	return ticket.DiagnosisRecord{Provider: provider, Status: ticket.DiagnosisOK, Disputed: disputed, EvidenceDigest: "d",
		Diagnosis: &ticket.Diagnosis{Summary: "hot", Cause: "writes", EvidenceIDs: []string{"e1"}, Confidence: 0.7, Severity: ticket.Warning,
			Proposal: &ticket.Proposal{Type: "transfer_leader", Params: map[string]any{"region_id": 49, "to_store_id": to},
				Rationale: "spread", Urgency: "soon", ExpectedOutcome: "cooler"}}}
}

func (e *env) saveRound(recs ...ticket.DiagnosisRecord) {
	e.t.Helper()
	for i := range recs {
		recs[i].At = e.clock.now()
	}
	if _, err := e.st.SaveDiagnoses(e.t.Context(), e.ticket.ID, recs, e.clock.now()); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) proposeNow() []action.Run {
	e.t.Helper()
	rs, err := e.ex.Propose(e.t.Context())
	if err != nil {
		e.t.Fatal(err)
	}
	return rs
}

func TestProposeFromDiagnoses(t *testing.T) {
	e := newEnv(t, Config{})
	e.saveRound(diagnosed("rules", 2, false))
	rs := e.proposeNow()
	if len(rs) != 1 || rs[0].State != action.Proposed || rs[0].DryRun == nil || !rs[0].DryRun.Valid || rs[0].CreatedBy != ActorDiagnosis {
		t.Fatalf("Propose = %+v", rs)
	}
	first := rs[0]
	if rs := e.proposeNow(); len(rs) != 0 {
		t.Fatalf("the same round proposed twice: %+v", rs)
	}
	// A new round with the same proposal: the standing one stays.
	e.clock.add(time.Minute)
	e.saveRound(diagnosed("rules", 2, false))
	if rs := e.proposeNow(); len(rs) != 0 {
		t.Fatalf("an identical proposal was made again: %+v", rs)
	}
	// A different proposal supersedes it.
	e.clock.add(time.Minute)
	e.saveRound(diagnosed("rules", 3, false))
	rs = e.proposeNow()
	if len(rs) != 1 || fmt.Sprint(rs[0].Params["to_store_id"]) != "3" {
		t.Fatalf("Propose after a new proposal = %+v", rs)
	}
	e.wantState(first.ID, action.Superseded)
}

// When a model disputes the rules, the rules' proposal is the one made.
func TestProposeTakesTheRulesWhenDisputed(t *testing.T) {
	e := newEnv(t, Config{})
	e.saveRound(diagnosed("anthropic", 4, true), diagnosed("rules", 2, false))
	rs := e.proposeNow()
	if len(rs) != 1 || fmt.Sprint(rs[0].Params["to_store_id"]) != "2" {
		t.Fatalf("Propose = %+v, want the rules' store 2", rs)
	}
}

// A live run for the ticket blocks new proposals.
func TestProposeWaitsForALiveRun(t *testing.T) {
	e := newEnv(t, executing())
	r := e.propose()
	e.ex.Approve(t.Context(), r.ID, Approver{Name: "alice", Role: "approver"}, "")
	e.saveRound(diagnosed("rules", 3, false))
	if rs := e.proposeNow(); len(rs) != 0 {
		t.Fatalf("proposed beside an approved run: %+v", rs)
	}
}
