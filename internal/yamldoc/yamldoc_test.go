package yamldoc

import "testing"

func TestSuggestAndPosition(t *testing.T) {
	if got := Suggest("promethues", []string{"pd", "prometheus", "monitor"}); got != "prometheus" {
		t.Errorf("Suggest = %q", got)
	}
	if got := Suggest("zzz", []string{"pd", "prometheus"}); got != "" {
		t.Errorf("Suggest of nonsense = %q", got)
	}
	if l, c := Position([]byte("a: 1\r\nbé: x"), 10); l != 2 || c != 4 {
		t.Errorf("Position = %d:%d, want 2:4", l, c)
	}
	ps := Problems{{Line: 5, Message: "b"}, {Line: 2, Column: 3, Message: "a"}}
	ps.SortByPosition()
	if got := ps.WithSource("p.yaml").Error(); got != "2 problems:\n\tp.yaml:2:3: a\n\tp.yaml:5: b" {
		t.Errorf("Error = %q", got)
	}
}
