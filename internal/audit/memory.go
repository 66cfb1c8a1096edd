package audit

import (
	"context"
	"sync"
)

// Memory is a Log held in memory, for tests and for tools that do not
// keep state. The zero value is ready to use.
type Memory struct {
	mu   sync.Mutex
	recs []Record
}

var _ Log = (*Memory)(nil)

// Append implements Log.
func (m *Memory) Append(_ context.Context, r Record) (Record, error) {
	r, err := Prepare(r)
	if err != nil {
		return Record{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	prev := Genesis
	if n := len(m.recs); n > 0 {
		prev = m.recs[n-1].Hash
	}
	r, err = Seal(r, int64(len(m.recs))+1, prev)
	if err != nil {
		return Record{}, err
	}
	m.recs = append(m.recs, r)
	return r, nil
}

// All implements Log. It iterates over a snapshot taken when called.
func (m *Memory) All(ctx context.Context, fn func(Record) error) error {
	m.mu.Lock()
	recs := m.recs[:len(m.recs):len(m.recs)]
	m.mu.Unlock()
	return Slice(recs).All(ctx, fn)
}

// Slice is a read-only Log over records as they are, not re-hashed: what
// Verify needs to check an export (Decode into a Slice) or a tampered copy.
type Slice []Record

// Append refuses: a Slice is a copy to check, not a log to write.
func (s Slice) Append(context.Context, Record) (Record, error) {
	return Record{}, ErrReadOnly
}

// All implements Log.
func (s Slice) All(ctx context.Context, fn func(Record) error) error {
	for _, r := range s {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}
