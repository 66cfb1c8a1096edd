package pd

import (
	"encoding/json"
	"testing"
	"time"
)

func TestByteSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want ByteSize
		out  string // PD's rendering of the parsed value
	}{
		{"0B", 0, "0B"},
		{"1TiB", TiB, "1TiB"},
		{"1000GiB", 1000 * GiB, "1000GiB"},
		{"996.6GiB", 1070091101798, "996.6GiB"},
		{"23.71GiB", 25458418647, "23.71GiB"},
		{"652MiB", 652 * MiB, "652MiB"},
		{"1KB", KiB, "1KiB"}, // PD's units are binary whatever the spelling
		{"1k", KiB, "1KiB"},
		{"2 MiB", 2 * MiB, "2MiB"},
		{"17", 17, "17B"},
		{"1.5EiB", EiB + EiB/2, "1.5EiB"},
	} {
		got, err := ParseByteSize(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
			continue
		}
		if got.String() != tc.out {
			t.Errorf("%q renders as %q, want %q", tc.in, got.String(), tc.out)
		}
		var viaJSON ByteSize
		if err := json.Unmarshal([]byte(`"`+tc.in+`"`), &viaJSON); err != nil || viaJSON != tc.want {
			t.Errorf("JSON %q: %d, %v", tc.in, viaJSON, err)
		}
		b, _ := json.Marshal(got)
		if string(b) != `"`+tc.out+`"` {
			t.Errorf("marshal %d = %s", got, b)
		}
	}
	for _, bad := range []string{"", "GiB", "1.2.3GiB", "12XB", "-1GiB", ".5GiB", "16EiB", "1e3B"} {
		if v, err := ParseByteSize(bad); err == nil {
			t.Errorf("ParseByteSize(%q) = %d, want an error", bad, v)
		}
	}
	var n ByteSize
	if err := json.Unmarshal([]byte(`1073741824`), &n); err != nil || n != GiB {
		t.Errorf("a plain number: %d %v", n, err)
	}
}

func FuzzParseByteSize(f *testing.F) {
	for _, s := range []string{"0B", "996.6GiB", "1TiB", "1 kb", "9999999EiB", "."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseByteSize(s)
		if err != nil {
			return
		}
		// Whatever parses must render as something that parses again,
		// within the rounding of four significant digits.
		back, err := ParseByteSize(v.String())
		if err != nil {
			t.Fatalf("%q -> %d -> %q does not parse: %v", s, v, v.String(), err)
		}
		diff := float64(back) - float64(v)
		if diff < 0 {
			diff = -diff
		}
		if diff > float64(v)/1000+1 {
			t.Fatalf("%q -> %d -> %q -> %d", s, v, v.String(), back)
		}
	})
}

func TestDuration(t *testing.T) {
	var d Duration
	if err := json.Unmarshal([]byte(`"498765h10m12.336753593s"`), &d); err != nil {
		t.Fatal(err)
	}
	if d.D() != 498765*time.Hour+10*time.Minute+12336753593*time.Nanosecond {
		t.Fatalf("got %v", d)
	}
	if b, _ := json.Marshal(Duration(30 * time.Minute)); string(b) != `"30m0s"` {
		t.Fatalf("marshal: %s", b)
	}
	if err := json.Unmarshal([]byte(`60`), &d); err == nil {
		t.Fatal("a number is not a PD duration")
	}
	if err := json.Unmarshal([]byte(`"soon"`), &d); err == nil {
		t.Fatal(`"soon" parsed`)
	}
}

func TestStringBool(t *testing.T) {
	for in, want := range map[string]StringBool{`"true"`: true, `"false"`: false, `true`: true, `false`: false} {
		var b StringBool
		if err := json.Unmarshal([]byte(in), &b); err != nil || b != want {
			t.Errorf("%s: %v %v", in, b, err)
		}
	}
	for _, bad := range []string{`"yes"`, `1`, `{}`} {
		var b StringBool
		if err := json.Unmarshal([]byte(bad), &b); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if b, _ := json.Marshal(StringBool(true)); string(b) != `"true"` {
		t.Errorf("marshal true: %s", b)
	}
}

func TestCommaList(t *testing.T) {
	var l CommaList
	if err := json.Unmarshal([]byte(`"zone,host"`), &l); err != nil || len(l) != 2 || l[1] != "host" {
		t.Fatalf("%v %v", l, err)
	}
	if err := json.Unmarshal([]byte(`""`), &l); err != nil || l != nil {
		t.Fatalf("empty: %v %v", l, err)
	}
	if b, _ := json.Marshal(CommaList{"zone", "rack", "host"}); string(b) != `"zone,rack,host"` {
		t.Fatalf("marshal: %s", b)
	}
}

func TestOpKindString(t *testing.T) {
	for k, want := range map[OpKind]string{
		257: "admin,leader", 129: "admin,region", 144: "replica,region", 32: "split", 0: "unknown",
		OpAdmin | OpRegion | OpLeader: "admin,region,leader", 1 << 20: "0x100000",
	} {
		if got := k.String(); got != want {
			t.Errorf("OpKind(%d) = %q, want %q", uint32(k), got, want)
		}
	}
}
