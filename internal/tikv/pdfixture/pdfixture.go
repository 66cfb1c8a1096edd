// Package pdfixture gives tests the exchanges captured from a real PD
// (shared/pd/fixtures, beside the repository checkout). The PD client's
// tests and pdsim's contract tests both replay them; this is the one place
// that knows where they live and what a capture file holds.
package pdfixture

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/operator-dev/operator/internal/testenv"
)

// Exchange is one captured request and PD's answer (shared/pd/README.md §1).
type Exchange struct {
	Name               string            `json:"name"`
	Description        string            `json:"description"`
	Scenario           string            `json:"scenario"`
	Method             string            `json:"method"`
	Path               string            `json:"path"`
	RequestContentType *string           `json:"request_content_type"`
	RequestBody        *string           `json:"request_body"`
	Status             int               `json:"status"`
	ContentType        *string           `json:"content_type"`
	Headers            map[string]string `json:"headers"`
	BodyFormat         string            `json:"body_format"`
	Body               json.RawMessage   `json:"body"`
	BodyRaw            *string           `json:"body_raw"`
	// Truncated is present only when a list in Body was cut.
	Truncated json.RawMessage `json:"truncated"`
}

// Dir returns the absolute path of the fixture directory: shared/pd/fixtures
// next to the checkout that holds the current package. When it is missing
// the test skips with a message saying where it should be, or fails under
// OPERATOR_FULL_TEST=1.
func Dir(t testing.TB) string {
	t.Helper()
	dir, err := locate()
	if err == nil {
		return dir
	}
	testenv.Missing(t, "PD fixtures not found: %v. They come from the shared/pd folder that sits beside "+
		"the repository checkout (../shared/pd/fixtures from the repo root); ./scripts/test requires them", err)
	return ""
}

// locate walks up from the working directory (a package directory under
// go test) to the module root and looks beside it.
func locate() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	root := wd
	for {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(root)
		if parent == root {
			return "", &os.PathError{Op: "find module root above", Path: wd, Err: os.ErrNotExist}
		}
		root = parent
	}
	dir := filepath.Join(filepath.Dir(root), "shared", "pd", "fixtures")
	st, err := os.Stat(dir)
	if err != nil {
		return "", err
	}
	if !st.IsDir() {
		return "", &os.PathError{Op: "stat", Path: dir, Err: os.ErrInvalid}
	}
	return dir, nil
}
