package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/auth"
	"github.com/operator-dev/operator/internal/store"
)

func userCases() []testCase {
	return []testCase{
		{"UsersAddLookupRevoke", testUsers},
		{"UsersRefuseBadInput", testUsersRefuse},
	}
}

func testUsers(t *testing.T, s store.Store) {
	t0 := base()
	_, h1, _ := auth.NewToken()
	u, err := s.AddUser(t.Context(), auth.User{Name: "alice", Role: auth.Approver, CreatedAt: t0, CreatedBy: "root"}, h1)
	if err != nil || u.Name != "alice" {
		t.Fatalf("AddUser = %+v, %v", u, err)
	}
	got, err := s.UserByToken(t.Context(), h1)
	if err != nil || got.Name != "alice" || got.Role != auth.Approver || !got.Active() {
		t.Fatalf("UserByToken = %+v, %v", got, err)
	}
	_, h2, _ := auth.NewToken()
	if err := s.AddToken(t.Context(), "alice", h2, "root", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.UserByToken(t.Context(), h2); err != nil || got.Name != "alice" {
		t.Fatalf("second token = %+v, %v", got, err)
	}
	if n, err := s.CountActiveUsers(t.Context()); err != nil || n != 1 {
		t.Fatalf("CountActiveUsers = %d, %v", n, err)
	}
	rv, err := s.RevokeUser(t.Context(), "alice", "root", t0.Add(2*time.Minute))
	if err != nil || rv.Active() {
		t.Fatalf("RevokeUser = %+v, %v", rv, err)
	}
	for _, h := range []string{h1, h2} {
		if _, err := s.UserByToken(t.Context(), h); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a revoked user's token still works: %v", err)
		}
	}
	if n, _ := s.CountActiveUsers(t.Context()); n != 0 {
		t.Errorf("%d active users after revoking the only one", n)
	}
	// Names are never reused.
	_, h3, _ := auth.NewToken()
	if _, err := s.AddUser(t.Context(), auth.User{Name: "alice", Role: auth.Admin, CreatedAt: t0, CreatedBy: "root"}, h3); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("re-adding a revoked name = %v, want ErrConflict", err)
	}
	if err := s.AddToken(t.Context(), "alice", h3, "root", t0); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a token for a revoked user = %v, want ErrConflict", err)
	}
	us, err := s.ListUsers(t.Context())
	if err != nil || len(us) != 1 || us[0].RevokedAt == nil {
		t.Fatalf("ListUsers = %+v, %v", us, err)
	}
	kinds := []string{}
	for _, r := range auditRecords(t, s) {
		kinds = append(kinds, r.Kind)
	}
	if len(kinds) != 3 || kinds[0] != "user-added" || kinds[1] != "token-added" || kinds[2] != "user-revoked" {
		t.Errorf("audit kinds %v", kinds)
	}
}

func testUsersRefuse(t *testing.T, s store.Store) {
	t0 := base()
	_, h, _ := auth.NewToken()
	for _, u := range []auth.User{
		{Name: "Alice Smith", Role: auth.Viewer, CreatedAt: t0, CreatedBy: "root"},
		{Name: "bob", Role: "god", CreatedAt: t0, CreatedBy: "root"},
		{Name: "carol", Role: auth.Viewer, CreatedAt: t0},
	} {
		if _, err := s.AddUser(t.Context(), u, h); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("AddUser(%+v) = %v, want ErrInvalid", u, err)
		}
	}
	if _, err := s.UserByToken(t.Context(), auth.HashToken("optk_nonsense")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown token = %v", err)
	}
	if _, err := s.RevokeUser(t.Context(), "nobody", "root", t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoking nobody = %v", err)
	}
}
