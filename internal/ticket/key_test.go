package ticket

import (
	"errors"
	"maps"
	"testing"
)

func TestKey(t *testing.T) {
	cases := []struct {
		name   string
		inv    string
		labels map[string]string
		want   string
	}{
		{"no labels", "pd-unhealthy", nil, "pd-unhealthy"},
		{"empty labels", "pd-unhealthy", map[string]string{}, "pd-unhealthy"},
		{"one label", "store-down", map[string]string{"store": "4"}, "store-down/store=4"},
		{"sorted by name", "hot-write", map[string]string{"store": "2", "region": "123"}, "hot-write/region=123,store=2"},
		{"slash in value kept", "disk", map[string]string{"path": "/var/lib/tikv"}, "disk/path=/var/lib/tikv"},
		{"address kept", "latency", map[string]string{"instance": "10.0.0.1:20160"}, "latency/instance=10.0.0.1:20160"},
		{"comma escaped", "a", map[string]string{"x": "1,y=2"}, "a/x=1%2Cy%3D2"},
		{"slash in name escaped", "a/b", map[string]string{"k": "v"}, "a%2Fb/k=v"},
		{"percent escaped", "a", map[string]string{"k": "100%"}, "a/k=100%25"},
		{"newline escaped", "a", map[string]string{"k": "x\ny"}, "a/k=x%0Ay"},
		{"empty value", "a", map[string]string{"k": ""}, "a/k="},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Key(tc.inv, tc.labels); got != tc.want {
				t.Fatalf("Key = %q, want %q", got, tc.want)
			}
			inv, labels, err := ParseKey(tc.want)
			if err != nil {
				t.Fatalf("ParseKey(%q): %v", tc.want, err)
			}
			if inv != tc.inv || len(labels) != len(tc.labels) || (len(labels) > 0 && !maps.Equal(labels, tc.labels)) {
				t.Fatalf("ParseKey(%q) = %q, %v", tc.want, inv, labels)
			}
		})
	}
}

func TestKeyDistinguishesLabelSets(t *testing.T) {
	// Without escaping these two would both be "a/x=1,y=2".
	k1 := Key("a", map[string]string{"x": "1,y=2"})
	k2 := Key("a", map[string]string{"x": "1", "y": "2"})
	if k1 == k2 {
		t.Fatalf("different label sets share key %q", k1)
	}
}

func TestParseKeyRefusesNonCanonical(t *testing.T) {
	for _, key := range []string{
		"a/",          // Key never writes an empty label list
		"a/k",         // no '='
		"a/y=1,x=2",   // out of order
		"a/x=1,x=2",   // repeated
		"a/k=%4",      // truncated escape
		"a/k=%zz",     // bad escape
		"a/k=%41",     // needless escape of 'A'
		"a/k=%2c",     // lower-case escape
		"a%2fb",       // lower-case escape in the name
		"a/k=v%",      // trailing percent
		"a/k=1,y=2,=", // out of order empty name
		"name\n/k=v",  // raw control character
		"a/k=x\x7fy",  // raw DEL
		"a/k=v,,x=1",  // empty pair
		"a/k=v=w",     // '=' in a value is escaped by Key
	} {
		inv, labels, err := ParseKey(key)
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseKey(%q) = %q, %v, %v; want ErrInvalid", key, inv, labels, err)
		}
	}
}

func FuzzParseKey(f *testing.F) {
	for _, s := range []string{"store-down/store=4", "hot-write/region=123,store=2", "a%2Fb/k=100%25", "a/k=", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		inv, labels, err := ParseKey(key)
		if err != nil {
			return
		}
		if again := Key(inv, labels); again != key {
			t.Fatalf("ParseKey(%q) = %q, %v, which rebuilds to %q", key, inv, labels, again)
		}
	})
}

func FuzzKeyRoundTrip(f *testing.F) {
	f.Add("store-down", "store", "4", "region", "7")
	f.Add("a/b", "k,", "=v", "%", "\n")
	f.Fuzz(func(t *testing.T, inv, k1, v1, k2, v2 string) {
		labels := map[string]string{k1: v1, k2: v2}
		key := Key(inv, labels)
		gotInv, gotLabels, err := ParseKey(key)
		if err != nil {
			t.Fatalf("ParseKey(Key(%q, %v) = %q): %v", inv, labels, key, err)
		}
		if gotInv != inv || !maps.Equal(gotLabels, labels) {
			t.Fatalf("round trip of %q, %v via %q gave %q, %v", inv, labels, key, gotInv, gotLabels)
		}
	})
}
