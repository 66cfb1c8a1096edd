package auth

import (
	"errors"
	"fmt"
	"regexp"
	"time"
)

// ErrInvalid marks a malformed identity.
var ErrInvalid = errors.New("invalid identity")

// User is an identity that may call the API.
type User struct {
	Name      string     `json:"name"`
	Role      Role       `json:"role"`
	CreatedAt time.Time  `json:"created_at"`
	CreatedBy string     `json:"created_by"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._@-]{0,63}$`)

// ValidateName checks a user name: lower case letters, digits and . _ @ -,
// at most 64, so it reads the same in every log and audit record.
func ValidateName(name string) error {
	if LooksLikeToken(name) {
		return fmt.Errorf("%w: that is a token, not a name", ErrInvalid)
	}
	if !nameRE.MatchString(name) {
		return fmt.Errorf("%w: name %q: use lower-case letters, digits and . _ @ - (at most 64)", ErrInvalid, name)
	}
	return nil
}

// Active reports whether the identity may still authenticate.
func (u User) Active() bool { return u.RevokedAt == nil }
