// Package audit is the operator's tamper-evident record of what it did: an
// append-only log of proposals, approvals, rejections, state transitions,
// PD calls and outcomes, each record chained to the one before it by a
// SHA-256 hash, the way etcd's WAL chains CRCs record to record.
//
// The chain makes edits and deletions detectable, not impossible: anyone
// with write access to the storage can change a row, but then the row's
// hash no longer matches its content, or the next record's PrevHash no
// longer matches the row, and Verify says where. A storage backend only
// stores and streams records; hashing, validation and the secret guard live
// here so every backend chains identically.
package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kinds of record. Kind is an open set (a string), these are the ones the
// core writes.
const (
	KindProposal   = "proposal"
	KindApproval   = "approval"
	KindRejection  = "rejection"
	KindTransition = "transition"
	KindPDCall     = "pd-call"
	KindOutcome    = "outcome"
)

// Genesis is the PrevHash of the first record: 64 zeros, the width of a
// SHA-256 hex digest, so every PrevHash has the same shape.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// hashVersion is hashed first, so a future change of the encoding can be
// told apart from tampering.
const hashVersion = "operator-audit-v1"

// ErrInvalid marks a record that cannot be appended (missing fields, data
// that is not JSON).
var ErrInvalid = errors.New("invalid audit record")

// Record is one entry of the log. Seq, PrevHash and Hash are assigned by
// the log on Append; callers fill the rest.
type Record struct {
	Seq      int64          `json:"seq"`
	At       time.Time      `json:"at"`
	Actor    string         `json:"actor"`   // who: "alice", "policy/low-risk", "executor"
	Kind     string         `json:"kind"`    // KindProposal, ...
	Subject  string         `json:"subject"` // what it is about: "transfer_leader region 42 -> store 5"
	Ref      string         `json:"ref"`     // the object: "run/12", "ticket/7"
	Data     map[string]any `json:"data"`
	PrevHash string         `json:"prev_hash"`
	Hash     string         `json:"hash"`
}

// Log is an append-only sequence of records. There is deliberately no way
// to change or remove a record.
type Log interface {
	// Append assigns the next Seq and the PrevHash, computes the Hash and
	// stores the record atomically, so concurrent appends chain in some
	// order. It returns the stored record.
	Append(ctx context.Context, r Record) (Record, error)
	// All calls fn for every record in Seq order, streaming. It stops at the
	// first error fn returns and returns it.
	All(ctx context.Context, fn func(Record) error) error
}

// Prepare validates r and puts it in the form that is hashed and stored: At
// in UTC, Data canonical (numbers as json.Number, so what is read back
// hashes the same as what was written). It refuses records that carry
// something that looks like a secret. Seq, PrevHash and Hash are cleared.
// Backends call it before their write transaction.
func Prepare(r Record) (Record, error) {
	r.Seq, r.PrevHash, r.Hash = 0, "", ""
	switch {
	case r.At.IsZero():
		return r, fmt.Errorf("%w: no time (At)", ErrInvalid)
	case strings.TrimSpace(r.Actor) == "":
		return r, fmt.Errorf("%w: no actor", ErrInvalid)
	case strings.TrimSpace(r.Kind) == "":
		return r, fmt.Errorf("%w: no kind", ErrInvalid)
	}
	r.At = r.At.UTC()
	raw, err := CanonicalData(r.Data)
	if err != nil {
		return r, err
	}
	if r.Data, err = DecodeData(raw); err != nil {
		return r, err
	}
	if err := checkSecrets(r); err != nil {
		return r, err
	}
	return r, nil
}

// Seal gives a prepared record its place in the chain.
func Seal(r Record, seq int64, prev string) (Record, error) {
	r.Seq, r.PrevHash = seq, prev
	h, err := HashOf(r)
	if err != nil {
		return r, err
	}
	r.Hash = h
	return r, nil
}

// CanonicalData is the JSON of data with object keys sorted at every
// level (encoding/json sorts map keys), no HTML escaping, and json.Number
// written as its literal. Nil data is {}.
func CanonicalData(data map[string]any) ([]byte, error) {
	if data == nil {
		data = map[string]any{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(data); err != nil {
		return nil, fmt.Errorf("%w: data is not JSON: %w", ErrInvalid, err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// DecodeData reads stored data back, numbers as json.Number.
func DecodeData(raw []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	m := map[string]any{}
	if err := d.Decode(&m); err != nil {
		return nil, fmt.Errorf("decode audit data: %w", err)
	}
	return m, nil
}

// HashOf is the SHA-256 (hex) of the record's canonical encoding: a JSON
// array of the version tag, seq, at (UTC, RFC 3339 with nanoseconds),
// actor, kind, subject, ref, the canonical data and the previous hash.
// JSON string escaping makes the fields unambiguous (no separator tricks).
func HashOf(r Record) (string, error) {
	data, err := CanonicalData(r.Data)
	if err != nil {
		return "", err
	}
	enc, err := json.Marshal([]any{
		hashVersion, r.Seq, r.At.UTC().Format(time.RFC3339Nano),
		r.Actor, r.Kind, r.Subject, r.Ref, json.RawMessage(data), r.PrevHash,
	})
	if err != nil {
		return "", fmt.Errorf("encode record %d for hashing: %w", r.Seq, err)
	}
	sum := sha256.Sum256(enc)
	return hex.EncodeToString(sum[:]), nil
}

// ErrReadOnly is returned by Append on a log opened for reading only.
var ErrReadOnly = errors.New("audit log is read-only")
