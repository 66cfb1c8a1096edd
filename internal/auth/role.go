package auth

import (
	"fmt"
	"strings"
)

// Role is what an identity may do.
type Role string

// Roles, least to most powerful.
const (
	Viewer   Role = "viewer"   // read tickets, runs, the audit trail; send alerts
	Approver Role = "approver" // also approve, reject and cancel runs, propose plans, resolve tickets
	Admin    Role = "admin"    // also the kill switch and the policy
)

// Roles returns every role, least powerful first.
func Roles() []Role { return []Role{Viewer, Approver, Admin} }

// ParseRole reads a role name.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	for _, k := range Roles() {
		if r == k {
			return r, nil
		}
	}
	return "", fmt.Errorf("unknown role %q (want viewer, approver or admin)", s)
}

func (r Role) rank() int {
	for i, k := range Roles() {
		if r == k {
			return i + 1
		}
	}
	return 0
}

// AtLeast reports whether r includes everything min may do.
func (r Role) AtLeast(min Role) bool { return r.rank() >= min.rank() && r.rank() > 0 }
