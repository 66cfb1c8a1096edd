package api

import (
	"bytes"
	"io"
	"net/http"
	"testing"
)

// The action endpoints' JSON inputs: whatever the body, the answer is a
// clean 2xx or 4xx with a JSON error, never a 5xx or a panic.
func FuzzActionBodies(f *testing.F) {
	for _, seed := range []string{`{}`, `{"reason":"ok"}`, `{"dry_run":true}`, `{"on":true,"reason":"x"}`,
		`{"ticket_id":1,"steps":[{"action":"split_region","params":{"region_id":49}},{"action":"split_region","params":{"region_id":50}}]}`,
		`{"steps":[{"action":"split_region","params":{"region_id":1e400}}]}`, `null`, `[]`, `{"reason":`, "\x00"} {
		f.Add(seed)
	}
	r, _, _ := newActionRig(f, true)
	paths := []string{"/api/v1/actions/1/approve", "/api/v1/actions/1/reject", "/api/v1/actions/1/cancel", "/api/v1/plans", "/api/v1/kill-switch"}
	f.Fuzz(func(t *testing.T, body string) {
		for _, p := range paths {
			resp, err := r.postRaw(t, p, bytes.NewReader([]byte(body)))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode >= 500 {
				t.Fatalf("POST %s %q: %d %s", p, body, resp.StatusCode, b)
			}
			if resp.StatusCode >= 400 && !bytes.Contains(b, []byte(`"error"`)) {
				t.Fatalf("POST %s %q: %d without a JSON error: %s", p, body, resp.StatusCode, b)
			}
		}
		// Whatever happened, the kill switch is off again for the next input.
		resp, err := r.postRaw(t, "/api/v1/kill-switch", bytes.NewReader([]byte(`{"on":false}`)))
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("kill switch off: %v %v", resp, err)
		}
		resp.Body.Close()
	})
}
