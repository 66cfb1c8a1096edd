package migration

import (
	"errors"
	"testing"

	"github.com/operator-dev/operator/internal/store"
)

func TestNext(t *testing.T) {
	ms := []Migration{{Version: 1, Name: "a"}, {Version: 2, Name: "b"}}
	if m, err := Next(ms, 0); err != nil || m == nil || m.Name != "a" {
		t.Errorf("Next(0) = %+v, %v; want a", m, err)
	}
	if m, err := Next(ms, 1); err != nil || m == nil || m.Name != "b" {
		t.Errorf("Next(1) = %+v, %v; want b", m, err)
	}
	if m, err := Next(ms, 2); err != nil || m != nil {
		t.Errorf("Next(2) = %+v, %v; want up to date", m, err)
	}
	if _, err := Next(ms, 3); !errors.Is(err, store.ErrSchemaTooNew) {
		t.Errorf("Next(3) = %v, want ErrSchemaTooNew", err)
	}
}
