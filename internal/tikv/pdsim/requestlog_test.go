package pdsim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Every state-changing request PD answers is logged with its status,
// refused ones included; reads are not.
func TestRequestLogRecordsWrites(t *testing.T) {
	srv := NewServer(New(Options{Stores: 5, Regions: 30, Seed: 1}), "http://pd")
	ts := httptest.NewServer(srv)
	defer ts.Close()
	do := func(method, path, body string) int {
		req, _ := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	do("GET", "/pd/api/v1/stores", "")
	if code := do("POST", "/pd/api/v1/store/3/state?state=Offline", ""); code != 200 {
		t.Fatalf("set store 3 offline: %d", code)
	}
	refused := do("POST", "/pd/api/v1/store/99/state?state=Offline", "")
	do("GET", "/pdsim/v1/status", "")

	got := srv.Writes()
	if len(got) != 2 {
		t.Fatalf("logged %d writes, want 2: %+v", len(got), got)
	}
	if got[0].Method != "POST" || got[0].Path != "/pd/api/v1/store/3/state?state=Offline" || got[0].Status != 200 || got[0].At.IsZero() {
		t.Errorf("first write: %+v", got[0])
	}
	if got[1].Status != refused || refused == 200 {
		t.Errorf("the refused write: %+v (answered %d)", got[1], refused)
	}
	resp, err := http.Get(ts.URL + "/pdsim/v1/requests")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Writes []Request }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || len(body.Writes) != 2 {
		t.Fatalf("GET /pdsim/v1/requests: %+v %v", body, err)
	}
}
