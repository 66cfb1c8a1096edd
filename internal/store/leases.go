package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrFenced: a write carried a fencing token older than the lease's: a
// newer leader took over, and the replica that wrote must stop acting.
// Nothing was written.
var ErrFenced = errors.New("fenced: a newer leader holds the lease")

// Lease is a named, time-bound right to act alone (the leader's right to
// run the monitor, diagnosis and executor). Token grows by one every time
// the lease changes hands and never goes back; it is the fencing token.
type Lease struct {
	Name       string    `json:"name"`
	Holder     string    `json:"holder"`
	Token      int64     `json:"token"`
	AcquiredAt time.Time `json:"acquired_at"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// Held reports whether holder holds the lease at now.
func (l Lease) Held(holder string, now time.Time) bool {
	return l.Holder == holder && now.Before(l.ExpiresAt)
}

// Leases elects one leader among replicas sharing a store.
//
// Times come from the caller, as everywhere in the store; replicas are
// expected to have clocks within a small part of the lease's TTL of each
// other (NTP), which is what bounds how long two replicas can both believe
// they lead. The fencing token makes that harmless for the state store: a
// deposed leader's writes are refused (ErrFenced) once the lease moved.
type Leases interface {
	// AcquireLease takes the lease for holder until now+ttl if it is free,
	// expired, or already holder's (a renewal: the token stays). Taking it
	// from another holder, or after it expired, gives a new token (the old
	// one + 1). It returns the lease as it stands after the call and
	// whether holder holds it; a lease held by someone else is not an error.
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration, now time.Time) (Lease, bool, error)
	// ReleaseLease gives the lease up if holder holds it (it expires now),
	// so a replica shutting down hands over at once instead of after the TTL.
	ReleaseLease(ctx context.Context, name, holder string, now time.Time) error
	// GetLease returns the lease, or ErrNotFound if nobody ever took it.
	GetLease(ctx context.Context, name string) (Lease, error)
}

// Fence is a lease's fencing token carried by a context: every write a
// backend makes under that context first checks, in the same transaction,
// that the lease still has this token, and refuses with ErrFenced if not.
type Fence struct {
	Lease string
	Token int64
}

func (f Fence) String() string { return fmt.Sprintf("lease %s token %d", f.Lease, f.Token) }

type fenceKey struct{}

// WithFence returns a context whose store writes are fenced by f.
func WithFence(ctx context.Context, f Fence) context.Context {
	return context.WithValue(ctx, fenceKey{}, f)
}

// FenceFrom returns the fence a context carries, if any.
func FenceFrom(ctx context.Context) (Fence, bool) {
	f, ok := ctx.Value(fenceKey{}).(Fence)
	return f, ok
}

// Fenced is the error a backend returns when the lease's token is not the
// fence's: which lease, the write's token and the lease's.
func Fenced(f Fence, current int64, holder string) error {
	return fmt.Errorf("%w (%s is now held by %s with token %d; this write carried token %d)", ErrFenced, f.Lease, holder, current, f.Token)
}

// WithoutFence returns ctx with any fence removed: for the lease's own
// writes, which the fence is checked against.
func WithoutFence(ctx context.Context) context.Context {
	if _, ok := FenceFrom(ctx); !ok {
		return ctx
	}
	return context.WithValue(ctx, fenceKey{}, nil)
}

// CheckLeaseRequest refuses an acquisition without a name, a holder or a
// positive TTL.
func CheckLeaseRequest(name, holder string, ttl time.Duration) error {
	if name == "" || holder == "" || ttl <= 0 {
		return fmt.Errorf("%w: a lease needs a name, a holder and a positive TTL", ErrInvalid)
	}
	return nil
}

// NextLease decides an acquisition, the same on every backend: from the
// stored lease (found false: nobody ever took it) to what holder gets at
// now. held false means someone else holds it and nothing is written;
// otherwise next is to be stored: a renewal keeps the token, a lease
// taken fresh or after it lapsed gets the next one.
func NextLease(cur Lease, found bool, name, holder string, ttl time.Duration, now time.Time) (next Lease, held bool) {
	switch {
	case !found:
		next = Lease{Name: name, Holder: holder, Token: 1, AcquiredAt: now}
	case cur.Holder == holder && now.Before(cur.ExpiresAt):
		next = cur
	case now.Before(cur.ExpiresAt):
		return cur, false
	default:
		next = Lease{Name: name, Holder: holder, Token: cur.Token + 1, AcquiredAt: now}
	}
	next.ExpiresAt = now.Add(ttl)
	return next, true
}

// CheckFence is the fence check every backend makes in a fenced write's
// transaction, given the lease as stored (found false: nobody took it).
func CheckFence(f Fence, cur Lease, found bool) error {
	switch {
	case !found:
		return Fenced(f, 0, "nobody")
	case cur.Token != f.Token:
		return Fenced(f, cur.Token, cur.Holder)
	}
	return nil
}
