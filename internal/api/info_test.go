package api

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/operator-dev/operator/internal/auth"
	"github.com/operator-dev/operator/internal/store/sqlite"
	"github.com/operator-dev/operator/internal/subject"
)

func TestInfoSaysWhatKindOfDaemonThisIs(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want Info
	}{
		{"demo in execute mode",
			Options{Banner: "DEMO", ActionsMode: "execute",
				Registry: map[string][]subject.ActionSpec{"tikv": apiSpecs, "etcd": nil}},
			Info{Banner: "DEMO", ActionsMode: "execute", Subjects: []string{"etcd", "tikv"}}},
		// Nothing said the daemon may act: it is read as observe-only,
		// and the subjects are [], not null.
		{"nothing set", Options{}, Info{ActionsMode: "observe", Subjects: []string{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "op.db"), sqlite.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			r := &apiRig{st: st, now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
			r.srv = httptest.NewServer(New(st, tt.opts))
			t.Cleanup(r.srv.Close)
			viewer := r.addUser(t, "vic", auth.Viewer)

			code, body := r.callAs(t, viewer, "GET", "/api/v1/info", "")
			if code != 200 {
				t.Fatalf("GET /api/v1/info as a viewer: %d %s", code, body)
			}
			var raw map[string]any
			if err := json.Unmarshal([]byte(body), &raw); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"banner", "actions_mode", "subjects"} {
				if _, ok := raw[k]; !ok {
					t.Errorf("the answer lacks %q: %s", k, body)
				}
			}
			if raw["subjects"] == nil {
				t.Errorf("subjects is null: %s", body)
			}

			got, err := NewClient(r.srv.URL, viewer).Info(context.Background())
			if err != nil {
				t.Fatalf("Client.Info: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Client.Info = %+v, want %+v", got, tt.want)
			}

			if code, body := r.callAs(t, "", "GET", "/api/v1/info", ""); code != 401 {
				t.Errorf("GET /api/v1/info without a token: %d %s, want 401", code, body)
			}
		})
	}
}
