package audit

import (
	"context"
	"errors"
	"fmt"
)

// Anchor is a (seq, hash) pair of a record known to exist, kept outside the
// log: printed by `operator audit verify`, pasted into a ticket, sent to a
// log collector. A hash chain proves each record follows the one before it,
// so removing records from the end leaves a shorter chain that is still
// perfectly valid; nothing inside the log can say that more records used to
// exist. Only a copy of a later point, stored elsewhere, can.
type Anchor struct {
	Seq  int64
	Hash string
}

// Problem classifies what Verify found.
type Problem string

const (
	ProblemNone       Problem = ""
	ProblemChanged    Problem = "changed"     // content no longer matches its hash
	ProblemMissing    Problem = "missing"     // a seq number is absent
	ProblemBrokenLink Problem = "broken-link" // PrevHash is not the previous record's hash
	ProblemOutOfOrder Problem = "out-of-order"
	ProblemTruncated  Problem = "truncated" // fewer records than the anchor proves existed
	ProblemAnchor     Problem = "anchor-mismatch"
)

// Report is the result of Verify.
type Report struct {
	Records  int64  // records read
	LastSeq  int64  // seq of the last record read (0: empty log)
	LastHash string // its hash (Genesis: empty log)
	OK       bool
	// When !OK: the first bad seq, what is wrong and a sentence for a
	// person at 3 a.m.
	BadSeq  int64
	Problem Problem
	Reason  string
	// Anchored says whether an anchor was checked; without one a deleted
	// tail cannot be detected, and String says so.
	Anchored bool
}

func (r Report) String() string {
	if !r.OK {
		return fmt.Sprintf("AUDIT LOG TAMPERED at record %d: %s", r.BadSeq, r.Reason)
	}
	s := fmt.Sprintf("%d records, chain intact (last seq %d, hash %s)", r.Records, r.LastSeq, r.LastHash)
	if !r.Anchored {
		s += "; no anchor given, so records deleted from the end would not show (keep this line elsewhere and pass it as the anchor next time)"
	}
	return s
}

// errStop ends the walk at the first problem.
var errStop = errors.New("stop")

// Verify walks the whole log in seq order and checks that every record
// hashes to its Hash, that seqs run 1, 2, 3... without gaps and that each
// PrevHash is the previous record's Hash (Genesis for the first). With an
// anchor it also checks the record at anchor.Seq exists and has
// anchor.Hash, which is what catches a deleted tail. Tampering is reported
// in the Report; the error is only for failing to read the log.
func Verify(ctx context.Context, l Log, anchor *Anchor) (Report, error) {
	rep := Report{LastHash: Genesis, Anchored: anchor != nil}
	bad := func(seq int64, p Problem, format string, args ...any) error {
		rep.BadSeq, rep.Problem, rep.Reason = seq, p, fmt.Sprintf(format, args...)
		return errStop
	}
	err := l.All(ctx, func(r Record) error {
		want := rep.LastSeq + 1
		switch {
		case r.Seq < want:
			return bad(r.Seq, ProblemOutOfOrder, "record %d appears after record %d; records were reordered or inserted", r.Seq, rep.LastSeq)
		case r.Seq == want+1:
			return bad(want, ProblemMissing, "record %d is missing (the log jumps from %d to %d); it was deleted", want, rep.LastSeq, r.Seq)
		case r.Seq > want:
			return bad(want, ProblemMissing, "records %d to %d are missing (the log jumps from %d to %d); they were deleted", want, r.Seq-1, rep.LastSeq, r.Seq)
		}
		h, err := HashOf(r)
		if err != nil {
			return bad(r.Seq, ProblemChanged, "record %d cannot be hashed (%v); its content was changed", r.Seq, err)
		}
		if h != r.Hash {
			return bad(r.Seq, ProblemChanged, "record %d was changed after it was written: its content does not match its hash", r.Seq)
		}
		if r.PrevHash != rep.LastHash {
			if rep.LastSeq == 0 {
				return bad(r.Seq, ProblemBrokenLink, "record %d does not start the chain (its previous hash is not the genesis value); records before it were deleted or it was forged", r.Seq)
			}
			return bad(r.Seq, ProblemBrokenLink, "record %d does not follow record %d (its previous hash is not record %d's hash); records between them were deleted or replaced, or one was rewritten with a recomputed hash", r.Seq, rep.LastSeq, rep.LastSeq)
		}
		if anchor != nil && r.Seq == anchor.Seq && r.Hash != anchor.Hash {
			return bad(r.Seq, ProblemAnchor, "record %d has hash %s but the anchor says %s; the log was rewritten from here (or the anchor is from another log)", r.Seq, r.Hash, anchor.Hash)
		}
		rep.Records++
		rep.LastSeq, rep.LastHash = r.Seq, r.Hash
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return rep, fmt.Errorf("verify audit log: %w", err)
	}
	if rep.Problem == ProblemNone && anchor != nil && rep.LastSeq < anchor.Seq {
		rep.BadSeq, rep.Problem = rep.LastSeq+1, ProblemTruncated
		rep.Reason = fmt.Sprintf("the log ends at record %d but the anchor proves record %d existed; records %d to %d were deleted from the end",
			rep.LastSeq, anchor.Seq, rep.LastSeq+1, anchor.Seq)
	}
	rep.OK = rep.Problem == ProblemNone
	return rep, nil
}
