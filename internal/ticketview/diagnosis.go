package ticketview

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/operator-dev/operator/internal/ticket"
)

// Diagnoses writes the "Diagnosis" section of a ticket's detail: every
// record of the latest round, or that there is none yet. It is Markdown,
// readable as it is in a terminal and rendered anywhere it is pasted.
func Diagnoses(w io.Writer, recs []ticket.DiagnosisRecord) error {
	b := &strings.Builder{}
	b.WriteString("## Diagnosis\n\n")
	if len(recs) == 0 {
		b.WriteString("No diagnosis yet.\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	fmt.Fprintf(b, "Round %d, %s, %s.\n", recs[0].Round, recs[0].At.UTC().Format(time.RFC3339), plural(len(recs), "provider"))
	for _, r := range recs {
		b.WriteString("\n")
		writeDiagnosis(b, r)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Diagnosis writes one provider's record as Markdown: who said it and how
// it ended, the diagnosis, the proposed action as a typed block, the
// alternatives, every refusal and what it cost.
func Diagnosis(w io.Writer, r ticket.DiagnosisRecord) error {
	b := &strings.Builder{}
	writeDiagnosis(b, r)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeDiagnosis(b *strings.Builder, r ticket.DiagnosisRecord) {
	who := r.Provider
	if r.Model != "" {
		who += " (" + r.Model + ")"
	}
	fmt.Fprintf(b, "### %s: %s\n\n", oneLine(who), statusText(r.Status))

	if d := r.Diagnosis; d != nil {
		writeFindings(b, d, r.Disputed)
		writeProposal(b, d.Proposal, r.Status)
		writeAlternatives(b, d.Alternatives)
	} else if r.Status != ticket.DiagnosisFailed {
		b.WriteString("No diagnosis: the answer was refused.\n\n")
	}
	if r.Error != "" {
		fmt.Fprintf(b, "**Error:** %s\n\n", oneLine(r.Error))
	}
	if len(r.Refusals) > 0 {
		b.WriteString("**Refusals**\n\n")
		for _, f := range r.Refusals {
			fmt.Fprintf(b, "- %s: %s\n", code(f.Field), oneLine(f.Reason))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(b, "**Usage:** %s\n", usageText(r.Usage))
}

func writeFindings(b *strings.Builder, d *ticket.Diagnosis, disputed bool) {
	fmt.Fprintf(b, "- **Summary:** %s\n", oneLine(d.Summary))
	fmt.Fprintf(b, "- **Probable cause:** %s\n", oneLine(d.Cause))
	ids := make([]string, len(d.EvidenceIDs))
	for i, id := range d.EvidenceIDs {
		ids[i] = code(id)
	}
	fmt.Fprintf(b, "- **Evidence:** %s\n", strings.Join(ids, ", "))
	conf := fmt.Sprintf("%.2f", d.Confidence)
	if disputed {
		conf += " (disputed: confidence capped, never auto-approved)"
	}
	fmt.Fprintf(b, "- **Confidence:** %s\n", conf)
	fmt.Fprintf(b, "- **Severity:** %s\n", d.Severity)
	if len(d.Risks) > 0 {
		b.WriteString("- **Risks:**\n")
		for _, r := range d.Risks {
			fmt.Fprintf(b, "  - %s\n", oneLine(r))
		}
	}
	b.WriteString("\n")
}

// writeProposal shows the action exactly as it would be submitted: type,
// urgency and params (sorted) in a block, the prose after it.
func writeProposal(b *strings.Builder, p *ticket.Proposal, status ticket.DiagnosisStatus) {
	if p == nil {
		if status == ticket.DiagnosisProposalRefused {
			b.WriteString("No action proposed: the proposal was refused (see Refusals).\n\n")
		} else {
			b.WriteString("No action proposed.\n\n")
		}
		return
	}
	b.WriteString("**Proposed action**\n\n")
	var block strings.Builder
	fmt.Fprintf(&block, "type:    %s\nurgency: %s\n", oneLine(p.Type), oneLine(p.Urgency))
	if len(p.Params) == 0 {
		block.WriteString("params:  {}\n")
	} else {
		block.WriteString("params:\n")
		keys := sortedKeys(p.Params)
		width := 0
		for _, k := range keys {
			width = max(width, len(k))
		}
		for _, k := range keys {
			fmt.Fprintf(&block, "  %-*s %s\n", width+1, k+":", value(p.Params[k]))
		}
	}
	fence := "```"
	for strings.Contains(block.String(), fence) {
		fence += "`"
	}
	fmt.Fprintf(b, "%stext\n%s%s\n\n", fence, block.String(), fence)
	fmt.Fprintf(b, "- **Rationale:** %s\n", orNone(p.Rationale))
	fmt.Fprintf(b, "- **Expected outcome:** %s\n\n", orNone(p.ExpectedOutcome))
}

func writeAlternatives(b *strings.Builder, alts []ticket.Alternative) {
	if len(alts) == 0 {
		return
	}
	b.WriteString("**Alternatives considered**\n\n")
	for _, a := range alts {
		what := code(a.Type)
		if len(a.Params) > 0 {
			var ps []string
			for _, k := range sortedKeys(a.Params) {
				ps = append(ps, k+"="+value(a.Params[k]))
			}
			what += " (" + strings.Join(ps, ", ") + ")"
		}
		fmt.Fprintf(b, "- %s: %s\n", what, orNone(a.WhyNot))
	}
	b.WriteString("\n")
}

func statusText(s ticket.DiagnosisStatus) string {
	switch s {
	case ticket.DiagnosisOK:
		return "ok"
	case ticket.DiagnosisProposalRefused:
		return "proposal refused"
	case ticket.DiagnosisRefused:
		return "answer refused"
	case ticket.DiagnosisFailed:
		return "failed"
	}
	return oneLine(string(s)) // a status this binary does not know, shown as stored
}

func usageText(u ticket.Usage) string {
	var parts []string
	if u.InputTokens > 0 || u.OutputTokens > 0 {
		parts = append(parts, fmt.Sprintf("%d input + %d output tokens", u.InputTokens, u.OutputTokens))
	}
	if u.CostUSD > 0 {
		parts = append(parts, fmt.Sprintf("$%.4f", u.CostUSD))
	}
	if u.Attempts > 0 {
		parts = append(parts, plural(u.Attempts, "attempt"))
	}
	if len(parts) == 0 {
		return "none recorded"
	}
	return strings.Join(parts, ", ")
}

// value renders a param as JSON: strings quoted, numbers as written (a
// float64 region ID 1000001 stays 1000001, never 1.000001e+06).
func value(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(b)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// oneLine collapses a provider's text onto one line: a model's newlines
// must not break the Markdown around them.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func orNone(s string) string {
	if s = oneLine(s); s == "" {
		return "(none given)"
	}
	return s
}

// code wraps s in a code span, with a longer fence if s holds backticks.
func code(s string) string {
	s = oneLine(s)
	if strings.Contains(s, "`") {
		return "`` " + s + " ``"
	}
	return "`" + s + "`"
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
