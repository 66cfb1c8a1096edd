package promtest

import (
	"net/http"
	"testing"
	"time"
)

func TestStartServesUntilTheTestEnds(t *testing.T) {
	url := Start(t, "global:\n  scrape_interval: 1s\n")
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus at %s never became ready: %v", url, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
