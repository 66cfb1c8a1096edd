package policy

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Approval is one person's approval of a proposal.
type Approval struct {
	Actor string // the user name, as authenticated
	Role  string // the actor's role when they approved
}

// Reasons an approval is refused; errors.Is tells them apart.
var (
	ErrNoActor      = errors.New("approval names no one")
	ErrRole         = errors.New("role may not approve")
	ErrSelfApproval = errors.New("proposer may not approve their own proposal")
	ErrSameApprover = errors.New("already approved by the same person")
)

// Approve checks next against the requirement, given the approvals already
// recorded, and reports whether the requirement is met once next counts.
// A refused approval counts for nothing and leaves done false.
func (r Requirement) Approve(proposer string, approvals []Approval, next Approval) (done bool, err error) {
	if err := r.allows(proposer, next); err != nil {
		return false, err
	}
	for _, a := range approvals {
		if samePerson(a.Actor, next.Actor) {
			return false, fmt.Errorf("%w: %s", ErrSameApprover, next.Actor)
		}
	}
	return r.Met(proposer, append(slices.Clip(approvals), next)), nil
}

// Met reports whether approvals satisfy the requirement. Each one is judged
// against the requirement as it is now, not as it was when recorded: after
// a policy reload an admin-only action does not count an approver's
// earlier yes, and a person counts once however often they appear.
func (r Requirement) Met(proposer string, approvals []Approval) bool {
	var counted []string
	for _, a := range approvals {
		if r.allows(proposer, a) != nil || slices.ContainsFunc(counted, func(c string) bool { return samePerson(c, a.Actor) }) {
			continue
		}
		counted = append(counted, a.Actor)
	}
	// A hand-built Requirement with no approvers still needs one: nothing
	// is approved by nobody.
	return len(counted) >= max(r.Approvers, 1)
}

// allows checks one approval on its own: who, in what role.
func (r Requirement) allows(proposer string, a Approval) error {
	if strings.TrimSpace(a.Actor) == "" {
		return ErrNoActor
	}
	// Viewers are refused even if a hand-built Requirement lists them.
	if a.Role == RoleViewer || !slices.Contains(r.Roles, a.Role) {
		return fmt.Errorf("%w: %s has role %q; this needs one of %s", ErrRole, a.Actor, a.Role, strings.Join(r.Roles, ", "))
	}
	if !r.ProposerMayApprove && samePerson(a.Actor, proposer) {
		return fmt.Errorf("%w: %s proposed it", ErrSelfApproval, a.Actor)
	}
	return nil
}

// samePerson compares user names ignoring case and surrounding space.
// internal/auth already keeps names lower-case; folding here as well means
// a differently spelled name can never pass as a second person.
func samePerson(a, b string) bool {
	return strings.TrimSpace(a) != "" && strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}
