package sqlcodec

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/operator-dev/operator/internal/store"
)

func TestObjectRoundTrip(t *testing.T) {
	s, err := EncodeObject(map[string]any{"region_id": int64(9007199254740993), "ok": true})
	if err != nil || s != `{"ok":true,"region_id":9007199254740993}` {
		t.Fatalf("EncodeObject = %s, %v", s, err)
	}
	m, err := DecodeObject(s)
	if err != nil || m["region_id"] != json.Number("9007199254740993") || m["ok"] != true {
		t.Fatalf("DecodeObject = %#v, %v", m, err)
	}
	if s, err := EncodeObject[string](nil); err != nil || s != "{}" {
		t.Fatalf("EncodeObject(nil) = %s, %v", s, err)
	}
}

func TestEncodeRefusesWithErrInvalid(t *testing.T) {
	if _, err := EncodeObject(map[string]any{"f": func() {}}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("EncodeObject(func) = %v, want ErrInvalid", err)
	}
	if _, err := EncodeJSON(make(chan int)); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("EncodeJSON(chan) = %v, want ErrInvalid", err)
	}
}

func TestDecodeErrors(t *testing.T) {
	if _, err := DecodeObject("[1]"); err == nil {
		t.Error("DecodeObject of an array succeeded")
	}
	if _, err := DecodeLabels(`{"a": 1}`); err == nil {
		t.Error("DecodeLabels of a number value succeeded")
	}
	if m, err := DecodeLabels(`{"zone": "z1"}`); err != nil || m["zone"] != "z1" {
		t.Errorf("DecodeLabels = %v, %v", m, err)
	}
}
