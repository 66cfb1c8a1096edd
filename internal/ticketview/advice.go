package ticketview

import (
	"fmt"
	"strings"

	"github.com/operator-dev/operator/internal/ticket"
)

// Advice is one line saying what a provider's record advises: the action
// with its params ("set_store_weight leader_weight=1 region_weight=0.5
// store_id=2"), "no action", or why there is no advice.
func Advice(r ticket.DiagnosisRecord) string {
	who := oneLine(r.Provider)
	switch {
	case r.Status == ticket.DiagnosisFailed:
		return who + ": no answer (" + clipText(oneLine(r.Error), 80) + ")"
	case r.Diagnosis == nil:
		return who + ": answer refused"
	}
	d := r.Diagnosis
	var b strings.Builder
	b.WriteString(who + ": ")
	if p := d.Proposal; p != nil {
		b.WriteString(oneLine(p.Type))
		for _, k := range sortedKeys(p.Params) {
			fmt.Fprintf(&b, " %s=%s", oneLine(k), value(p.Params[k]))
		}
	} else if r.Status == ticket.DiagnosisProposalRefused {
		b.WriteString("proposal refused")
	} else {
		b.WriteString("no action")
	}
	fmt.Fprintf(&b, " (confidence %.2f", d.Confidence)
	if r.Disputed {
		b.WriteString(", disputed")
	}
	b.WriteString(") · " + clipText(oneLine(d.Summary), 100))
	return b.String()
}

func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
