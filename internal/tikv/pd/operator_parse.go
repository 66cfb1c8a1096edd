package pd

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// PD reports operators as the text of Go's String() method rather than as
// objects. The shape, for one operator:
//
//	DESC {BRIEF} (kind:K1,K2, region:ID(VERSION, CONF_VER), createAt:TIME,
//	startAt:TIME, currentStep:N, size:MIB, steps:[0:{STEP}, 1:{STEP}],
//	timeout:[DURATION])[ finished][ timeout][ (finishAt:TIME, duration:DURATION)]
//
// GET /operators/{region} prefixes it with "status: WORD, operator: ";
// GET /operators/records appends the finishAt part. TIME is Go's default
// time format, with a monotonic clock reading (" m=+149.016070424") when the
// time came from time.Now. Step texts contain ", " themselves, so fields are
// found by their labels in order, and steps by brace matching.

// ParseOperatorStatus parses the answer of GET /operators/{region}:
// "status: RUNNING, operator: admin-transfer-leader {...} (...)".
func ParseOperatorStatus(s string) (OperatorDetail, error) {
	rest, ok := strings.CutPrefix(s, "status: ")
	if !ok {
		return OperatorDetail{}, operatorTextError(s, `no "status: " prefix`)
	}
	word, text, ok := strings.Cut(rest, ", operator: ")
	if !ok {
		return OperatorDetail{}, operatorTextError(s, `no ", operator: " after the status`)
	}
	d, err := parseOperatorText(text)
	if err != nil {
		return OperatorDetail{}, operatorTextError(s, err.Error())
	}
	d.Raw = s
	d.StateWord = word
	d.State = operatorStateFromWord(word)
	return d, nil
}

// ParseOperatorString parses one entry of GET /operators or
// GET /operators/records (no "status:" prefix). State is taken from a
// " finished" (Success) or " timeout" (Timeout) suffix, else left Unknown.
func ParseOperatorString(s string) (OperatorDetail, error) {
	d, err := parseOperatorText(s)
	if err != nil {
		return OperatorDetail{}, operatorTextError(s, err.Error())
	}
	d.Raw = s
	switch {
	case d.Finished:
		d.State = OperatorSuccess
	case d.TimedOut:
		d.State = OperatorTimeout
	}
	return d, nil
}

func operatorTextError(s, why string) error {
	return fmt.Errorf("cannot parse PD operator text (%s): %q", why, truncate(s, 120))
}

func operatorStateFromWord(w string) OperatorState {
	switch w {
	case "RUNNING":
		return OperatorRunning
	case "SUCCESS":
		return OperatorSuccess
	case "TIMEOUT":
		return OperatorTimeout
	case "CANCEL":
		return OperatorCancel
	case "REPLACE":
		return OperatorReplace
	}
	return OperatorStateUnknown
}

// fieldScanner walks a string label by label.
type fieldScanner struct {
	rest string
	err  error
}

// upTo returns the text before the next sep and moves past sep.
func (f *fieldScanner) upTo(sep, field string) string {
	if f.err != nil {
		return ""
	}
	before, after, ok := strings.Cut(f.rest, sep)
	if !ok {
		f.err = fmt.Errorf("no %s (looked for %q)", field, sep)
		return ""
	}
	f.rest = after
	return before
}

func parseOperatorText(s string) (OperatorDetail, error) {
	var d OperatorDetail
	head, body, ok := strings.Cut(s, " (kind:")
	if !ok {
		return d, errors.New(`no " (kind:" section`)
	}
	desc, brief, hasBrief := strings.Cut(head, " {")
	if hasBrief {
		var closed bool
		brief, closed = strings.CutSuffix(brief, "}")
		if !closed {
			return d, errors.New("brief does not end with }")
		}
	}
	d.Desc, d.Brief = desc, brief

	f := &fieldScanner{rest: body}
	kind := f.upTo(", region:", "region")
	region := f.upTo(", createAt:", "createAt")
	createAt := f.upTo(", startAt:", "startAt")
	startAt := f.upTo(", currentStep:", "currentStep")
	step := f.upTo(", size:", "size")
	size := f.upTo(", steps:[", "steps")
	if f.err != nil {
		return d, f.err
	}
	// Steps end at the last "], timeout:[" (steps may contain brackets).
	i := strings.LastIndex(f.rest, "], timeout:[")
	if i < 0 {
		return d, errors.New("no timeout")
	}
	steps := f.rest[:i]
	f.rest = f.rest[i+len("], timeout:["):]
	timeout := f.upTo("])", "end of timeout")
	if f.err != nil {
		return d, f.err
	}

	var err error
	d.Kind, d.KindNames = parseOpKinds(kind)
	if d.RegionID, d.Epoch, err = parseOpRegion(region); err != nil {
		return d, err
	}
	if d.CreateAt, err = parseGoTime(createAt); err != nil {
		return d, fmt.Errorf("createAt: %w", err)
	}
	if d.StartAt, err = parseGoTime(startAt); err != nil {
		return d, fmt.Errorf("startAt: %w", err)
	}
	if d.CurrentStep, err = strconv.Atoi(step); err != nil {
		return d, fmt.Errorf("currentStep: %w", err)
	}
	if d.Size, err = strconv.ParseInt(size, 10, 64); err != nil {
		return d, fmt.Errorf("size: %w", err)
	}
	if d.Steps, err = parseOpSteps(steps); err != nil {
		return d, err
	}
	if d.Timeout, err = time.ParseDuration(timeout); err != nil {
		return d, fmt.Errorf("timeout: %w", err)
	}
	return d, parseOpTail(&d, f.rest)
}

