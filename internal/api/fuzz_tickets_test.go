package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/operator-dev/operator/internal/ticket"
)

// FuzzTicketRequests: the ticket endpoints' inputs (a resolve body, the
// list's query string, the id in the path) come from any client. Whatever
// they hold: no 5xx, no panic; a 4xx carries a JSON error; a 200 list is a
// JSON array.
func FuzzTicketRequests(f *testing.F) {
	for _, s := range [][3]string{
		{`{"reason":"fixed by hand"}`, "state=open&limit=10", "1"},
		{`{"reason":""}`, "state=bogus", "0"},
		{`{"reason":1}`, "limit=-1", "-1"},
		{`null`, "limit=99999999999999999999", "99999999999999999999"},
		{`{"reason":"x"} trailing`, "invariant=%ff&subject=tikv&state=resolved&state=open", "1e3"},
		{`{"reason":`, "%", "../../x"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	r := newAPIRig(f)
	// Ticket 1 exists (open, then resolved by the first good body).
	if _, _, err := r.st.OpenOrTouch(context.Background(), ticket.Ticket{DedupKey: "store-down/store=3", Invariant: "store-down", Subject: "tikv",
		Severity: ticket.Warning, State: ticket.Open, Summary: "store 3 is down", Labels: map[string]string{"store": "3"}}, 0, r.now); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body, query, id string) {
		check := func(what string, resp *http.Response) []byte {
			t.Helper()
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode >= 500 {
				t.Fatalf("%s: %d %s", what, resp.StatusCode, b)
			}
			// ServeMux's own 404/405 (an empty or odd path segment) are
			// plain text; every answer of ours is JSON.
			if resp.StatusCode >= 400 && resp.Header.Get("Content-Type") == "application/json" || resp.StatusCode == http.StatusBadRequest {
				var eb ErrorBody
				if json.Unmarshal(b, &eb) != nil || eb.Error == "" {
					t.Fatalf("%s: %d without a JSON error: %s", what, resp.StatusCode, b)
				}
			}
			return b
		}
		resp, err := r.postRaw(t, "/api/v1/tickets/"+url.PathEscape(id)+"/resolve", bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatal(err)
		}
		check("resolve", resp)

		for _, path := range []string{"/api/v1/tickets?" + query, "/api/v1/tickets/" + url.PathEscape(id), "/api/v1/tickets/" + url.PathEscape(id) + "/diagnoses"} {
			req, err := http.NewRequest("GET", r.srv.URL+path, nil)
			if err != nil {
				return // not a URL a client could send
			}
			req.Header.Set("Authorization", "Bearer "+r.token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b := check("GET "+path, resp)
			if resp.StatusCode == http.StatusOK && path[len("/api/v1/tickets")] == '?' {
				var list []json.RawMessage
				if err := json.Unmarshal(b, &list); err != nil {
					t.Fatalf("GET %s: 200 that is not a list: %s", path, b)
				}
			}
		}
	})
}
