package policy

import (
	"errors"
	"testing"
)

func TestApprove(t *testing.T) {
	p := Default()
	low := p.Requirement("split_region", RiskLow)
	medium := p.Requirement("transfer_peer", RiskMedium)
	high := p.Requirement("drain_store", RiskHigh)
	adminOnly := Requirement{Approvers: 1, Roles: []string{RoleAdmin}}

	tests := []struct {
		name     string
		req      Requirement
		proposer string
		before   []Approval
		next     Approval
		done     bool
		err      error
	}{
		{"low: proposer approves own", low, "alice", nil, Approval{"alice", RoleApprover}, true, nil},
		{"medium: proposer refused", medium, "alice", nil, Approval{"alice", RoleAdmin}, false, ErrSelfApproval},
		{"medium: another approver", medium, "alice", nil, Approval{"bob", RoleApprover}, true, nil},
		{"high: proposer refused", high, "alice", nil, Approval{"alice", RoleAdmin}, false, ErrSelfApproval},
		{"high: proposer refused, other case", high, "alice", nil, Approval{"Alice", RoleAdmin}, false, ErrSelfApproval},
		{"high: first of two", high, "alice", nil, Approval{"bob", RoleApprover}, false, nil},
		{"high: second of two", high, "alice", []Approval{{"bob", RoleApprover}}, Approval{"carol", RoleAdmin}, true, nil},
		{"high: same person twice", high, "alice", []Approval{{"bob", RoleApprover}}, Approval{"bob", RoleAdmin}, false, ErrSameApprover},
		{"high: same person, padded", high, "alice", []Approval{{"bob", RoleApprover}}, Approval{" BOB ", RoleApprover}, false, ErrSameApprover},
		{"viewer refused", low, "alice", nil, Approval{"bob", RoleViewer}, false, ErrRole},
		{"unknown role refused", low, "alice", nil, Approval{"bob", "superuser"}, false, ErrRole},
		{"role not in tier refused", adminOnly, "alice", nil, Approval{"bob", RoleApprover}, false, ErrRole},
		{"role in tier accepted", adminOnly, "alice", nil, Approval{"bob", RoleAdmin}, true, nil},
		{"no actor", low, "alice", nil, Approval{"", RoleAdmin}, false, ErrNoActor},
		{"viewer refused even if listed", Requirement{Approvers: 1, Roles: []string{RoleViewer}}, "alice", nil, Approval{"bob", RoleViewer}, false, ErrRole},
		// Nothing is approved by nobody, even if a requirement says 0.
		{"zero approvers still needs one", Requirement{Roles: []string{RoleAdmin}}, "alice", nil, Approval{"bob", RoleAdmin}, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done, err := tt.req.Approve(tt.proposer, tt.before, tt.next)
			if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Fatalf("Approve error = %v, want %v", err, tt.err)
			}
			if done != tt.done {
				t.Errorf("done = %v, want %v", done, tt.done)
			}
		})
	}
}

// Recorded approvals are re-judged against the requirement in force: after
// a reload makes an action admin-only, an approver's earlier yes no longer
// counts, and one person listed twice counts once.
func TestMetRejudgesRecordedApprovals(t *testing.T) {
	adminsTwo := Requirement{Approvers: 2, Roles: []string{RoleAdmin}}
	tests := []struct {
		name      string
		approvals []Approval
		want      bool
	}{
		{"two admins", []Approval{{"bob", RoleAdmin}, {"carol", RoleAdmin}}, true},
		{"approver no longer counts", []Approval{{"bob", RoleApprover}, {"carol", RoleAdmin}}, false},
		{"same admin twice", []Approval{{"bob", RoleAdmin}, {"bob", RoleAdmin}}, false},
		{"proposer does not count", []Approval{{"alice", RoleAdmin}, {"carol", RoleAdmin}}, false},
		{"none", nil, false},
	}
	for _, tt := range tests {
		if got := adminsTwo.Met("alice", tt.approvals); got != tt.want {
			t.Errorf("%s: Met = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// Approve must not write into the caller's slice when appending next.
func TestApproveLeavesCallerSliceAlone(t *testing.T) {
	high := Default().Requirement("drain_store", RiskHigh)
	backing := make([]Approval, 1, 4)
	backing[0] = Approval{"bob", RoleApprover}
	if _, err := high.Approve("alice", backing[:1], Approval{"carol", RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	if got := backing[:2][1]; got != (Approval{}) {
		t.Errorf("Approve wrote %+v into the caller's backing array", got)
	}
}