func parseOpKinds(s string) (OpKind, []string) {
	var k OpKind
	var names []string
	for _, n := range strings.Split(s, ",") {
		n = strings.TrimSpace(n)
		if n == "" || n == "unknown" {
			continue
		}
		names = append(names, n)
		if bit, ok := opKindByName(n); ok {
			k |= bit
		}
	}
	return k, names
}

// parseOpRegion parses "281(1, 1)": region ID, then epoch version and conf_ver.
func parseOpRegion(s string) (RegionID, RegionEpoch, error) {
	id, epoch, ok := strings.Cut(s, "(")
	if !ok {
		return 0, RegionEpoch{}, fmt.Errorf("region %q: no epoch", s)
	}
	epoch, ok = strings.CutSuffix(epoch, ")")
	if !ok {
		return 0, RegionEpoch{}, fmt.Errorf("region %q: epoch not closed", s)
	}
	ver, conf, ok := strings.Cut(epoch, ", ")
	if !ok {
		return 0, RegionEpoch{}, fmt.Errorf("region %q: epoch is not (version, conf_ver)", s)
	}
	rid, err1 := strconv.ParseUint(id, 10, 64)
	v, err2 := strconv.ParseUint(ver, 10, 64)
	c, err3 := strconv.ParseUint(conf, 10, 64)
	if err := errors.Join(err1, err2, err3); err != nil {
		return 0, RegionEpoch{}, fmt.Errorf("region %q: %w", s, err)
	}
	return RegionID(rid), RegionEpoch{Version: v, ConfVer: c}, nil
}

// Go's time.Time.String layout, as PD prints createAt/startAt/finishAt.
const goTimeLayout = "2006-01-02 15:04:05.999999999 -0700 MST"

// parseGoTime parses Go's default time format, dropping the monotonic clock
// reading (" m=+149.016070424") that time.Now values carry.
func parseGoTime(s string) (time.Time, error) {
	if i := strings.Index(s, " m="); i >= 0 {
		s = s[:i]
	}
	t, err := time.Parse(goTimeLayout, s)
	if err != nil {
		// Some zones print no abbreviation PD's reader can take; the
		// numeric offset alone is enough.
		if i := strings.LastIndexByte(s, ' '); i > 0 {
			if t2, err2 := time.Parse("2006-01-02 15:04:05.999999999 -0700", s[:i]); err2 == nil {
				return normalizeZero(t2), nil
			}
		}
		return time.Time{}, err
	}
	return normalizeZero(t), nil
}

func normalizeZero(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t
}

// parseOpSteps splits "0:{add learner peer 2 on store 5}, 1:{...}".
func parseOpSteps(s string) ([]string, error) {
	var steps []string
	for s != "" {
		idx, rest, ok := strings.Cut(s, ":{")
		if !ok {
			return nil, fmt.Errorf("step %d: no \":{\"", len(steps))
		}
		if _, err := strconv.Atoi(idx); err != nil {
			return nil, fmt.Errorf("step %d: index %q is not a number", len(steps), truncate(idx, 20))
		}
		depth, end := 1, -1
		for i := 0; i < len(rest) && end < 0; i++ {
			switch rest[i] {
			case '{':
				depth++
			case '}':
				depth--
				if depth == 0 {
					end = i
				}
			}
		}
		if end < 0 {
			return nil, fmt.Errorf("step %d: no closing }", len(steps))
		}
		steps = append(steps, rest[:end])
		s = rest[end+1:]
		if s == "" {
			break
		}
		var more bool
		if s, more = strings.CutPrefix(s, ", "); !more {
			return nil, fmt.Errorf("step %d: unexpected %q after it", len(steps)-1, truncate(s, 20))
		}
	}
	return steps, nil
}

// parseOpTail reads what follows "timeout:[...])": optional " finished" or
// " timeout", then an optional records part " (finishAt:..., duration:...)".
func parseOpTail(d *OperatorDetail, tail string) error {
	var ok bool
	if tail, ok = strings.CutPrefix(tail, " finished"); ok {
		d.Finished = true
	}
	if tail, ok = strings.CutPrefix(tail, " timeout"); ok {
		d.TimedOut = true
	}
	if tail == "" {
		return nil
	}
	rec, ok := strings.CutPrefix(tail, " (finishAt:")
	if !ok {
		return fmt.Errorf("unexpected text after the operator: %q", truncate(tail, 40))
	}
	f := &fieldScanner{rest: rec}
	finish := f.upTo(", duration:", "duration")
	elapsed := f.upTo(")", "end of record")
	if f.err != nil {
		return f.err
	}
	if f.rest != "" {
		return fmt.Errorf("unexpected text after the record: %q", truncate(f.rest, 40))
	}
	var err error
	if d.FinishAt, err = parseGoTime(finish); err != nil {
		return fmt.Errorf("finishAt: %w", err)
	}
	if d.Elapsed, err = time.ParseDuration(elapsed); err != nil {
		return fmt.Errorf("duration: %w", err)
	}
	return nil
}
