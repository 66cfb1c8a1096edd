package actions

import (
	"slices"
	"testing"

	"github.com/operator-dev/operator/internal/diagnose"
	"github.com/operator-dev/operator/internal/subject"
)

// Every spec is complete, names only registry actions as compensation, and
// yields a params schema.
func TestRegistryIsComplete(t *testing.T) {
	specs := Registry()
	seen := map[string]bool{}
	for _, s := range specs {
		if seen[s.Name] {
			t.Errorf("%s is registered twice", s.Name)
		}
		seen[s.Name] = true
	}
	for _, s := range specs {
		if s.Description == "" || s.Risk < subject.RiskLow || s.Risk > subject.RiskHigh || s.Timeout <= 0 || s.Credential != CredentialPDWrite {
			t.Errorf("%s is incomplete: %+v", s.Name, s)
		}
		if s.Reversible() != (s.Compensation != "") {
			t.Errorf("%s: reversible %v but compensation %q", s.Name, s.Reversible(), s.Compensation)
		}
		if s.Compensation != "" && !seen[s.Compensation] {
			t.Errorf("%s: compensation %q is not in the registry", s.Name, s.Compensation)
		}
		for _, h := range s.PausesSchedulers {
			if !slices.Contains(PausableSchedulers, h) {
				t.Errorf("%s holds %q, not a scheduler pause_scheduler may name", s.Name, h)
			}
		}
		if len(s.Params) == 0 {
			t.Errorf("%s has no parameters", s.Name)
		}
		for _, p := range s.Params {
			if p.Name == "" || p.Type == "" || (!p.Required && p.Help == "") {
				t.Errorf("%s: parameter %+v", s.Name, p)
			}
		}
		if props := diagnose.ParamsSchema(s, nil)["properties"].(map[string]any); len(props) != len(s.Params) {
			t.Errorf("%s: schema has %d properties for %d params", s.Name, len(props), len(s.Params))
		}
	}
	// A copy: changing it must not change the registry.
	specs[0].Name = "changed"
	if Registry()[0].Name == "changed" {
		t.Error("Registry returned shared state")
	}
}
