package subject

import (
	"errors"
	"testing"
)

func TestKeyIsStableAndSorted(t *testing.T) {
	cases := []struct {
		inv    string
		labels map[string]string
		want   string
	}{
		{"pd-unhealthy", nil, "pd-unhealthy"},
		{"store-down", map[string]string{"store": "4"}, "store-down/store=4"},
		{"hot-write", map[string]string{"store": "2", "region": "123"}, "hot-write/region=123,store=2"},
	}
	for _, tc := range cases {
		for i := 0; i < 5; i++ {
			if got := Key(tc.inv, tc.labels); got != tc.want {
				t.Fatalf("Key(%q, %v) = %q, want %q", tc.inv, tc.labels, got, tc.want)
			}
		}
	}
}

func TestSeverityRoundTrip(t *testing.T) {
	for _, s := range []Severity{Info, Warning, Critical} {
		got, err := ParseSeverity(s.String())
		if err != nil || got != s {
			t.Fatalf("ParseSeverity(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := ParseSeverity("loud"); err == nil {
		t.Fatal("ParseSeverity accepted an unknown word")
	}
}

func TestSnapshotFailedSources(t *testing.T) {
	s := &Snapshot{Sources: []Source{{Name: "pd"}, {Name: "prometheus", Err: errors.New("connection refused")}}}
	failed := s.Failed()
	if len(failed) != 1 || failed[0].Name != "prometheus" {
		t.Fatalf("Failed() = %v", failed)
	}
	if src, ok := s.Source("pd"); !ok || src.Err != nil {
		t.Fatalf("Source(pd) = %v %v", src, ok)
	}
	if _, ok := s.Source("etcd"); ok {
		t.Fatal("Source(etcd) found a source that was never observed")
	}
}

func TestSourceSystem(t *testing.T) {
	for name, want := range map[string]string{"pd:stores": "pd", "pd:regions-check/miss-peer": "pd", "prometheus": "prometheus", "": ""} {
		if got := (Source{Name: name}).System(); got != want {
			t.Errorf("System(%q) = %q, want %q", name, got, want)
		}
	}
}
