package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"strings"
)

// tokenPrefix marks Operator's tokens, so a leaked one is recognisable
// (and secret scanners can look for it).
const tokenPrefix = "optk_"

// NewToken returns a fresh random token and the hash to store.
func NewToken() (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("generate a token: %w", err)
	}
	token = tokenPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
	return token, HashToken(token), nil
}

// HashToken is the stored form of a token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return hex.EncodeToString(sum[:])
}

// LooksLikeToken reports whether s has a token's shape; used to refuse a
// token pasted where a name belongs.
func LooksLikeToken(s string) bool { return strings.HasPrefix(strings.TrimSpace(s), tokenPrefix) }
