package pd

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// limitedBody reads at most max bytes and fails, instead of truncating, when
// the body is longer.
type limitedBody struct {
	r    io.Reader
	left int64
	max  int64
}

// errBodyTooLarge is returned when a body exceeds Config.MaxBodyBytes.
type errBodyTooLarge struct{ max int64 }

func (e errBodyTooLarge) Error() string {
	return fmt.Sprintf("body larger than %d bytes (Config.MaxBodyBytes)", e.max)
}

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.left <= 0 {
		var probe [1]byte
		n, err := l.r.Read(probe[:])
		if n > 0 {
			return 0, errBodyTooLarge{l.max}
		}
		return 0, err
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// into decodes one JSON value into v and refuses trailing data.
func into(v any) decodeFunc {
	return func(r io.Reader) error {
		dec := json.NewDecoder(r)
		if err := dec.Decode(v); err != nil {
			return describeDecodeErr(err, v)
		}
		return expectEOF(dec)
	}
}

func expectEOF(dec *json.Decoder) error {
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return fmt.Errorf("after the JSON value: %w", err)
		}
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}

func describeDecodeErr(err error, v any) error {
	switch {
	case errors.Is(err, io.EOF):
		return errors.New("empty body")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("truncated body (decoding %T): %w", v, err)
	}
	return fmt.Errorf("decoding %T: %w", v, err)
}

// regionsInto decodes a {"count":N,"regions":[...]} body one region at a
// time. GET /regions on a large cluster is hundreds of MiB; streaming the
// array keeps only the decoded structs in memory, not the body as well.
func regionsInto(out *RegionsInfo) decodeFunc { return regionPageInto(out, 0) }

// regionPageInto is regionsInto for one page of at most limit regions (0:
// no limit): paged lists report the total as count, which must not size
// the slice for a page of a few regions.
func regionPageInto(out *RegionsInfo, limit int) decodeFunc {
	return func(r io.Reader) error {
		dec := json.NewDecoder(r)
		if err := expectDelim(dec, '{'); err != nil {
			return err
		}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return describeDecodeErr(err, out)
			}
			key, _ := tok.(string)
			switch key {
			case "count":
				if err := dec.Decode(&out.Count); err != nil {
					return fmt.Errorf("count: %w", describeDecodeErr(err, out))
				}
			case "regions":
				hint := out.Count
				if limit > 0 {
					hint = min(hint, limit)
				}
				if err := decodeRegionArray(dec, out, hint); err != nil {
					return err
				}
			default:
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return describeDecodeErr(err, out)
				}
			}
		}
		if err := expectDelim(dec, '}'); err != nil {
			return err
		}
		return expectEOF(dec)
	}
}

func decodeRegionArray(dec *json.Decoder, out *RegionsInfo, sizeHint int) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("regions: %w", describeDecodeErr(err, out))
	}
	if tok == nil { // "regions": null, as /regions/count writes
		out.Regions = nil
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return fmt.Errorf("regions: want an array, got %v", tok)
	}
	// PD writes count before regions; it sizes the slice, within reason
	// (it is a preallocation hint, never trusted beyond 1M entries).
	out.Regions = make([]RegionInfo, 0, min(max(sizeHint, 0), 1<<20))
	for dec.More() {
		out.Regions = append(out.Regions, RegionInfo{})
		if err := dec.Decode(&out.Regions[len(out.Regions)-1]); err != nil {
			return fmt.Errorf("region #%d: %w", len(out.Regions)-1, describeDecodeErr(err, &RegionInfo{}))
		}
	}
	return expectDelim(dec, ']')
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) && want == '{' {
			return errors.New("empty body")
		}
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("truncated body: missing %q", want)
		}
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("want %q, got %v", want, tok)
	}
	return nil
}
