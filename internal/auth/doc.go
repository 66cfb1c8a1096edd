// Package auth holds who may use the daemon's API: identities with a
// role, and the bearer tokens they present. Tokens are random, shown once
// when created, and stored only as their SHA-256: a copy of the database
// gives no usable token. A token has 256 bits of entropy, so an unsalted
// hash is enough (the salt in password hashing exists for low-entropy
// secrets).
package auth
