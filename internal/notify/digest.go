package notify

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// digest collects routine messages between two Digest calls.
type digest struct {
	mu      sync.Mutex
	since   time.Time
	limit   int
	entries []Message
	counts  map[string]int // by kind
	total   int
}

func newDigest(since time.Time, limit int) digest {
	return digest{since: since, limit: limit, counts: map[string]int{}}
}

func (d *digest) add(m Message) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.total++
	d.counts[m.Kind]++
	if len(d.entries) < d.limit {
		d.entries = append(d.entries, m)
	}
}

// Digest returns one routine message summing up every routine message since
// the previous call (or since New), and starts a new period at now. It
// returns false, and still starts a new period, when there was none. The
// daemon calls it daily and sends the result with SendDigest, or itself.
func (n *Notifier) Digest(now time.Time) (Message, bool) {
	d := &n.digest
	d.mu.Lock()
	entries, counts, total, since := d.entries, d.counts, d.total, d.since
	d.entries, d.counts, d.total, d.since = nil, map[string]int{}, 0, now
	d.mu.Unlock()
	if total == 0 {
		return Message{}, false
	}
	return digestMessage(since, now, entries, counts, total), true
}

// SendDigest sends the digest (if there is one) where notable messages go,
// with the same retries and dead letter. A digest is routine by tier but is
// the one routine message that is sent.
func (n *Notifier) SendDigest(ctx context.Context, now time.Time) error {
	m, ok := n.Digest(now)
	if !ok {
		return nil
	}
	return n.sendTo(ctx, n.notable, m)
}

func digestMessage(since, now time.Time, entries []Message, counts map[string]int, total int) Message {
	var b strings.Builder
	fmt.Fprintf(&b, "Routine events from %s to %s UTC:", since.UTC().Format(time.DateTime), now.UTC().Format(time.DateTime))
	for _, e := range entries {
		fmt.Fprintf(&b, "\n• %s %s: %s", e.At.UTC().Format(time.TimeOnly), e.Kind, e.Title)
		if e.RunID != 0 {
			fmt.Fprintf(&b, " (run %d)", e.RunID)
		}
	}
	if more := total - len(entries); more > 0 {
		fmt.Fprintf(&b, "\n… and %d more", more)
	}
	kinds := make([]string, 0, len(counts))
	for k := range counts {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	fields := make([]Field, 0, len(kinds))
	for _, k := range kinds {
		name := k
		if name == "" {
			name = "(no kind)"
		}
		fields = append(fields, Field{Name: name, Value: fmt.Sprint(counts[k])})
	}
	return Message{
		Tier:   Routine,
		Kind:   KindDigest,
		Title:  fmt.Sprintf("Daily digest: %s", plural(total, "routine event")),
		Text:   b.String(),
		Fields: fields,
		At:     now,
	}
}
