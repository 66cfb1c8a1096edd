package pdfixture

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDirFindsFixturesBesideTheCheckout(t *testing.T) {
	dir := Dir(t)
	if _, err := os.Stat(filepath.Join(dir, "INDEX.md")); err != nil {
		t.Fatalf("%s has no INDEX.md: %v", dir, err)
	}
}

func TestLocateFailsOutsideAModule(t *testing.T) {
	t.Chdir(t.TempDir())
	if _, err := locate(); err == nil {
		t.Fatal("locate found fixtures outside any module")
	}
}
