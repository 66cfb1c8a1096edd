package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
)

// Export writes every record as one JSON object per line (JSON Lines), in
// seq order, with the fields of Record in snake_case. The output verifies
// on its own: Decode it into a Slice and Verify that.
func Export(ctx context.Context, l Log, w io.Writer) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	if err := l.All(ctx, func(r Record) error {
		if r.Data == nil {
			r.Data = map[string]any{}
		}
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("export record %d: %w", r.Seq, err)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("export audit log: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("export audit log: %w", err)
	}
	return nil
}

// Decode reads JSON Lines written by Export and calls fn for each record,
// numbers in data as json.Number so the records hash as they did.
func Decode(r io.Reader, fn func(Record) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		d.DisallowUnknownFields()
		var rec Record
		if err := d.Decode(&rec); err != nil {
			return fmt.Errorf("audit export line %d: %w", line, err)
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read audit export: %w", err)
	}
	return nil
}
