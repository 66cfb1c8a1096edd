package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/audit"
)

var t0 = time.Date(2026, 11, 25, 9, 0, 0, 123456789, time.FixedZone("CET", 3600))

func rec(i int) audit.Record {
	return audit.Record{
		At: t0.Add(time.Duration(i) * time.Second), Actor: "alice", Kind: audit.KindTransition,
		Subject: fmt.Sprintf("transfer_leader region %d -> store 5", i), Ref: fmt.Sprintf("run/%d", i),
		Data: map[string]any{"region": 9007199254740993 + i, "from": "queued", "to": "running", "ratio": 0.25,
			"nested": map[string]any{"z": []any{1, "x", nil, true}, "a": "<&>"}},
	}
}

func chain(t *testing.T, n int) audit.Slice {
	t.Helper()
	var m audit.Memory
	for i := range n {
		if _, err := m.Append(t.Context(), rec(i)); err != nil {
			t.Fatal(err)
		}
	}
	var out audit.Slice
	if err := m.All(t.Context(), func(r audit.Record) error { out = append(out, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func verify(t *testing.T, l audit.Log, a *audit.Anchor) audit.Report {
	t.Helper()
	rep, err := audit.Verify(t.Context(), l, a)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestChainVerifies(t *testing.T) {
	recs := chain(t, 50)
	if recs[0].PrevHash != audit.Genesis || recs[0].Seq != 1 {
		t.Fatalf("first record: seq %d prev %s", recs[0].Seq, recs[0].PrevHash)
	}
	rep := verify(t, recs, nil)
	if !rep.OK || rep.Records != 50 || rep.LastSeq != 50 || rep.LastHash != recs[49].Hash {
		t.Fatalf("report %+v", rep)
	}
	if !strings.Contains(rep.String(), "50 records, chain intact (last seq 50, hash "+recs[49].Hash+")") ||
		!strings.Contains(rep.String(), "no anchor") {
		t.Fatalf("String() = %q", rep.String())
	}
	if rep := verify(t, audit.Slice(nil), nil); !rep.OK || rep.Records != 0 || rep.LastHash != audit.Genesis {
		t.Fatalf("empty log: %+v", rep)
	}
	// Data comes back canonical: numbers as json.Number, times in UTC.
	if n, ok := recs[0].Data["region"].(json.Number); !ok || n.String() != "9007199254740993" {
		t.Fatalf("region = %#v", recs[0].Data["region"])
	}
	if recs[0].At.Location() != time.UTC || !recs[0].At.Equal(t0) {
		t.Fatalf("at = %v", recs[0].At)
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	good := chain(t, 10)
	rehash := func(r audit.Record) audit.Record {
		h, err := audit.HashOf(r)
		if err != nil {
			t.Fatal(err)
		}
		r.Hash = h
		return r
	}
	cases := []struct {
		name    string
		tamper  func(s audit.Slice) audit.Slice
		anchor  *audit.Anchor
		seq     int64
		problem audit.Problem
		says    string
	}{
		{"data edited", func(s audit.Slice) audit.Slice {
			s[4].Data = map[string]any{"from": "queued", "to": "failed"}
			return s
		}, nil, 5, audit.ProblemChanged, "record 5 was changed"},
		{"actor edited", func(s audit.Slice) audit.Slice { s[0].Actor = "mallory"; return s }, nil, 1, audit.ProblemChanged, "record 1 was changed"},
		{"time edited", func(s audit.Slice) audit.Slice { s[9].At = s[9].At.Add(time.Nanosecond); return s }, nil, 10, audit.ProblemChanged, "changed"},
		{"edited and rehashed", func(s audit.Slice) audit.Slice { s[4].Actor = "mallory"; s[4] = rehash(s[4]); return s },
			nil, 6, audit.ProblemBrokenLink, "record 6 does not follow record 5"},
		{"middle deleted", func(s audit.Slice) audit.Slice { return append(s[:3:3], s[4:]...) }, nil, 4, audit.ProblemMissing, "record 4 is missing"},
		{"several deleted", func(s audit.Slice) audit.Slice { return append(s[:3:3], s[6:]...) }, nil, 4, audit.ProblemMissing, "records 4 to 6 are missing"},
		{"first deleted", func(s audit.Slice) audit.Slice { return s[1:] }, nil, 1, audit.ProblemMissing, "record 1 is missing"},
		{"deleted and renumbered", func(s audit.Slice) audit.Slice {
			out := append(s[:3:3], s[4:]...)
			for i := 3; i < len(out); i++ {
				out[i].Seq--
				out[i] = rehash(out[i])
			}
			return out
		}, nil, 4, audit.ProblemBrokenLink, "record 4 does not follow record 3"},
		{"swapped", func(s audit.Slice) audit.Slice { s[2], s[3] = s[3], s[2]; return s }, nil, 3, audit.ProblemMissing, "record 3 is missing"},
		{"swapped seqs too", func(s audit.Slice) audit.Slice {
			s[2], s[3] = s[3], s[2]
			s[2].Seq, s[3].Seq = 3, 4
			return s
		}, nil, 3, audit.ProblemChanged, "record 3 was changed"},
		{"duplicated", func(s audit.Slice) audit.Slice { return append(s[:5:5], s[4:]...) }, nil, 5, audit.ProblemOutOfOrder, "record 5 appears after record 5"},
		{"forged first record", func(s audit.Slice) audit.Slice {
			s[0].PrevHash = strings.Repeat("1", 64)
			s[0] = rehash(s[0])
			return s
		},
			nil, 1, audit.ProblemBrokenLink, "does not start the chain"},
		{"tail deleted, anchored", func(s audit.Slice) audit.Slice { return s[:7] }, &audit.Anchor{Seq: 10, Hash: good[9].Hash},
			8, audit.ProblemTruncated, "the log ends at record 7 but the anchor proves record 10 existed; records 8 to 10 were deleted from the end"},
		{"everything deleted, anchored", func(s audit.Slice) audit.Slice { return nil }, &audit.Anchor{Seq: 10, Hash: good[9].Hash},
			1, audit.ProblemTruncated, "records 1 to 10 were deleted"},
		{"rewritten past anchor", func(s audit.Slice) audit.Slice { return s }, &audit.Anchor{Seq: 6, Hash: strings.Repeat("a", 64)},
			6, audit.ProblemAnchor, "the anchor says"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := c.tamper(append(audit.Slice(nil), good...))
			rep := verify(t, s, c.anchor)
			if rep.OK || rep.BadSeq != c.seq || rep.Problem != c.problem || !strings.Contains(rep.Reason, c.says) {
				t.Fatalf("got bad seq %d, %s: %q; want %d, %s, %q", rep.BadSeq, rep.Problem, rep.Reason, c.seq, c.problem, c.says)
			}
			if !strings.HasPrefix(rep.String(), fmt.Sprintf("AUDIT LOG TAMPERED at record %d: ", c.seq)) {
				t.Fatalf("String() = %q", rep.String())
			}
		})
	}

	// Without an anchor a shorter chain is a valid chain: that is the
	// limit of hash chaining, and the report says so.
	rep := verify(t, good[:7], nil)
	if !rep.OK || !strings.Contains(rep.String(), "records deleted from the end would not show") {
		t.Fatalf("truncated without anchor: %+v %q", rep, rep.String())
	}
	if rep := verify(t, good, &audit.Anchor{Seq: 10, Hash: good[9].Hash}); !rep.OK || !rep.Anchored || strings.Contains(rep.String(), "no anchor") {
		t.Fatalf("anchored intact: %+v", rep)
	}
	if rep := verify(t, good, &audit.Anchor{Seq: 5, Hash: good[4].Hash}); !rep.OK {
		t.Fatalf("anchor in the middle: %+v", rep)
	}
}

func TestAppendRefusesSecrets(t *testing.T) {
	cases := []struct {
		name string
		r    func(r *audit.Record)
		says string
	}{
		{"api_key", func(r *audit.Record) { r.Data["api_key"] = "x" }, "key data.api_key"},
		{"apiKey", func(r *audit.Record) { r.Data["apiKey"] = "x" }, "key data.apiKey"},
		{"X-Api-Key", func(r *audit.Record) { r.Data["X-Api-Key"] = "x" }, "key data.X-Api-Key"},
		{"Authorization nested", func(r *audit.Record) {
			r.Data["request"] = map[string]any{"headers": map[string]string{"Authorization": "x"}}
		}, "key data.request.headers.Authorization"},
		{"password", func(r *audit.Record) { r.Data["db_password"] = "" }, "db_password"},
		{"token", func(r *audit.Record) { r.Data["access_token"] = 1 }, "access_token"},
		{"secret", func(r *audit.Record) { r.Data["clientSecret"] = "x" }, "clientSecret"},
		{"sk- value", func(r *audit.Record) { r.Data["note"] = "sk-proj-abcdef" }, "value of data.note"},
		{"sk-ant- value in list", func(r *audit.Record) { r.Data["args"] = []string{"ok", "sk-ant-api03-xyz"} }, "value of data.args[1]"},
		{"Bearer value", func(r *audit.Record) { r.Data["h"] = "Bearer eyJhbGciOi" }, "value of data.h"},
		{"bearer subject", func(r *audit.Record) { r.Subject = "bearer abc" }, "subject"},
		{"struct field", func(r *audit.Record) {
			r.Data["cfg"] = struct {
				Token string `json:"token"`
			}{"t"}
		}, "data.cfg.token"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var m audit.Memory
			r := rec(1)
			c.r(&r)
			_, err := m.Append(t.Context(), r)
			if !errors.Is(err, audit.ErrSecret) || !strings.Contains(err.Error(), c.says) {
				t.Fatalf("Append = %v, want ErrSecret naming %q", err, c.says)
			}
			if strings.Contains(err.Error(), "sk-") || strings.Contains(err.Error(), "eyJ") {
				t.Fatalf("error repeats the secret: %v", err)
			}
			if rep := verify(t, &m, nil); rep.Records != 0 {
				t.Fatal("refused record was stored")
			}
		})
	}
	// Words that merely contain a secret word are fine.
	var m audit.Memory
	r := rec(1)
	r.Data = map[string]any{"input_tokens": 10, "skipped": "sk", "keyspace": "k", "risk": "Basic", "tokenizer": "cl100k"}
	if _, err := m.Append(t.Context(), r); err != nil {
		t.Fatalf("harmless data refused: %v", err)
	}
}

func TestAppendValidates(t *testing.T) {
	var m audit.Memory
	for name, f := range map[string]func(*audit.Record){
		"no time":  func(r *audit.Record) { r.At = time.Time{} },
		"no actor": func(r *audit.Record) { r.Actor = " " },
		"no kind":  func(r *audit.Record) { r.Kind = "" },
		"not JSON": func(r *audit.Record) { r.Data["f"] = func() {} },
	} {
		r := rec(1)
		f(&r)
		if _, err := m.Append(t.Context(), r); !errors.Is(err, audit.ErrInvalid) {
			t.Errorf("%s: Append = %v, want ErrInvalid", name, err)
		}
	}
}

func TestExportRoundTrips(t *testing.T) {
	recs := chain(t, 20)
	var buf bytes.Buffer
	if err := audit.Export(t.Context(), recs, &buf); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), "\n"); n != 20 {
		t.Fatalf("%d lines, want 20", n)
	}
	if !strings.Contains(buf.String(), `"a":"<&>"`) || !strings.Contains(buf.String(), `"region":9007199254740993`) {
		t.Fatalf("export is not plain JSON:\n%s", buf.String()[:400])
	}
	var back audit.Slice
	if err := audit.Decode(&buf, func(r audit.Record) error { back = append(back, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, recs) {
		t.Fatalf("round trip differs:\n%+v\n%+v", back[0], recs[0])
	}
	if rep := verify(t, back, nil); !rep.OK || rep.Records != 20 {
		t.Fatalf("exported copy does not verify: %+v", rep)
	}
	if err := audit.Decode(strings.NewReader("{\"seq\":1}\n{\"seq\":2,\"bogus\":1}\n"), func(audit.Record) error { return nil }); err == nil ||
		!strings.Contains(err.Error(), "line 2") {
		t.Fatalf("Decode of a bad line = %v", err)
	}
}

func TestHashIsStable(t *testing.T) {
	// A golden hash: a change of the encoding would orphan every stored log.
	r := audit.Record{Seq: 1, At: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), Actor: "a", Kind: "k", Subject: "s", Ref: "r",
		Data: map[string]any{"b": json.Number("1"), "a": "x"}, PrevHash: audit.Genesis}
	h, err := audit.HashOf(r)
	if err != nil {
		t.Fatal(err)
	}
	r2 := r
	r2.Data = map[string]any{"a": "x", "b": json.Number("1")}
	r2.At = r.At.In(time.FixedZone("X", 7200))
	if h2, _ := audit.HashOf(r2); h2 != h {
		t.Fatal("hash depends on map order or time zone")
	}
	const want = "d14b34f9dceb79a99b2f69442134ba7b2b8d4d310c33f17c80fc40a6c22620a8"
	if h != want {
		t.Fatalf("hash = %s, want %s", h, want)
	}
}

func TestVerifyReportsReadErrors(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := audit.Verify(ctx, chain(t, 3), nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Verify on a cancelled context = %v", err)
	}
}

// FuzzDecode: an export file is outside input; Decode must never panic, and
// whatever it accepts must survive Verify without error.
func FuzzDecode(f *testing.F) {
	var buf bytes.Buffer
	var m audit.Memory
	for i := range 3 {
		m.Append(context.Background(), rec(i))
	}
	audit.Export(context.Background(), &m, &buf)
	f.Add(buf.Bytes())
	f.Add([]byte(`{"seq":1,"at":"2026-01-01T00:00:00Z","data":{"a":1e999}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var s audit.Slice
		if err := audit.Decode(bytes.NewReader(b), func(r audit.Record) error { s = append(s, r); return nil }); err != nil {
			return
		}
		if _, err := audit.Verify(context.Background(), s, nil); err != nil {
			t.Fatal(err)
		}
	})
}
