package openai

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestConfigNeverPrintsItsKey(t *testing.T) {
	c := Config{APIKey: "sk-test-SECRET-789", BaseURL: "https://user:hunter2@proxy.example/v1", Model: "m"}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "cfg", c)
	for _, out := range []string{fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), logs.String()} {
		if strings.Contains(out, "SECRET") || strings.Contains(out, "hunter2") {
			t.Errorf("printed a secret: %s", out)
		}
		if !strings.Contains(out, "(set)") {
			t.Errorf("does not say a key is set: %s", out)
		}
	}
}
