package pgtest

import "testing"

func TestDatabaseName(t *testing.T) {
	for _, tt := range []struct {
		test string
		seq  int64
		want string
	}{
		{"TestX", 1, "t_testx_1"},
		{"TestConformance/OpenOrTouch#01", 17, "t_testconformance_openortouch_01_17"},
		{"Test/ünïcode name", 3, "t_test_n_code_name_3"},
		// Too long: the end of the name is kept, within 63 bytes.
		{"TestConformance/AVeryLongSubtestNameThatGoesOnAndOnAndOnAndOnAndOnAndOn", 12345,
			"t_averylongsubtestnamethatgoesonandonandonandonandonandon_12345"},
	} {
		got := databaseName(tt.test, tt.seq)
		if got != tt.want || len(got) > 63 {
			t.Errorf("databaseName(%q, %d) = %q (%d bytes), want %q", tt.test, tt.seq, got, len(got), tt.want)
		}
	}
}

func TestVersionOrder(t *testing.T) {
	if v := versionOf("/usr/lib/postgresql/15/bin"); len(v) != 1 || v[0] != 15 {
		t.Errorf("versionOf = %v", v)
	}
	if v := versionOf("/usr/lib/postgresql/9.6/bin"); len(v) != 2 || v[0] != 9 || v[1] != 6 {
		t.Errorf("versionOf = %v", v)
	}
}
