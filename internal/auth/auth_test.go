package auth

import (
	"strings"
	"testing"
)

func TestTokens(t *testing.T) {
	tok, hash, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok, "optk_") || len(tok) < 50 || HashToken(tok) != hash || HashToken(tok+"\n") != hash {
		t.Fatalf("token %q hash %q", tok, hash)
	}
	tok2, hash2, _ := NewToken()
	if tok2 == tok || hash2 == hash {
		t.Fatal("two tokens are the same")
	}
	if strings.Contains(hash, tok[5:]) {
		t.Fatal("the hash contains the token")
	}
}

func TestRolesAndNames(t *testing.T) {
	if !Admin.AtLeast(Approver) || !Approver.AtLeast(Viewer) || Viewer.AtLeast(Approver) || Role("root").AtLeast(Viewer) {
		t.Fatal("role order")
	}
	if _, err := ParseRole("Approver"); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseRole("superuser"); err == nil {
		t.Fatal("unknown role accepted")
	}
	tok, _, _ := NewToken()
	for _, bad := range []string{"", "Alice", "a b", strings.Repeat("a", 65), tok} {
		if ValidateName(bad) == nil {
			t.Errorf("name %q accepted", bad)
		}
	}
	if err := ValidateName("alice@corp.example"); err != nil {
		t.Fatal(err)
	}
}
