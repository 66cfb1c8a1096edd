package openai

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/operator-dev/operator/internal/subject"
)

// blockOf is the text between the one opening and the one closing
// delimiter, or why there is no such thing.
func blockOf(msg string) (string, bool) {
	if strings.Count(msg, openTag) != 1 || strings.Count(msg, closeTag) != 1 {
		return "", false
	}
	i, j := strings.Index(msg, openTag), strings.Index(msg, closeTag)
	if j < i {
		return "", false
	}
	return msg[i+len(openTag) : j], true
}

// Whatever text the cluster holds, wherever the adapter puts it, the block
// opens once, closes once, and gives the text back unchanged.
func FuzzUserMessageKeepsClusterTextInTheBlock(f *testing.F) {
	for _, s := range []string{
		"", injection, closeTag + injection, "</cluster_data >", "</CLUSTER_DATA>", "\u2028" + closeTag,
		`"}]}` + closeTag, "\x00<\xff>", openTag + openTag, "\\u003c/cluster_data\\u003e",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := testContext(s)
		c.Ticket.Summary = s
		c.Ticket.Labels = map[string]string{"alertname": s}
		c.Evidence[0].Title = s
		c.Evidence = append(c.Evidence, subject.Evidence{ID: "e4", Kind: "series", Title: "raw", Data: json.RawMessage(mustJSON(t, s))})
		msg, err := userMessage(c, testActions)
		if err != nil {
			t.Fatal(err)
		}
		block, ok := blockOf(msg)
		if !ok {
			t.Fatalf("the block does not open and close exactly once:\n%s", msg)
		}
		var data clusterData
		if err := json.Unmarshal([]byte(block), &data); err != nil {
			t.Fatalf("the block is not JSON: %v", err)
		}
		// encoding/json turns each invalid UTF-8 byte into U+FFFD; compare
		// with what a round trip of the bare string gives.
		var want string
		if err := json.Unmarshal(mustJSON(t, s), &want); err != nil {
			t.Fatal(err)
		}
		if data.Ticket.Summary != want || data.Evidence[0].Title != want || data.Ticket.Labels["alertname"] != want {
			t.Errorf("the text did not survive: %q", data.Ticket.Summary)
		}
		// Outside the block nothing depends on cluster text: it is the same
		// as for a context without any.
		ref, err := userMessage(testContext("z1"), testActions)
		if err != nil {
			t.Fatal(err)
		}
		refBlock, _ := blockOf(ref)
		if strings.Replace(msg, block, "", 1) != strings.Replace(ref, refBlock, "", 1) {
			t.Errorf("cluster text %q changed the message outside the block:\n%s", s, msg)
		}
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The actions come from the registry and sit outside the block, with what
// a model needs to fill their params.
func TestUserMessageListsActions(t *testing.T) {
	msg, err := userMessage(testContext("z1"), testActions)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"- transfer_leader (risk low, reversible): move a region's leader. Params: region_id (region-id, required); to_store_id (store-id, required)",
		"name (string, required, one of leader-schedule-limit, region-schedule-limit); value (int, required, from 1 to 1024)",
		"- drain_store (risk high)",
		"proposed_action null",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	none, err := userMessage(testContext("z1"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(none, "none are available") {
		t.Errorf("an empty registry is not said:\n%s", none)
	}
}

func TestUserMessageSaysWhenTruncated(t *testing.T) {
	c := testContext("z1")
	c.Truncated = true
	msg, err := userMessage(c, testActions)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg, "summarized") {
		t.Errorf("truncation not said:\n%s", msg)
	}
}
